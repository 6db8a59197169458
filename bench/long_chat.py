"""Benchmark: one long chat history through the whole ``powerlens analyze`` path, 8k to 512k
messages, and how the time per message grows with the length.

    python bench/long_chat.py                                  # couple chat, 8k ... 512k
    python bench/long_chat.py --sizes 8000,64000 --chat family
    python bench/long_chat.py --args "--reply-to previous --helper Anna"   # every family
    python bench/long_chat.py --sizes 8000,16000,32000 --compare /path/to/old/checkout

Each size is an Android WhatsApp export from ``bench/chat_history.py`` (seeded; written once
into ``--work``), analysed by ``python -m powerlens.cli analyze FILE --format json`` in a fresh
process pinned to one core, its report written to /dev/null. Printed per size: messages, file
MB, wall seconds, CPU seconds (user + system), peak resident memory (the child's
``ru_maxrss`` from ``wait4``: what ``/usr/bin/time -v`` prints as "Maximum resident set
size"), CPU microseconds per message and the growth ratio: CPU time per message at that size
over CPU time per message at the smallest size, both measured in this run. CPU time, not wall
time, is the basis of the ratio because on a shared machine a busy neighbour stretches wall
time far more than it does CPU time. ``--compare`` runs another checkout's ``src`` the same
way, size by size right after this one (same load), for a before/after table;
``--compare-max`` stops it early (a quadratic version takes hours at 512k). The load average
is printed at the start and the end: the machine is shared, so compare ratios, not seconds
across runs.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DEFAULT_SIZES = "8000,16000,32000,64000,128000,256000,512000"


def export(work: Path, n: int, chat: str, seed: int) -> Path:
    """The export of ``n`` messages, generated once into ``work``."""
    sys.path.insert(0, str(HERE))
    from chat_history import write_export

    path = work / f"{chat}-{n}-{seed}.txt"
    if not path.exists():
        work.mkdir(parents=True, exist_ok=True)
        write_export(path.with_suffix(".tmp"), n, chat, seed).rename(path)
    return path


def run(
    src: Path, path: Path, fmt: str, extra: list[str], core: int
) -> tuple[float, float, float, int]:
    """Wall and CPU seconds, peak MB and exit status of one ``analyze`` in a fresh process on
    one core."""
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    command = [sys.executable, "-m", "powerlens.cli", "analyze", str(path), "--format", fmt]
    start = time.perf_counter()
    child = subprocess.Popen(
        [*command, *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.sched_setaffinity(0, {core}),
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if child.stderr is not None:
        errors = child.stderr.read().decode("utf-8", "replace")
        if status:
            print(errors, file=sys.stderr)
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="messages per chat, ascending")
    parser.add_argument("--chat", default="couple", choices=("couple", "family"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", default="json", help="report format (default json)")
    parser.add_argument("--args", default="", help="extra analyze arguments, one string")
    parser.add_argument("--work", type=Path, default=Path("/tmp/powerlens-long-chat"))
    parser.add_argument("--core", type=int, default=0, help="the one core to run on")
    parser.add_argument("--compare", type=Path, help="another checkout to run beside this one")
    parser.add_argument("--compare-max", type=int, default=0, help="largest size to compare")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    extra = shlex.split(args.args)
    trees = [("this", SRC)]
    if args.compare is not None:
        trees.append(("compare", args.compare.resolve() / "src"))
    print(f"chat: {args.chat}, seed {args.seed}; analyze --format {args.format} {args.args}")
    print(f"one core (#{args.core}); load average at start: {load()} ({os.cpu_count()} cores)")
    header = f"{'tree':8s} {'messages':>9s} {'file MB':>8s} {'wall s':>8s} {'cpu s':>8s}"
    print(f"{header} {'peak MB':>8s} {'us/msg':>8s} {'growth':>7s}")
    first: dict[str, float] = {}
    for n in sizes:
        path = export(args.work, n, args.chat, args.seed)
        megabytes = path.stat().st_size / 1e6
        for name, src in trees:
            if name == "compare" and args.compare_max and n > args.compare_max:
                continue
            seconds, cpu, peak, code = run(src, path, args.format, extra, args.core)
            if code:
                print(f"{name:8s} {n:>9,} failed with exit status {code}")
                continue
            per = cpu / n * 1e6
            first.setdefault(name, per)
            print(
                f"{name:8s} {n:>9,} {megabytes:>8.2f} {seconds:>8.2f} {cpu:>8.2f} {peak:>8.0f} "
                f"{per:>8.1f} {per / first[name]:>7.2f}",
                flush=True,
            )
    print(f"load average at end: {load()}")
    print("us/msg: CPU microseconds per message; growth: us/msg / us/msg at the smallest size")


if __name__ == "__main__":
    main()
