"""Coordination: powerlens against ConvoKit on the same synthetic corpus (exactness and speed).

    python bench/coordination_vs_convokit.py [--utterances 20000] [--seed 0]

Builds one synthetic corpus (conversations of reply chains between two speaker groups, text
drawn from English function and content words with contractions and punctuation) in both
tools, passes ConvoKit's own marker lists (read from the installed convokit at run time, never
copied into this repository) to powerlens with its ConvoKit-compatible matching mode, scores
every speaker of each group towards the other group in both tools, and prints the largest
absolute difference over every per-speaker, per-marker score and the speed ratio.

ConvoKit is an optional extra (``pip install "powerlens[convokit]"``), never a runtime
dependency. Installing it pulls a CUDA build of torch unless the CPU wheel is installed first:
``pip install torch==2.13.0`` and then ``pip install convokit``. Without convokit this script
fails (exit 2) with a line that says so.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from importlib import resources
from typing import Any

from powerlens.measures.accommodation import MarkerMatcher, coordination_counts, scores
from powerlens.model import Conversation, Speaker, Utterance

FUNCTION = [
    "the",
    "a",
    "an",
    "and",
    "but",
    "or",
    "so",
    "if",
    "because",
    "when",
    "while",
    "i",
    "you",
    "we",
    "he",
    "she",
    "they",
    "it",
    "me",
    "us",
    "them",
    "my",
    "your",
    "our",
    "his",
    "her",
    "their",
    "this",
    "that",
    "these",
    "those",
    "what",
    "which",
    "who",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "have",
    "has",
    "had",
    "do",
    "does",
    "did",
    "will",
    "would",
    "can",
    "could",
    "should",
    "may",
    "might",
    "must",
    "to",
    "of",
    "in",
    "on",
    "at",
    "by",
    "for",
    "with",
    "from",
    "about",
    "into",
    "over",
    "after",
    "all",
    "some",
    "any",
    "many",
    "much",
    "more",
    "most",
    "few",
    "each",
    "every",
    "both",
    "just",
    "really",
    "very",
    "also",
    "still",
    "even",
    "only",
    "never",
    "always",
    "here",
    "there",
    "now",
    "then",
    "why",
    "how",
]
CONTRACTIONS = [
    "don't",
    "can't",
    "i'm",
    "you're",
    "it's",
    "that's",
    "we'll",
    "they've",
    "won't",
    "isn't",
    "y'all",
    "let's",
]
CONTENT = [
    "court",
    "law",
    "case",
    "argument",
    "question",
    "answer",
    "point",
    "record",
    "statute",
    "brief",
    "party",
    "claim",
    "evidence",
    "jury",
    "trial",
    "state",
    "federal",
    "rule",
    "issue",
    "reason",
    "power",
    "time",
    "money",
    "plan",
    "idea",
]
PUNCT = ["", "", "", ",", ".", "?", "!", " --"]


def convokit_markers() -> dict[str, list[str]]:
    """ConvoKit's coordination marker lists, read from the installed package."""
    path = resources.files("convokit").joinpath("data/coord-liwc-patterns.txt")
    table: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        category, pattern = line.strip().split("\t")
        for entry in pattern.split("|"):
            word = entry.removeprefix("\\b")
            table.setdefault(category, []).append(
                word.removesuffix("\\b") if word.endswith("\\b") else word + "*"
            )
    return table


