"""Benchmark: the learned moves models' cost per utterance, beside the moves family's own.

    python bench/moves_models_speed.py                    # 20,000 synthetic utterances
    python bench/moves_models_speed.py --utterances 5000 --repeats 5

The sample is the seeded synthetic interchange JSONL of ``bench/measure_costs.py``. Several
passes, the fastest of ``--repeats`` each, all in the same run:

1. the moves family (map and finalize every conversation) on text nothing has read yet: it
   reads each utterance's speech acts once (``language.acts.read``, cached by text);
2. ``control_probabilities`` and ``with_probability`` (together, then each alone) on every
   utterance *after* the moves family has read them: the models' marginal cost inside an
   analysis (the rule features come from the shared cache); the bar is 20,000 utterances a
   second for each;
3. the same with every reading cache cleared first: the cost for text nothing has read yet,
   which is dominated by the rule layer's own reading.

Printed: microseconds per utterance, utterances per second and the ratio to the moves family;
not a timed test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from powerlens.language import acts
from powerlens.language import normalize as normalizing
from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES, detect
from powerlens.measures.moves.models import control_probabilities, with_probability
from powerlens.readers import load

HERE = Path(__file__).resolve().parent


def fastest(
    run: Callable[[], None], repeats: int, before: Callable[[], None] | None = None
) -> float:
    """The fastest of ``repeats`` timed calls of ``run`` (``before`` untimed ahead of each)."""
    best = float("inf")
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def clear_caches() -> None:
    """Forget every cached reading, so the next pass reads each text afresh."""
    acts.read.cache_clear()
    acts.topics_of.cache_clear()
    acts.marks_of.cache_clear()
    normalizing.normalize.cache_clear()
    detect.family_hits.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--utterances", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from synthetic import generate

    with tempfile.TemporaryDirectory() as folder:
        conversations = load(
            generate(Path(folder) / "sample.jsonl", args.utterances, seed=args.seed)
        )
    texts = [u.text for c in conversations for u in c.utterances]
    n = len(texts)

    def moves() -> None:
        for conversation in conversations:
            MOVES.finalize(MOVES.map(conversation, [], Options()))

    def models() -> None:
        for text in texts:
            control_probabilities(text)
            with_probability(text)

    def control() -> None:
        for text in texts:
            control_probabilities(text)

    def with_() -> None:
        for text in texts:
            with_probability(text)

    control_probabilities("warm up")
    with_probability("warm up")

    def fresh_moves() -> None:
        clear_caches()
        moves()

    base = fastest(moves, args.repeats, before=clear_caches)
    warm = fastest(models, args.repeats, before=fresh_moves)
    warm_control = fastest(control, args.repeats, before=fresh_moves)
    warm_with = fastest(with_, args.repeats, before=fresh_moves)
    cold = fastest(models, args.repeats, before=clear_caches)
    print(
        f"sample: {n:,} utterances ({len(set(texts)):,} distinct) in {len(conversations):,} "
        "conversations"
    )
    print(f"{'pass':48} {'us/utt':>8} {'utt/s':>9} {'x moves':>8}")
    for name, seconds in (
        ("moves family, nothing read before", base),
        ("both models, after the moves family", warm),
        ("control_probabilities, after the moves family", warm_control),
        ("with_probability, after the moves family", warm_with),
        ("both models, nothing read before", cold),
    ):
        print(f"{name:48} {seconds / n * 1e6:8.1f} {n / seconds:9,.0f} {seconds / base:8.2f}")


if __name__ == "__main__":
    main()
