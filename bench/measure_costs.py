"""Benchmark: in-process cost per utterance of every measure family, as a ratio to ``talk``.

    python bench/measure_costs.py                       # 20,000 synthetic utterances
    python bench/measure_costs.py --utterances 5000 --repeats 5
    python bench/measure_costs.py --data some.jsonl     # any file ``powerlens.load`` reads

The sample is interchange JSONL from ``bench/synthetic.py`` (seeded, generated once into a
temporary folder unless ``--data`` is given). Conversations are read and tokenised once, as
``analyze`` does; then each family in ``REGISTRY`` maps and finalizes every conversation, a
few times, and the fastest pass counts. One untimed warm-up call per family first builds its
lazily compiled rules and models. ``dyad`` needs a helper: the first speaker of each
conversation plays it. Printed: microseconds per utterance and the ratio to the ``talk``
family, all measured in the same run; not a timed test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from powerlens.language import tokenize_conversation
from powerlens.measures import REGISTRY, Measure, Options, missing_requirements
from powerlens.model import Conversation
from powerlens.readers import load

HERE = Path(__file__).resolve().parent


def sample(n: int, seed: int, folder: Path) -> Path:
    """``n`` synthetic utterances of interchange JSONL, written into ``folder``."""
    sys.path.insert(0, str(HERE))
    from synthetic import generate

    return generate(folder / f"synthetic-{n}-{seed}.jsonl", n, seed=seed)


def options_for(conversation: Conversation) -> Options:
    """Options under which every family applies (the first speaker is the helper)."""
    return Options(helper=conversation.utterances[0].speaker if conversation.utterances else None)


def cost(
    measure: Measure[Any],
    work: list[tuple[Conversation, list[list[str]], Options]],
    repeats: int,
) -> tuple[float, int]:
    """Fastest of ``repeats`` passes over ``work`` in seconds, and the utterances it covered."""
    runnable = [
        item for item in work if not missing_requirements(measure.requires, item[0], item[2])
    ]
    if runnable:
        conversation, tokens, options = runnable[0]
        measure.finalize(measure.map(conversation, tokens, options))  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for conversation, tokens, options in runnable:
            measure.finalize(measure.map(conversation, tokens, options))
        best = min(best, time.perf_counter() - start)
    return best, sum(len(c.utterances) for c, _, _ in runnable)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--utterances", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, help="read this file instead of synthetic text")
    parser.add_argument("--families", help="comma-separated families (default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.data or sample(args.utterances, args.seed, Path(folder))
        conversations = load(path)
    work = [(c, tokenize_conversation(c), options_for(c)) for c in conversations]
    total = sum(len(c.utterances) for c in conversations)
    names = args.families.split(",") if args.families else list(REGISTRY)
    if "talk" not in names:
        names.insert(0, "talk")
    print(f"sample: {total:,} utterances in {len(conversations):,} conversations")
    print(f"{'family':16} {'us/utt':>9} {'x talk':>8} {'utterances':>11}")
    per_utterance: dict[str, float] = {}
    for name in names:
        seconds, covered = cost(REGISTRY[name], work, args.repeats)
        per_utterance[name] = seconds / covered * 1e6 if covered else float("nan")
        ratio = per_utterance[name] / per_utterance["talk"]
        print(f"{name:16} {per_utterance[name]:9.1f} {ratio:8.1f} {covered:11,}")


if __name__ == "__main__":
    main()
