"""Load test of the web app over loopback (not a test): concurrent analyses, latency percentiles.

    python bench/web_load.py                      # 50 concurrent uploads of 500 utterances
    python bench/web_load.py --requests 20 --concurrency 10 --no-write

Starts ``powerlens serve --memory-only --no-browser`` on a free port in a subprocess, uploads
the same synthetic 500-utterance conversation (``bench/synthetic.py``) ``--requests`` times
from ``--concurrency`` threads, each upload followed by a GET of its report page, and prints
p50/p90/p99 of the round trip. Bounded: each request times out after ``--timeout`` seconds
and the run stops starting requests after ``--max-seconds``. The numbers go into the
"Web app" section of docs/performance.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synthetic import generate  # noqa: E402

DOC = HERE.parent / "docs" / "performance.md"


def start_server(data: Path) -> tuple[subprocess.Popen[str], str]:
    """``powerlens serve`` in memory-only mode on a free loopback port; its base URL."""
    env = {**os.environ, "POWERLENS_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "powerlens.cli", "serve", "--memory-only", "--no-browser",
         "--max-utterances", "1000"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
    if not found:
        process.kill()
        raise SystemExit(f"the server did not start: {line}{process.stdout.read()}")
    url = found.group(1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).text == "ok":
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not answer within 30 s")


def one(url: str, payload: bytes, timeout: float, stop_at: float) -> float | str:
    """Upload, follow to the report page; the round trip in seconds, or an error text."""
    if time.monotonic() > stop_at:
        return "not started: time budget spent"
    began = time.perf_counter()
    try:
        with httpx.Client(base_url=url, timeout=timeout) as client:
            response = client.post(
                "/analyse",
                files={"file": ("load.jsonl", payload)},
                data={"context": "bench"},
                follow_redirects=True,
            )
        if response.status_code != 200 or "Signals to explore" not in response.text:
            return f"HTTP {response.status_code}"
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    return time.perf_counter() - began


def write_section(text: str) -> None:
    """Replace (or append) the "## Web app" section of docs/performance.md."""
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    pattern = re.compile(r"^## Web app\b.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current, count=1)
    else:
        updated = current.rstrip() + "\n\n" + text
    DOC.write_text(updated.rstrip() + "\n", encoding="utf-8")


def main() -> None:
    """Run the load test and report the latency percentiles."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--utterances", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sample = generate(
            Path(folder) / "load.jsonl", args.utterances, seed=0, per_conversation=args.utterances
        )
        payload = sample.read_bytes()
        process, url = start_server(Path(folder) / "data")
        try:
            alone = one(url, payload, args.timeout, time.monotonic() + args.timeout)
            if not isinstance(alone, float):
                raise SystemExit(f"a single upload failed: {alone}")
            began = time.perf_counter()
            stop_at = time.monotonic() + args.max_seconds
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                results = list(
                    pool.map(lambda _: one(url, payload, args.timeout, stop_at),
                             range(args.requests))
                )
            wall = time.perf_counter() - began
        finally:
            process.terminate()
            process.wait(timeout=10)
    times = np.array([r for r in results if isinstance(r, float)])
    errors = [r for r in results if isinstance(r, str)]
    if not len(times):
        raise SystemExit(f"every request failed: {errors[:3]}")
    p50, p90, p99 = np.percentile(times, [50, 90, 99])
    cores = os.cpu_count()
    summary = (
        f"{len(times)} of {args.requests} analyses of a {args.utterances}-utterance conversation "
        f"({len(payload) / 1024:.0f} KB JSONL), {args.concurrency} at once: p50 {p50:.2f} s, "
        f"p90 {p90:.2f} s, p99 {p99:.2f} s, max {times.max():.2f} s; {len(errors)} errors; "
        f"{wall:.1f} s in all ({len(times) / wall:.1f} analyses/s); one upload alone: "
        f"{alone:.2f} s."
    )
    print(summary)
    for error in errors[:5]:
        print("error:", error)
    if args.no_write:
        return
    write_section(
        "## Web app (`bench/web_load.py`)\n\n"
        "`python bench/web_load.py` starts `powerlens serve --memory-only` on a free loopback "
        f"port and sends {args.requests} uploads of the same synthetic {args.utterances}-"
        f"utterance conversation from {args.concurrency} threads at once; each upload is read, "
        "analysed, stored in the in-memory case file and followed by a GET of its report page. "
        "Latency is the whole round trip. Each analysis runs in a worker process forked from "
        "the app's warm fork server, one per core (at most 4) at once; the others wait their "
        "turn, so latency grows with the queue and throughput is what the cores analyse. "
        f"One upload on an idle server takes {alone:.2f} s.\n\n"
        "| requests | concurrency | p50 | p90 | p99 | max | errors | analyses/s |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {len(times)}/{args.requests} | {args.concurrency} | {p50:.2f} s | {p90:.2f} s | "
        f"{p99:.2f} s | {times.max():.2f} s | {len(errors)} | {len(times) / wall:.1f} |\n\n"
        f"Measured on {platform.system()} with {cores} cores (shared with other work), "
        f"Python {platform.python_version()}.\n"
    )
    print(f"wrote the Web app section of {DOC}")


if __name__ == "__main__":
    main()
