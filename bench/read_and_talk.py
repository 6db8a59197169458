"""Benchmark: read + tokenise + talk measures on interchange JSONL, against a bare json loop.

    python bench/read_and_talk.py                 # 1,000,000 utterances (about 150 MB)
    python bench/read_and_talk.py --utterances 100000

Each phase runs in a fresh subprocess so its peak memory (max RSS) is its own. Printed:
utterances per second, peak memory, and the ratio of the pipeline's time to a bare
``json.loads`` loop over the same file, measured in the same run. Targets: ratio <= 3 and
peak memory under 1.5 GB for a million utterances.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def bare(path: Path) -> int:
    """The baseline: parse every line with json.loads and keep nothing."""
    count = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            json.loads(line)
            count += 1
    return count


def pipeline(path: Path) -> int:
    """powerlens: stream conversations, tokenise each utterance once, run the talk measures."""
    from powerlens.language import tokenize_conversation
    from powerlens.measures import Options, fold
    from powerlens.measures.talk import TALK
    from powerlens.readers.interchange import iter_conversations

    options = Options()
    count = 0

    def partials():  # type: ignore[no-untyped-def]
        nonlocal count
        for conversation in iter_conversations(path):
            count += len(conversation.utterances)
            yield TALK.map(conversation, tokenize_conversation(conversation), options)

    total = fold(TALK, partials())
    assert total is not None
    result = TALK.finalize(total)
    assert sum(s["utterances"] for s in result.speakers.values()) == count
    return count


def run_phase(phase: str, path: Path) -> dict[str, float]:
    """Run one phase in a subprocess and return its count, seconds and peak memory."""
    output = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--utterances", type=int, default=1_000_000)
    parser.add_argument("--phase", choices=["bare", "pipeline"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        started = time.perf_counter()
        count = bare(args.file) if args.phase == "bare" else pipeline(args.file)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"count": count, "seconds": seconds, "peak_mb": peak_mb}))
        return
    sys.path.insert(0, str(HERE))
    from synthetic import generate

    path = HERE / "out" / f"synthetic-{args.utterances}.jsonl"
    if not path.exists():
        print(f"generating {args.utterances:,} utterances into {path} ...", flush=True)
        generate(path, args.utterances)
    size_mb = path.stat().st_size / 2**20
    base = run_phase("bare", path)
    ours = run_phase("pipeline", path)
    ratio = ours["seconds"] / base["seconds"]
    print(f"file: {path.name}, {size_mb:,.0f} MB, {int(ours['count']):,} utterances")
    print(f"{'phase':<28}{'seconds':>10}{'utt/s':>14}{'peak MB':>10}")
    for name, r in (("bare json.loads loop", base), ("powerlens read+tokens+talk", ours)):
        rate = r["count"] / r["seconds"]
        print(f"{name:<28}{r['seconds']:>10.2f}{rate:>14,.0f}{r['peak_mb']:>10,.0f}")
    print(f"ratio powerlens / bare json loop: {ratio:.2f}x (target <= 3x)")
    print(f"peak memory: {ours['peak_mb']:,.0f} MB (target < 1,536 MB)")


if __name__ == "__main__":
    main()
