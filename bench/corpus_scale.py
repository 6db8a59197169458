"""Corpus engine at scale: throughput, peak memory and scale-out over synthetic corpora.

    python bench/corpus_scale.py [--sizes 10000,100000,1000000] [--ten-million]
                                 [--measures talk,accommodation,pronoun_status]
                                 [--scaleout-size 100000[,1000000,...]]
                                 [--engines processes,dask] [--data DIR] [--skip-scaleout]
                                 [--delete]

Each corpus is generated once by ``bench/synthetic.py`` (``write_interchange``: English
function-word frequencies, contractions, punctuation, Zipf content words, reply trees, one
speaker per 50 utterances with a ``speaker.is_high`` group field) into ``--data`` and reused;
``--delete`` removes each corpus after its run. Every run is a fresh subprocess on one core
(``pyarrow.set_cpu_count(1)``), so its time and peak memory (the largest resident set of the
driver or any worker process it waited for) are its own. The load average of the machine is
printed before and after, since other work on it slows every number down.

1. Throughput: the ``local`` engine on each size: seconds, utterances per second per core and
   peak memory. Linear cost shows as a flat utterances-per-second column.
2. Scale-out: ``processes`` and ``dask`` (``--engines``) with 1 and 2 workers on each
   ``--scaleout-size`` (16 partitions); speedup against the same engine with one worker,
   efficiency = speedup / workers, and the load average before and after each run.
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

RUN = r"""
import json, resource, sys, time
from pathlib import Path
import pyarrow as pa
pa.set_cpu_count(1)
pa.set_io_thread_count(1)
from powerlens.corpus import RunConfig, run_corpus
data, out, engine, workers, measures = sys.argv[1:6]
started = time.perf_counter()
manifest = run_corpus(RunConfig(data, Path(out), measures=tuple(measures.split(",")),
                                engine=engine, workers=int(workers), fresh=True,
                                partition_rows=int(sys.argv[6])))
seconds = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": max(own, kids) / 1024,
                  "utterances": manifest["counts"]["read"], "timings": manifest["timings"]}))
"""


def corpus(folder: Path, n: int) -> Path:
    """The synthetic corpus of ``n`` utterances, generated once."""
    sys.path.insert(0, str(HERE))
    from synthetic import write_interchange

    path = folder / f"realistic-{n}.jsonl"
    if not path.is_file():
        write_interchange(path, n)
    return path


def run(data: Path, out: Path, engine: str, workers: int, measures: str, rows: int) -> dict:
    """One corpus run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(data), str(out), engine, str(workers), measures, str(rows)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--ten-million", action="store_true", help="also 10,000,000")
    parser.add_argument("--measures", default="talk,accommodation,pronoun_status")
    parser.add_argument(
        "--scaleout-size", default="100000", help="comma-separated sizes for the scale-out"
    )
    parser.add_argument("--engines", default="processes,dask", help="engines to scale out")
    parser.add_argument("--partition-rows", type=int, default=50_000)
    parser.add_argument(
        "--data", default=str(Path(tempfile.gettempdir()) / "powerlens-bench" / "scale")
    )
    parser.add_argument("--skip-scaleout", action="store_true")
    parser.add_argument("--delete", action="store_true", help="delete each corpus after its run")
    args = parser.parse_args()
    folder = Path(args.data)
    folder.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s] + (
        [10_000_000] if args.ten_million else []
    )
    scaleout = [int(s) for s in args.scaleout_size.split(",") if s]
    print(f"measures: {args.measures}; partition rows: {args.partition_rows:,}")
    print(f"load average at start: {load()} ({os.cpu_count()} cores)")
    print("\nthroughput, local engine (one core)")
    print(f"{'utterances':>12}{'seconds':>10}{'utt/s/core':>12}{'peak MB':>10}")
    for n in sizes:
        data = corpus(folder, n)
        r = run(data, folder / "out", "local", 1, args.measures, args.partition_rows)
        print(
            f"{n:>12,}{r['seconds']:>10.2f}{n / r['seconds']:>12,.0f}{r['peak_mb']:>10.0f}",
            flush=True,
        )
        if args.delete and n not in scaleout:
            data.unlink()
    for n in [] if args.skip_scaleout else scaleout:
        data = corpus(folder, n)
        rows = max(n // 16, 1)
        print(f"\nscale-out on {n:,} utterances ({rows:,} rows per partition)")
        print(
            f"{'engine':<10}{'workers':>8}{'seconds':>10}{'speedup':>9}"
            f"{'efficiency':>11}{'peak MB':>9}   load average before -> after"
        )
        for engine in args.engines.split(","):
            base = None
            for workers in (1, 2):
                before = load()
                r = run(data, folder / "out", engine, workers, args.measures, rows)
                base = base or r["seconds"]
                speedup = base / r["seconds"]
                print(
                    f"{engine:<10}{workers:>8}{r['seconds']:>10.2f}{speedup:>9.2f}"
                    f"{speedup / workers:>11.2f}{r['peak_mb']:>9.0f}   {before} -> {load()}",
                    flush=True,
                )
        if args.delete:
            data.unlink()
    print(f"\nload average at end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
