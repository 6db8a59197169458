"""Fuzz every reader through the command line: only exit 0, or exit 2 with a PL code.

Each case is a real input (the test fixtures, and files written by the round-trip writers)
mutated with a fixed seed: bytes flipped, cut, repeated, replaced; deep nesting, very long
lines, NUL bytes, byte-order marks, direction overrides and format tokens inserted; the
file wrapped in a zip (sometimes a corrupt one). Each case runs ``powerlens analyze PATH
--format json`` in this process (with and without ``--input-format``), bounded to
``--seconds`` seconds (SIGALRM) and checked against ``--max-gb`` of peak memory growth.

    python scripts/fuzz_readers.py                       # 2,000 cases per format
    python scripts/fuzz_readers.py --per-format 200 --formats telegram,slack --seed 7

The suite cuts its inputs at 2,000 lines (``--max-lines``): until the measures' quadratic
steps (issue 15, item 1) are gone, a 15,000-line input spends over 20 s in the measures, not
in the readers, which read it in under a second.

A failing case is written to ``--out`` (default ``fuzz-failures/``) with the command and the
traceback, and the script exits 1. The test suite runs a few hundred cases per format
(``tests/test_fuzz_readers.py``; ``POWERLENS_FUZZ_CASES`` sets the number).
"""

from __future__ import annotations

import argparse
import io
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"

SEEDS: dict[str, list[str]] = {
    "plain": ["../../examples/couple_disagreement.txt", "../../examples/therapy_session.txt"],
    "vtt": ["subtitles/teams.vtt", "subtitles/zoom.vtt", "subtitles/meet.vtt"],
    "srt": ["subtitles/otter.srt"],
    "whatsapp": ["whatsapp/android_us.txt", "whatsapp/ios_uk.txt"],
    "imessage": ["imessage/Sam Rivera.txt"],
    "signal": ["signal/export/Sam Rivera/chat.md", "signal/export/Sam Rivera/data.json"],
    "telegram": ["telegram/ChatExport_2024-01-05/result.json", "telegram/account/result.json"],
    "discord": ["discord/planning.csv",
                "discord/Weekend Raiders - Text Channels - planning [9101].json"],
    "messenger": ["meta/your_facebook_activity/messages/inbox/samrivera_10158/message_1.json"],
    "instagram": ["meta/your_instagram_activity/messages/inbox/sam.r_4512/message_1.json"],
    "googlechat": ["googlechat/Takeout/Google Chat/Groups/DM kx7AAAAE/messages.json"],
    "slack": ["slack/export/general/2024-03-04.json"],
    "mbox": ["email/team.mbox"],
    "eml": ["email/bad-charset.eml"],
    "jsonl": [],
    "csv": [],
    "parquet": [],
    "convokit": [],
}
"""Fixtures per format (relative to tests/data); formats without one use the writers."""

LAYOUT = {"convokit": "corpus/utterances.jsonl", "slack": "general/2024-01-01.json",
          "instagram": "instagram/thread/message_1.json"}
TOKENS = [
    b"-->", b"WEBVTT\n", b'"messages": [', b'"text": ', b"\\x01", b"\xe2\x80\xae", b"\x00",
    b"\xef\xbb\xbf", b"\xff\xfe", b"<v ", b"[laughter]", b"From a@b Mon Jan  1 10:00:00 2024\n",
    b"12/31/23, 9:05 PM - ", b"May 17, 2022  5:29:42 PM\n", b"Tapbacks:\n", b"\r", b"\\u0000",
    b"1e999", b"-0", b"null", b"{}", b"[]", b'"\\ud800"', b"\xc3\x28", b"PAR1", b"PK\x03\x04",
    b"<a", b"<v ", b"{\\", b"[", b"(", b"From 1:1", b"> ", b"On Monday ", b"&amp;", b"<@U1", b": ",
]


@dataclass
class Outcome:
    """One case's result."""

    name: str
    ok: bool
    code: int
    seconds: float
    detail: str


