"""A synthetic corpus generator for the benchmarks: interchange JSONL with English-like text.

Utterances mix function words at roughly their frequency in spoken English (the most common
words of the BNC spoken list) with Zipf-distributed content words, so marker-based measures
see realistic densities; each conversation is a reply chain between a few speakers.
"""

from __future__ import annotations

import json
from pathlib import Path

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
