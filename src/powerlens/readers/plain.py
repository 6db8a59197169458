"""Plain transcripts: ``Name: text`` lines, with optional timestamps.

Accepted line shapes (one utterance each)::

    Name: text
    [00:01:02] Name: text        (bracketed: media time, [hh:]mm:ss)
    00:01:02 Name: text          (unbracketed hh:mm:ss: media time)
    12:03 Name: text             (unbracketed hh:mm: clock time)
    Name (00:01:02): text
    Name [00:01:02]: text

A line that fits none of them continues the previous utterance (transcribers wrap long
turns). In a file where most turns carry a timestamp, an untimed ``Label: text`` line is not a
turn either (it is a header, or a continuation such as "Note: ..."). Before the first
utterance, up to ``MAX_HEADER_LINES`` such lines are taken as a
header and reported as rejected with that reason. Only start times are written in these
files, so an utterance's end is taken as the next utterance's start (recorded in
``Conversation.meta["timing"]``).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from powerlens.errors import InputError, shown
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers.about import About
from powerlens.readers.textfile import read_lines
from powerlens.readers.times import parse_media_time

FORMATS = ("plain",)
EXTENSIONS: dict[str, str] = {}
ABOUT = {
    "plain": About(
        reads="a plain transcript, one turn per line, optionally timestamped",
        expects="a text file",
        recognised="the fallback: any text with 'Name: text' lines",
        example="[00:01:02] Ann: We should sell the car.",
    ),
}
MAX_HEADER_LINES = 5

_NAME = r"(?P<name>[^\W\d_][^:\[\]()]{0,40}?)"
_TIME = r"(?P<time>\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?)"
LINE_SHAPES = (
    re.compile(rf"^\s*\[{_TIME}\]\s*{_NAME}\s*:\s?(?P<text>.*)$"),
    re.compile(rf"^\s*{_TIME}\s+{_NAME}\s*:\s?(?P<text>.*)$"),
    re.compile(rf"^\s*{_NAME}\s*[(\[]{_TIME}[)\]]\s*:\s?(?P<text>.*)$"),
    re.compile(rf"^\s*{_NAME}\s*:\s?(?P<text>.*)$"),
)
_BRACKETED = (True, False, True, False)


def sniff(path: Path, head: str | None) -> str | None:
    """Plain is the fallback for any text whose first lines include a ``Name: text`` line."""
    if head is None:
        return None
    lines = [line for line in head.splitlines()[:40] if line.strip()]
    return "plain" if any(_match(line) for line in lines) else None


def _match(line: str) -> tuple[re.Match[str], bool] | None:
    for shape, bracketed in zip(LINE_SHAPES, _BRACKETED, strict=True):
        match = shape.match(line)
        if match and len(match["name"].split()) <= 5:
            return match, bracketed
    return None


def _seconds(time: str, bracketed: bool) -> float | None:
    """Media time when bracketed or three-part; unbracketed ``hh:mm`` is a clock time."""
    if not bracketed and time.count(":") == 1:
        hours, minutes = time.split(":")
        if int(hours) > 23 or int(minutes) > 59:
            return None
        return float(int(hours) * 3600 + int(minutes) * 60)
    return parse_media_time(time)


def read(path: Path, *, encoding: str | None = None, format: str = "plain") -> list[Conversation]:
    """Read one conversation from a plain transcript."""
    lines = read_lines(path, encoding)
    matches = [_match(line) if line.strip() else None for line in lines]
    timed_lines = sum(1 for m in matches if m and m[0].groupdict().get("time"))
    timed_file = timed_lines * 2 > sum(1 for m in matches if m)
    utterances: list[dict[str, object]] = []
    rejected: list[Rejection] = []
    for number, (line, found) in enumerate(zip(lines, matches, strict=True), start=1):
        if not line.strip():
            continue
        if found is not None and timed_file and not found[0].groupdict().get("time"):
            found = None  # in a timestamped transcript, an untimed "Label: text" is not a turn
        if found is not None:
            match, bracketed = found
            start = None
            if match.groupdict().get("time"):
                start = _seconds(match["time"], bracketed)
                if start is None:
                    raise InputError(
                        path,
                        f"timestamp {shown(match['time'])} is not a valid time.",
                        line=number,
                        code="PL110",
                        fix="write times as hh:mm:ss or mm:ss.",
                    )
            utterances.append(
                {
                    "speaker": match["name"].strip(),
                    "text": match["text"].strip(),
                    "start": start,
                    "line": number,
                }
            )
        elif utterances:
            previous = utterances[-1]
            previous["text"] = f"{previous['text']}\n{line.strip()}".strip()
        elif len(rejected) < MAX_HEADER_LINES:
            rejected.append(Rejection(number, "header line before the first utterance"))
        else:
            raise InputError(
                path,
                f"no line in the first {number} fits a transcript shape; expected "
                "'Name: text' (optionally with a timestamp).",
                line=number,
                code="PL111",
                fix="check the file is a transcript, or name its format with --input-format.",
            )
    if not utterances:
        raise InputError(path, "no 'Name: text' line found.", line=len(lines), code="PL111")
    return [_conversation(path, utterances, rejected)]


def _conversation(
    path: Path, rows: list[dict[str, object]], rejected: list[Rejection]
) -> Conversation:
    kept: list[Utterance] = []
    for row in rows:
        text = str(row["text"])
        if not text:
            rejected.append(Rejection(int(str(row["line"])), "utterance has no text"))
            continue
        kept.append(
            Utterance(
                id=f"{path.stem}:{row['line']}",
                speaker=str(row["speaker"]),
                text=text,
                start=row["start"] if isinstance(row["start"], float) else None,
                line=int(str(row["line"])),
            )
        )
    timed = bool(kept) and all(u.start is not None for u in kept)
    meta: dict[str, str] = {}
    if timed:
        kept = _estimate_ends(kept)
        meta["timing"] = "start times only; each end is taken as the next utterance's start"
    return Conversation(
        id=path.stem,
        utterances=tuple(kept),
        source=str(path),
        meta=meta,
        rejected=tuple(sorted(rejected, key=lambda r: r.line or 0)),
    )


def _estimate_ends(utterances: list[Utterance]) -> list[Utterance]:
    """Fill ends from the next start; clock times that wrap past midnight move forward a day."""
    starts: list[float] = []
    offset = 0.0
    for u in utterances:
        start = float(u.start or 0.0) + offset
        if starts and start < starts[-1] - 12 * 3600:
            offset += 24 * 3600
            start += 24 * 3600
        starts.append(start)
    ends: list[float | None] = [*starts[1:], None]
    return [
        dataclasses.replace(u, start=s, end=e)
        for u, s, e in zip(utterances, starts, ends, strict=True)
    ]