def synthetic(n_utterances: int, seed: int) -> list[Conversation]:
    """Reply chains between speakers of two groups, 20 turns per conversation."""
    rng = random.Random(seed)
    speakers = {f"s{i}": Speaker(f"s{i}", {"is_high": i % 5 == 0}) for i in range(200)}
    names = list(speakers)
    conversations = []
    for c in range(max(1, n_utterances // 20)):
        cast = rng.sample(names, 4)
        utterances = []
        for i in range(20):
            words = []
            for _ in range(rng.randint(1, 18)):
                pool = rng.random()
                word = rng.choice(
                    FUNCTION if pool < 0.55 else CONTRACTIONS if pool < 0.65 else CONTENT
                )
                words.append(word.capitalize() if rng.random() < 0.1 else word)
                words[-1] += rng.choice(PUNCT)
            utterances.append(
                Utterance(
                    id=f"c{c}u{i}",
                    speaker=cast[i % 2 if rng.random() < 0.8 else rng.randrange(4)],
                    text=" ".join(words),
                    reply_to=f"c{c}u{i - 1}" if i else None,
                )
            )
        conversations.append(
            Conversation(id=f"c{c}", utterances=tuple(utterances), speakers=speakers)
        )
    return conversations


def run_convokit(conversations: list[Conversation]) -> tuple[dict[Any, Any], float, float]:
    """ConvoKit's per-speaker scores in both directions, build time and scoring time."""
    from convokit import Coordination, Corpus
    from convokit import Speaker as CKSpeaker
    from convokit import Utterance as CKUtterance

    started = time.perf_counter()
    meta = conversations[0].speakers
    people = {name: CKSpeaker(id=name, meta=dict(s.meta)) for name, s in meta.items()}
    corpus = Corpus(
        utterances=[
            CKUtterance(
                id=u.id,
                speaker=people[u.speaker],
                conversation_id=c.id,
                reply_to=u.reply_to,
                text=u.text,
            )
            for c in conversations
            for u in c.utterances
        ]
    )
    built = time.perf_counter() - started
    started = time.perf_counter()
    coord = Coordination()
    coord.fit(corpus)
    out = {}
    for high in (True, False):
        result = coord.summarize(
            corpus,
            speaker_selector=lambda s, h=high: s.meta["is_high"] == h,  # type: ignore[misc]
            target_selector=lambda s, h=high: s.meta["is_high"] != h,  # type: ignore[misc]
        )
        out[high] = {getattr(s, "id", s): dict(v) for s, v in result.items()}
    return out, built, time.perf_counter() - started


def run_powerlens(
    conversations: list[Conversation], markers: dict[str, list[str]]
) -> tuple[dict[Any, Any], float]:
    """powerlens's per-speaker scores in both directions and its time."""
    started = time.perf_counter()
    counts = coordination_counts(conversations, markers=MarkerMatcher(markers, "convokit"))
    meta = conversations[0].speakers
    out = {}
    for high in (True, False):
        speakers = [n for n, s in meta.items() if s.meta["is_high"] == high]
        targets = [n for n, s in meta.items() if s.meta["is_high"] != high]
        out[high] = scores(counts, speakers=speakers, targets=targets).as_dict()
    return out, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--utterances", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        import convokit  # noqa: F401
    except ImportError:
        print(
            "FAILED: convokit cannot be found, so there is nothing to compare against. Install "
            'the CPU torch first, then the extra: pip install torch==2.13.0 "powerlens[convokit]"'
        )
        return 2
    conversations = synthetic(args.utterances, args.seed)
    markers = convokit_markers()
    ours, ours_s = run_powerlens(conversations, markers)
    theirs, built_s, theirs_s = run_convokit(conversations)
    worst = 0.0
    missing = 0
    compared = 0
    for high in (True, False):
        keys = set(ours[high]) | set(theirs[high])
        for speaker in keys:
            a, b = ours[high].get(speaker, {}), theirs[high].get(speaker, {})
            if set(a) != set(b):
                missing += len(set(a) ^ set(b))
            for marker in set(a) & set(b):
                worst = max(worst, abs(a[marker] - b[marker]))
                compared += 1
    print(f"utterances: {sum(len(c.utterances) for c in conversations):,}")
    print(
        f"per-speaker, per-marker scores compared: {compared:,}; scored in one tool only: {missing}"
    )
    print(f"largest absolute difference: {worst:.3e}")
    print(f"powerlens (tagging + counting + scoring): {ours_s:.2f} s")
    print(
        f"convokit (fit + summarize, corpus built beforehand in {built_s:.2f} s): {theirs_s:.2f} s"
    )
    print(f"speed ratio (convokit / powerlens): {theirs_s / ours_s:.1f}x")
    return 0 if missing == 0 and worst <= 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main())
