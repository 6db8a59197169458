"""Corpus load plus coordination, end to end: powerlens's corpus engine against ConvoKit.

    python bench/corpus_vs_convokit.py [--utterances 100000] [--ckenv /tmp/ckenv/bin/python]

Writes one synthetic ConvoKit corpus folder (``coordination_vs_convokit.synthetic``: reply
chains between two speaker groups, contractions and punctuation) and runs, each in a fresh
subprocess so that time and peak memory are its own:

- ConvoKit (in the Python named by ``--ckenv``, where convokit is installed): ``Corpus(filename=
  folder)``, ``Coordination().fit`` (marker tagging, every directed pair) and ``summarize`` in
  both group directions;
- powerlens: ``powerlens corpus run``'s engine on the same folder with the accommodation family
  in ConvoKit-compatible matching mode (ConvoKit's own marker lists, read from the installed
  convokit at run time) — reading, tagging, counting every directed pair, writing the tables
  and the group comparison — then per-speaker scores in both group directions.

It prints the time and memory ratios and the largest difference between the two tools'
per-speaker, per-marker scores. Without the ConvoKit Python it says so and exits 0.
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
import json, sys, time
from convokit import Coordination, Corpus
started = time.perf_counter()
corpus = Corpus(filename=sys.argv[1])
loaded = time.perf_counter() - started
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
json.dump({"scores": out, "load_s": loaded}, open(sys.argv[2], "w"))
"""

POWERLENS_SIDE = r"""
import json, sys
from pathlib import Path
from powerlens.corpus import RunConfig, run_corpus
from powerlens.corpus.run import _merge
from powerlens.measures.accommodation import scores
markers = json.load(open(sys.argv[3]))
out = Path(sys.argv[2])
extra = {"markers": markers, "marker_mode": "convokit"}
run_corpus(RunConfig(sys.argv[1], out, measures=("accommodation",), extra=extra, fresh=True))
keys = sorted(p.name.split(".")[0] for p in (out / "parts").glob("*.done.json"))
_, _, meta, partials = _merge(out, ("accommodation",), keys)
counts = partials["accommodation"].counts
result = {}
for high in (True, False):
    mine = [n for n, m in meta.meta.items() if m.get("is_high") == high]
    theirs = [n for n, m in meta.meta.items() if m.get("is_high") != high]
    result[str(high)] = scores(counts, speakers=mine, targets=theirs).as_dict()
json.dump({"scores": result}, open(sys.argv[4], "w"))
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command run in a fresh subprocess."""
    script = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True)\n"
        "s = time.perf_counter() - t\n"
        "print(json.dumps([s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *command], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    seconds, peak = json.loads(done.stdout.strip().splitlines()[-1])
    return float(seconds), float(peak)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--utterances", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ckenv", default="/tmp/ckenv/bin/python")
    parser.add_argument("--work", default=None, help="folder for the corpus (default: temp)")
    args = parser.parse_args()
    if not Path(args.ckenv).exists():
        print(f"no ConvoKit Python at {args.ckenv}; nothing to compare against.")
        return 0
    sys.path.insert(0, str(HERE))
    from coordination_vs_convokit import synthetic

    from powerlens.readers import convokit as ck

    work = Path(args.work or tempfile.mkdtemp(prefix="pl-vs-ck-"))
    folder = work / f"corpus-{args.utterances}"
    if not (folder / "utterances.jsonl").is_file():
        ck.write(synthetic(args.utterances, args.seed), folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(HERE)}
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
    ours_json, theirs_json = work / "powerlens.json", work / "convokit.json"
    ours_s, ours_mb = timed(
        [
            sys.executable,
            "-c",
            POWERLENS_SIDE,
            str(folder),
            str(work / "out"),
            str(markers),
            str(ours_json),
        ]
    )
    theirs_s, theirs_mb = timed(
        [args.ckenv, "-c", CONVOKIT_SIDE, str(folder), str(theirs_json)], env=env
    )
    ours = json.loads(ours_json.read_text())["scores"]
    theirs = json.loads(theirs_json.read_text())["scores"]
    worst, compared, missing = 0.0, 0, 0
    for direction in ("True", "False"):
        for speaker in set(ours[direction]) | set(theirs[direction]):
            a, b = ours[direction].get(speaker, {}), theirs[direction].get(speaker, {})
            missing += len(set(a) ^ set(b))
            for marker in set(a) & set(b):
                worst = max(worst, abs(a[marker] - b[marker]))
                compared += 1
    size_mb = (folder / "utterances.jsonl").stat().st_size / 2**20
    print(
        f"corpus: {args.utterances:,} utterances, ConvoKit folder, "
        f"utterances.jsonl {size_mb:.0f} MB"
    )
    print(f"{'tool':<12}{'seconds':>10}{'peak MB':>10}")
    print(f"{'convokit':<12}{theirs_s:>10.2f}{theirs_mb:>10.0f}")
    print(f"{'powerlens':<12}{ours_s:>10.2f}{ours_mb:>10.0f}")
    print(f"time ratio convokit / powerlens: {theirs_s / ours_s:.1f}x")
    print(f"memory ratio powerlens / convokit: {ours_mb / theirs_mb:.3f}")
    print(
        f"scores compared: {compared:,}; scored in one tool only: {missing}; "
        f"largest absolute difference: {worst:.3e}"
    )
    return 0 if missing == 0 and worst <= 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main())
