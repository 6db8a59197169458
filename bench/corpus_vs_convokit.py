"""Corpus load plus coordination, end to end: powerlens's corpus engine against ConvoKit.

    python bench/corpus_vs_convokit.py [--utterances 100000] [--ckenv /tmp/ckenv/bin/python]
                                       [--work DIR] [--convokit-only] [--reuse]

Writes one synthetic ConvoKit corpus folder (``synthetic.write_convokit``: one speaker per 50
utterances, 20% of them in the group ``is_high``, conversations of 100 utterances between 3 to
6 speakers, reply trees, English function words, contractions, capitals and punctuation) and
runs, each in a fresh subprocess so that time and peak memory are its own:

- ConvoKit (in the Python named by ``--ckenv``, where convokit is installed): ``Corpus(filename=
  folder)``, ``Coordination().fit`` (marker tagging) and ``summarize`` in both group
  directions (every speaker of one group towards the other group);
- ``powerlens run``, on one core (``pyarrow.set_cpu_count(1)``, ``set_io_thread_count(1)``):
  ``powerlens corpus run``'s engine (``local``) on the same folder with the accommodation
  family in ConvoKit-compatible matching mode (ConvoKit's own marker lists, read from the
  installed convokit at run time) — planning partitions, reading, tagging, counting every
  directed pair, writing the echo signals and every table, including the group comparison
  with 1,000 bootstrap resamples and permutation tests — then per-speaker scores in both
  group directions;
- ``powerlens coord``, on one core: the same work as ConvoKit's side and no more —
  ``powerlens.corpus.coordination.coordination_of`` (what ``powerlens corpus coordination``
  reads and counts with: Arrow's JSON reader, see ``powerlens.corpus.convokit_arrow``) streams
  the folder, tags and counts every directed pair, then per-speaker scores in both group
  directions.

It prints each tool's seconds and peak memory, the time and memory ratios and, for each
powerlens side, the largest difference between its per-speaker, per-marker scores and
ConvoKit's. ConvoKit's result is stored
in ``--work``; ``--convokit-only`` runs just that side (start it in the background for big
corpora) and ``--reuse`` takes a stored result instead of running ConvoKit again. Without a
ConvoKit Python it fails (exit 2) with a line that says so: a comparison that did not run
never passes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CONVOKIT_SIDE = r"""
import json, sys
from convokit import Coordination, Corpus
corpus = Corpus(filename=sys.argv[1])
coord = Coordination()
coord.fit(corpus)
out = {}
for high in (True, False):
    result = coord.summarize(
        corpus,
        speaker_selector=lambda s, h=high: s.meta["is_high"] == h,
        target_selector=lambda s, h=high: s.meta["is_high"] != h,
    )
    out[str(high)] = {getattr(s, "id", s): dict(v) for s, v in result.items()}
json.dump({"scores": out}, open(sys.argv[2], "w"))
"""

POWERLENS_SIDE = r"""
import json, sys
from pathlib import Path
import pyarrow as pa
pa.set_cpu_count(1)
pa.set_io_thread_count(1)
from powerlens.corpus import RunConfig, run_corpus
from powerlens.corpus.run import merged_partials
from powerlens.measures.accommodation import scores
markers = json.load(open(sys.argv[3]))
out = Path(sys.argv[2])
extra = {"markers": markers, "marker_mode": "convokit"}
run_corpus(RunConfig(sys.argv[1], out, measures=("accommodation",), extra=extra, fresh=True))
partials, meta = merged_partials(out, ("accommodation",))
counts, meta = partials["accommodation"].counts, meta.meta
result = {}
for high in (True, False):
    mine = [n for n, m in meta.items() if m.get("is_high") == high]
    theirs = [n for n, m in meta.items() if m.get("is_high") != high]
    result[str(high)] = scores(counts, speakers=mine, targets=theirs).as_dict()
json.dump({"scores": result}, open(sys.argv[4], "w"))
"""

SAME_WORK_SIDE = r"""
import json, sys
from pathlib import Path
import pyarrow as pa
pa.set_cpu_count(1)
pa.set_io_thread_count(1)
from powerlens.corpus.coordination import coordination_of
from powerlens.measures.accommodation import MarkerMatcher, scores
matcher = MarkerMatcher(json.load(open(sys.argv[2])), "convokit")
found = coordination_of(Path(sys.argv[1]), matcher)
result = {}
for high in (True, False):
    mine = [n for n, m in found.meta.items() if m.get("is_high") == high]
    theirs = [n for n, m in found.meta.items() if m.get("is_high") != high]
    result[str(high)] = scores(found.counts, speakers=mine, targets=theirs).as_dict()
json.dump({"scores": result}, open(sys.argv[3], "w"))
"""


def timed(
    command: list[str], env: dict[str, str] | None = None, timeout: float | None = None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command run in a fresh subprocess."""
    script = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True)\n"
        "s = time.perf_counter() - t\n"
        "print(json.dumps([s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    seconds, peak = json.loads(done.stdout.strip().splitlines()[-1])
    return float(seconds), float(peak)