def seed_inputs(fmt: str, rng: random.Random, scratch: Path) -> list[tuple[str, bytes]]:
    """``(file name, bytes)`` of the real inputs a format's cases start from."""
    found = [(Path(p).name, (DATA / p).read_bytes()) for p in SEEDS.get(fmt, [])]
    sys.path.insert(0, str(ROOT / "tests"))
    from format_writers import WRITERS

    case = {"discord": "discord-csv", "signal": "signal-json"}.get(fmt, fmt)
    if case in WRITERS:
        write, _ = WRITERS[case]
        folder = Path(tempfile.mkdtemp(dir=scratch))
        turns = [("Ann", "Shall we go on Friday?"), ("Bo", "No, I can't."), ("Ann", "Why not?")]
        path = write(folder, turns)
        file = path
        for inner in ("data.json", "utterances.jsonl"):
            if path.is_dir() and (path / inner).exists():
                file = path / inner
        if file.is_dir():
            file = next(p for p in sorted(file.rglob("*")) if p.is_file())
        found.append((file.name, file.read_bytes()))
    return found


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random mutation (or a few) of ``data``."""
    for _ in range(rng.choice((1, 1, 2, 3))):
        kind = rng.randrange(12)
        at = rng.randrange(len(data) + 1) if data else 0
        if kind == 0 and data:
            i = rng.randrange(len(data))
            data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
        elif kind == 1:
            data = data[:at]
        elif kind == 2:
            data = data[:at] + data[at + rng.randrange(1, 200):]
        elif kind == 3:
            data = data[:at] + rng.choice(TOKENS) * rng.choice((1, 1, 3, 50, 20_000)) + data[at:]
        elif kind == 4:
            depth = rng.choice((70, 1_000, 20_000))
            data = data[:at] + b"[" * depth + b"{" * rng.randrange(3) + data[at:]
        elif kind == 5:
            data = data[:at] + b"x" * rng.choice((1_000, 200_000, 2_000_000)) + data[at:]
        elif kind == 6 and data:
            end = min(len(data), at + rng.randrange(1, 400))
            data = data[:end] + data[at:end] * rng.choice((2, 10, 300, 5_000)) + data[end:]
        elif kind == 7:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 512)))
        elif kind == 8:
            data = rng.choice((b"", b"\n", b" \t\n", b"\x00" * 64, b"\xef\xbb\xbf"))
        elif kind == 9:
            data = data.replace(b"\n", rng.choice((b"\r\n", b"\r", b"\n\n", b"")))
        elif kind == 10:
            encoding = rng.choice(("utf-16", "cp1252", "latin-1"))
            data = data.decode("utf-8", "replace").encode(encoding, "replace")
        else:
            data = data[:at] + "\u202e\u2066\ufeff\u200b".encode() + data[at:]
    return data


def place(folder: Path, fmt: str, name: str, data: bytes, rng: random.Random) -> Path:
    """Write a case where its format expects it; sometimes zipped (sometimes corruptly)."""
    relative = LAYOUT.get(fmt, name)
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    path = folder / relative.split("/")[0] if "/" in relative else target
    if rng.random() < 0.15:
        archive = folder / "export.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
            handle.write(target, relative)
        if rng.random() < 0.3:
            raw = bytearray(archive.read_bytes())
            for _ in range(rng.randrange(1, 8)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
            archive.write_bytes(bytes(raw))
        return archive
    return path


class _Timeout(BaseException):  # not an Exception: readers that catch those must not hide it
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def run_case(args: list[str], seconds: int) -> tuple[int, str, str]:
    """Run the CLI in this process: (exit code, stderr, traceback or '')."""
    from powerlens.cli import app

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    code, trace = 0, ""
    try:
        with redirect_stdout(out), redirect_stderr(err):
            returned = app(args, standalone_mode=False)
        code = returned if isinstance(returned, int) else 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    except _Timeout:
        code, trace = -1, f"ran past {seconds} s"
    except BaseException as error:  # anything else is a finding
        import click

        if isinstance(error, click.exceptions.Exit):
            code = error.exit_code
        elif isinstance(error, click.ClickException):
            code, trace = error.exit_code, error.format_message()
        else:
            code, trace = 1, traceback.format_exc()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, err.getvalue(), trace


def cut_lines(data: bytes, most: int) -> bytes:
    """``data`` up to its ``most``-th line break (``\\n``, ``\\r\\n`` or ``\\r``)."""
    if data.count(b"\n") + data.count(b"\r") <= most:
        return data
    for number, match in enumerate(re.finditer(rb"\r\n|\r|\n", data), start=1):
        if number == most:
            return data[: match.start()]
    return data


def cases(
    fmt: str, count: int, seed: int, scratch: Path, max_lines: int | None = None
) -> Iterator[tuple[str, list[str], bytes]]:
    """``(case name, CLI arguments, input bytes)`` for ``count`` cases of one format; with
    ``max_lines``, inputs are cut after that many lines (long lines are kept)."""
    rng = random.Random(f"{seed}:{fmt}")
    seeds = seed_inputs(fmt, rng, scratch)
    for number in range(count):
        name, data = rng.choice(seeds)
        data = mutate(data, rng) if number % 10 else data  # every tenth case unchanged
        if max_lines is not None:
            data = cut_lines(data, max_lines)
        folder = Path(tempfile.mkdtemp(dir=scratch))
        path = place(folder, fmt, name, data, rng)
        args = ["analyze", str(path), "--format", "json"]
        if rng.random() < 0.6:
            args += ["--input-format", fmt]
        yield f"{fmt}-{seed}-{number}", args, data


def fuzz(fmt: str, count: int, seed: int = 0, seconds: int = 20, max_gb: float = 2.0,
         out: Path | None = None, max_lines: int | None = None) -> list[Outcome]:
    """Run ``count`` cases of one format; the outcomes (``ok`` False for findings)."""
    results: list[Outcome] = []
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # GiB (Linux: KiB)
    scratch = Path(tempfile.mkdtemp(prefix="powerlens-fuzz-"))
    try:
        for name, args, data in cases(fmt, count, seed, scratch, max_lines):
            started = time.perf_counter()
            code, stderr, trace = run_case(args, seconds)
            took = time.perf_counter() - started
            grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20 - baseline
            ok = not trace and (code == 0 or (code == 2 and "[PL" in stderr)) and grown < max_gb
            detail = trace or (stderr.strip()[:300] if code else "")
            if grown >= max_gb:
                detail = f"memory grew {grown:.2f} GiB; {detail}"
            results.append(Outcome(name, ok, code, took, detail))
            if not ok and out is not None:
                out.mkdir(parents=True, exist_ok=True)
                (out / f"{name}.input").write_bytes(data)
                (out / f"{name}.txt").write_text(f"{' '.join(args)}\nexit {code}\n{detail}\n")
            shutil.rmtree(Path(args[1]).parent, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-format", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--formats", default=",".join(SEEDS))
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--max-gb", type=float, default=2.0)
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    parser.add_argument("--max-lines", type=int, default=None,
                        help="cut inputs after this many lines (the suite uses 2,000)")
    options = parser.parse_args()
    failed = 0
    for fmt in options.formats.split(","):
        started = time.perf_counter()
        results = fuzz(fmt, options.per_format, options.seed, options.seconds, options.max_gb,
                       options.out, options.max_lines)
        bad = [r for r in results if not r.ok]
        failed += len(bad)
        slowest = max((r.seconds for r in results), default=0.0)
        codes = sorted({r.code for r in results})
        print(f"{fmt:11} {len(results):6} cases  {len(bad):4} failed  exit codes {codes}  "
              f"slowest {slowest:5.2f} s  total {time.perf_counter() - started:6.1f} s",
              flush=True)
        for result in bad[:5]:
            print(f"  {result.name}: exit {result.code}: {result.detail.splitlines()[-1:]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
