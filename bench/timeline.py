"""Benchmark: ``powerlens timeline`` on a long WhatsApp history, beside ``analyze`` on it.

    python bench/timeline.py                          # 100,000 messages
    python bench/timeline.py --messages 25000,50000,100000
    python bench/timeline.py --skip-analyze           # the timeline alone

Writes a two-person Android WhatsApp export from the seeded generator of
``tests/timeline_history.py`` (two years of everyday chatter with monitoring and degradation
rising, Power With flat and refusals answered in each way) and runs, each in a fresh process:

- ``powerlens timeline FILE -f html -o ... --export evidence.csv``: read, analyse, count,
  chart (the HTML page) and the evidence log;
- ``powerlens analyze FILE -f json -o ...``: every measure family on the same messages.

Printed per size: CPU seconds (user + system of the child, from ``os.wait4``), wall seconds,
peak resident memory, and the ratio of the timeline's CPU time to ``analyze``'s, measured in
the same run; the load average before and after is printed too, since the machine is shared.
BLAS threads are pinned to one (``OMP_NUM_THREADS=1``): the work is on one core. Not a
timed test: the goals (≤ 15 s and ≤ 500 MB at 100,000 messages) are read from this table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from timeline_history import Plan, history, whatsapp  # noqa: E402

DAYS = 730
EXTRA_PER_DAY = 3.8
"""Messages a day the plan adds to the chatter (planted lines, refusal exchanges, openers)."""


def plan_for(messages: int) -> Plan:
    """A two-year history of about ``messages`` messages."""
    return Plan(
        weeks=DAYS // 7,
        messages_per_day=max(1.0, messages / DAYS - EXTRA_PER_DAY),
        rates={
            "monitoring": (1.0, 6.0),
            "degradation": (0.5, 2.0),
            "isolation": (0.2, 0.2),
            "power_with": (3.0, 3.0),
            "power_to": (0.5, 0.5),
            "self_critical": (0.5, 1.0),
        },
        refusals=(1.0, 2.0),
        responses={"respected": 0.5, "pressured": 0.3, "punished": 0.2},
        capitulate=0.5,
        seed=16,
    )


def run(args: list[str]) -> tuple[float, float, float]:
    """CPU seconds, wall seconds and peak memory (MB) of one powerlens command."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "powerlens.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"powerlens {' '.join(args)} failed: {child.stderr.read().decode()}")  # type: ignore[union-attr]
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", default="100000", help="comma-separated sizes")
    parser.add_argument("--skip-analyze", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.messages.split(",")]
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="powerlens-timeline-") as folder:
        out = Path(folder)
        for size in sizes:
            messages = history(plan_for(size))
            chat = out / f"chat-{size}.txt"
            chat.write_text(whatsapp(messages), encoding="utf-8")
            timeline = run(
                ["timeline", str(chat), "-f", "html", "-o", str(out / "t.html"),
                 "--export", str(out / "evidence.csv")]
            )
            analyze = (
                None
                if args.skip_analyze
                else run(["analyze", str(chat), "-f", "json", "-o", str(out / "a.json")])
            )
            rows.append((len(messages), chat.stat().st_size / 1e6, timeline, analyze))
    load_after = os.getloadavg()
    print("| messages | file MB | timeline CPU s | wall s | peak MB | analyze CPU s | peak MB "
          "| timeline / analyze | timeline µs per message |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, mb, (cpu, wall, peak), analyze in rows:
        a_cpu, a_peak = (analyze[0], analyze[2]) if analyze else (float("nan"), float("nan"))
        print(
            f"| {n:,} | {mb:.1f} | {cpu:.2f} | {wall:.2f} | {peak:.0f} | {a_cpu:.2f} | "
            f"{a_peak:.0f} | {cpu / a_cpu:.2f} | {cpu / n * 1e6:.0f} |"
        )
    print(
        f"\nLoad average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.1f}' for x in load_after)}; {os.cpu_count()} CPUs."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