def run_convokit(args: argparse.Namespace, folder: Path, env: dict[str, str]) -> dict:
    """ConvoKit's side (stored in ``--work``, reused with ``--reuse``)."""
    stored = Path(args.work) / f"convokit-{args.utterances}-seed{args.seed}.json"
    if args.reuse and stored.is_file():
        return json.loads(stored.read_text())
    scores = Path(args.work) / "convokit-scores.json"
    seconds, peak = timed(
        [args.ckenv, "-c", CONVOKIT_SIDE, str(folder), str(scores)], env=env, timeout=args.timeout
    )
    result = {"seconds": seconds, "peak_mb": peak, **json.loads(scores.read_text())}
    stored.write_text(json.dumps(result))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--utterances", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ckenv", default="/tmp/ckenv/bin/python")
    parser.add_argument(
        "--work", default=str(Path(tempfile.gettempdir()) / "powerlens-bench" / "vs")
    )
    parser.add_argument("--convokit-only", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="reuse a stored ConvoKit result")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds, per tool")
    args = parser.parse_args()
    found = Path(args.ckenv).exists() and not subprocess.run(
        [args.ckenv, "-c", "import convokit"], capture_output=True
    ).returncode
    if not found:
        print(
            f"FAILED: ConvoKit cannot be found (no Python at {args.ckenv} that imports "
            "convokit), so there is nothing to compare against. Make one: python -m venv "
            "/tmp/ckenv && /tmp/ckenv/bin/pip install torch==2.13.0 convokit, or pass --ckenv."
        )
        return 2
    sys.path.insert(0, str(HERE))
    from synthetic import write_convokit

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    folder = work / f"corpus-{args.utterances}-seed{args.seed}"
    if not (folder / "index.json").is_file():
        write_convokit(folder, args.utterances, seed=args.seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(HERE)}
    theirs = run_convokit(args, folder, env)
    if args.convokit_only:
        print(f"convokit: {theirs['seconds']:.2f} s, {theirs['peak_mb']:.0f} MB peak")
        return 0
    markers = work / "markers.json"
    subprocess.run(
        [
            args.ckenv,
            "-c",
            "import json,sys; from coordination_vs_convokit import "
            "convokit_markers; json.dump(convokit_markers(), open(sys.argv[1], 'w'))",
            str(markers),
        ],
        check=True,
        env=env,
    )
    runs = {}
    for name, command in (
        (
            "powerlens run",
            [POWERLENS_SIDE, str(folder), str(work / "out"), str(markers)],
        ),
        ("powerlens coord", [SAME_WORK_SIDE, str(folder), str(markers)]),
    ):
        scores_json = work / "powerlens-scores.json"
        seconds, peak = timed(
            [sys.executable, "-c", *command, str(scores_json)], env=env, timeout=args.timeout
        )
        runs[name] = (seconds, peak, json.loads(scores_json.read_text())["scores"])
    size_mb = (folder / "utterances.jsonl").stat().st_size / 2**20
    print(
        f"corpus: {args.utterances:,} utterances, ConvoKit folder, "
        f"utterances.jsonl {size_mb:.0f} MB"
    )
    print(f"{'tool':<16}{'seconds':>10}{'peak MB':>10}{'time ratio':>12}{'memory ratio':>14}")
    print(f"{'convokit':<16}{theirs['seconds']:>10.2f}{theirs['peak_mb']:>10.0f}")
    failed = False
    lines = []
    for name, (seconds, peak, ours) in runs.items():
        ratio, memory = theirs["seconds"] / seconds, peak / theirs["peak_mb"]
        print(f"{name:<16}{seconds:>10.2f}{peak:>10.0f}{ratio:>11.1f}x{memory:>14.3f}")
        compared, missing, worst = compare(ours, theirs["scores"])
        lines.append(
            f"{name}: scores compared {compared:,}; scored in one tool only: {missing}; "
            f"largest absolute difference: {worst:.3e}"
        )
        failed = failed or missing > 0 or worst > 1e-12
    print("time ratio = convokit seconds / powerlens seconds; memory ratio = powerlens / convokit")
    print("\n".join(lines))
    return 1 if failed else 0


def compare(ours: dict, theirs: dict) -> tuple[int, int, float]:
    """Scores compared, scored in one tool only, and the largest absolute difference."""
    worst, compared, missing = 0.0, 0, 0
    for direction in ("True", "False"):
        mine, other = ours[direction], theirs[direction]
        for speaker in set(mine) | set(other):
            a, b = mine.get(speaker, {}), other.get(speaker, {})
            missing += len(set(a) ^ set(b))
            for marker in set(a) & set(b):
                worst = max(worst, abs(a[marker] - b[marker]))
                compared += 1
    return compared, missing, worst


if __name__ == "__main__":
    sys.exit(main())
