"""Synthetic corpus generators for the benchmarks: interchange JSONL or ConvoKit folders.

Utterances mix function words at roughly their frequency in spoken English (the most common
words of the BNC spoken list) with Zipf-distributed content words, so marker-based measures
see realistic densities. ``generate``: each conversation is a reply chain between a few
speakers. ``realistic_rows`` (written by ``write_convokit`` and ``write_interchange``) adds
contractions (some with a curly apostrophe), capitals, punctuation, reply trees and a speaker
group field, with one speaker per 50 utterances (20,000 per million).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

# Common English function words with rough relative frequencies (per 1,000 spoken words).
FUNCTION_WORDS = {
    "the": 40,
    "i": 35,
    "you": 33,
    "and": 28,
    "it": 27,
    "a": 22,
    "to": 21,
    "that": 18,
    "of": 16,
    "yeah": 14,
    "in": 13,
    "we": 12,
    "is": 11,
    "do": 9,
    "they": 9,
    "he": 8,
    "but": 8,
    "so": 8,
    "on": 8,
    "have": 8,
    "was": 8,
    "what": 7,
    "be": 6,
    "not": 6,
    "for": 6,
    "well": 6,
    "if": 5,
    "with": 5,
    "there": 5,
    "she": 5,
    "can": 5,
    "just": 5,
    "at": 4,
    "or": 4,
    "all": 4,
    "this": 4,
    "my": 4,
    "me": 4,
    "are": 4,
    "would": 3,
    "about": 3,
    "some": 3,
    "no": 3,
    "because": 3,
    "will": 3,
    "very": 2,
    "our": 2,
    "from": 2,
    "should": 2,
    "could": 2,
    "any": 2,
    "really": 2,
    "always": 1,
    "never": 1,
    "us": 1,
    "your": 2,
    "an": 2,
    "by": 1,
    "them": 2,
    "up": 2,
    "out": 2,
    "much": 1,
}


def generate(path: Path, n_utterances: int, *, seed: int = 0, per_conversation: int = 100) -> Path:
    """Write ``n_utterances`` rows of interchange JSONL to ``path`` and return it."""
    rng = np.random.default_rng(seed)
    words = list(FUNCTION_WORDS)
    weights = np.array(list(FUNCTION_WORDS.values()), dtype=float)
    content = [f"thing{i}" for i in range(5000)]
    content_p = 1.0 / np.arange(1, len(content) + 1)
    content_p /= content_p.sum()
    function_share = weights.sum() / 1000
    weights /= weights.sum()
    path.parent.mkdir(parents=True, exist_ok=True)
    speakers = [f"speaker{i}" for i in range(max(2, n_utterances // 50))]
    chunk = 10_000
    with path.open("w", encoding="utf-8") as out:
        written = 0
        while written < n_utterances:
            size = min(chunk, n_utterances - written)
            lengths = rng.integers(2, 20, size)
            total = int(lengths.sum())
            is_function = rng.random(total) < function_share
            fw = rng.choice(len(words), total, p=weights)
            cw = rng.choice(len(content), total, p=content_p)
            tokens = [
                words[f] if is_f else content[c]
                for is_f, f, c in zip(is_function, fw, cw, strict=True)
            ]
            questions = rng.random(size) < 0.2
            offset = 0
            lines = []
            for j in range(size):
                index = written + j
                conv = index // per_conversation
                text = " ".join(tokens[offset : offset + lengths[j]])
                offset += lengths[j]
                text = text.capitalize() + ("?" if questions[j] else ".")
                position = index % per_conversation
                row = {
                    "id": f"u{index}",
                    "conversation_id": f"c{conv}",
                    "speaker": speakers[
                        (conv * 3 + position % 3 + (position // 7)) % len(speakers)
                    ],
                    "text": text,
                    "timestamp": float(position * 5),
                    "reply_to": f"u{index - 1}" if position else None,
                }
                lines.append(json.dumps(row))
            out.write("\n".join(lines) + "\n")
            written += size
    return path


# --- A richer corpus for the coordination benchmarks --------------------------------------

CONTRACTIONS = {
    "don't": 3,
    "i'm": 3,
    "it's": 3,
    "that's": 2,
    "can't": 2,
    "you're": 1,
    "we'll": 1,
    "they've": 1,
    "won't": 1,
    "isn't": 1,
    "didn't": 1,
    "let's": 1,
    "i've": 1,
    "there's": 1,
}
"""Contractions, per 1,000 spoken words (rough)."""
INNER_PUNCT = [",", ",", ",", ";", ":", " --", "..."]
FINAL_PUNCT = [".", ".", ".", ".", "?", "?", "!", "..."]


def realistic_rows(
    n_utterances: int, *, seed: int = 0, per_conversation: int = 100
) -> Iterator[dict[str, Any]]:
    """Yield ``n_utterances`` ConvoKit-style rows (dicts) and, last, the speaker metadata.

    About 20,000 speakers per million utterances (one per 50 utterances; 20% of them in the
    group ``is_high``), conversations of ``per_conversation`` utterances between 3 to 6 of
    them, replies mostly to the turn before and sometimes to an earlier one (a reply tree),
    text from English function words, contractions (a few with a curly apostrophe),
    Zipf-distributed content words, capitals and punctuation.
    """
    rng = np.random.default_rng(seed)
    vocab = list(FUNCTION_WORDS) + list(CONTRACTIONS)
    weights = np.array(list(FUNCTION_WORDS.values()) + list(CONTRACTIONS.values()), float)
    function_share = weights.sum() / 1000
    weights /= weights.sum()
    content = [f"thing{i}" for i in range(20000)]
    content_p = 1.0 / np.arange(1, len(content) + 1)
    content_p /= content_p.sum()
    n_speakers = max(2, n_utterances // 50)
    written = 0
    chunk = 10_000
    while written < n_utterances:
        size = min(chunk, n_utterances - written)
        lengths = rng.geometric(1 / 11, size).clip(1, 60)
        total = int(lengths.sum())
        is_function = rng.random(total) < function_share
        fw = rng.choice(len(vocab), total, p=weights)
        cw = rng.choice(len(content), total, p=content_p)
        inner = rng.random(total)
        punct = rng.integers(0, len(INNER_PUNCT), total)
        caps = rng.random(total) < 0.03
        tokens = []
        for j in range(total):
            word = vocab[fw[j]] if is_function[j] else content[cw[j]]
            if caps[j]:
                word = word.capitalize()
            if inner[j] < 0.06:
                word += INNER_PUNCT[punct[j]]
            elif inner[j] < 0.065 and "'" in word:
                word = word.replace("'", "\u2019")
            tokens.append(word)
        finals = rng.integers(0, len(FINAL_PUNCT), size)
        back = rng.random(size)
        jump = rng.random(size)
        pick = rng.random(size)
        offset = 0
        for j in range(size):
            index = written + j
            conv, position = divmod(index, per_conversation)
            if position == 0 or j == 0:
                crng = np.random.default_rng([seed, conv])
                cast = crng.choice(n_speakers, int(crng.integers(3, 7)), replace=False)
            words = tokens[offset : offset + lengths[j]]
            offset += lengths[j]
            words[0] = words[0][:1].upper() + words[0][1:]
            text = " ".join(words).rstrip(",;: -.") + FINAL_PUNCT[finals[j]]
            if position == 0:
                reply = None
            elif back[j] < 0.8:
                reply = index - 1
            else:
                reply = index - 1 - int(jump[j] * position)
            speaker = cast[(position + (1 if pick[j] < 0.3 else 0)) % len(cast)]
            yield {
                "id": f"u{index}",
                "conversation_id": f"c{conv}",
                "speaker": f"speaker{speaker}",
                "text": text,
                "timestamp": float(position * 5),
                "reply_to": None if reply is None else f"u{reply}",
            }
        written += size
    yield {f"speaker{i}": {"is_high": i % 5 == 0} for i in range(n_speakers)}


def write_convokit(folder: Path, n_utterances: int, *, seed: int = 0) -> Path:
    """Write ``realistic_rows`` as a ConvoKit corpus folder (the files ``Corpus.dump`` writes)."""
    folder.mkdir(parents=True, exist_ok=True)
    conversations: dict[str, dict[str, object]] = {}
    speakers: dict[str, dict[str, object]] = {}
    with (folder / "utterances.jsonl").open("w", encoding="utf-8") as out:
        lines = []
        for row in realistic_rows(n_utterances, seed=seed):
            if "id" not in row:
                speakers = row
                break
            conversations.setdefault(row["conversation_id"], {"meta": {}, "vectors": []})
            lines.append(
                json.dumps(
                    {
                        "id": row["id"],
                        "conversation_id": row["conversation_id"],
                        "text": row["text"],
                        "speaker": row["speaker"],
                        "meta": {},
                        "reply-to": row["reply_to"],
                        "timestamp": row["timestamp"],
                        "vectors": [],
                    },
                    ensure_ascii=False,
                )
            )
            if len(lines) >= 10_000:
                out.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            out.write("\n".join(lines) + "\n")
    used = {name: {"meta": meta, "vectors": []} for name, meta in speakers.items()}
    (folder / "speakers.json").write_text(json.dumps(used), encoding="utf-8")
    (folder / "conversations.json").write_text(json.dumps(conversations), encoding="utf-8")
    (folder / "corpus.json").write_text("{}", encoding="utf-8")
    index = {
        "utterances-index": {},
        "speakers-index": {"is_high": ["<class 'bool'>"]},
        "conversations-index": {},
        "overall-index": {},
        "version": 1,
        "vectors": [],
    }
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return folder


def write_interchange(path: Path, n_utterances: int, *, seed: int = 0) -> Path:
    """Write ``realistic_rows`` as interchange JSONL with a ``speaker.is_high`` column."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        lines = []
        for row in realistic_rows(n_utterances, seed=seed):
            if "id" not in row:
                break
            row["speaker.is_high"] = int(row["speaker"][7:]) % 5 == 0
            if row["reply_to"] is None:
                del row["reply_to"]
            lines.append(json.dumps(row, ensure_ascii=False))
            if len(lines) >= 10_000:
                out.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            out.write("\n".join(lines) + "\n")
    return path
