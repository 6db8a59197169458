"""WhatsApp chat exports ("Export chat" -> "Without media"), from Android and iOS.

Written from the export's observed line shapes (no well-kept parser on PyPI fits without
pulling in pandas); one message starts on each line that begins with a date and time::

    12/31/23, 9:05 PM - Name: text           (Android, 12-hour clock)
    31/12/2023, 21:05 - Name: text           (Android, 24-hour clock; also 31.12.23)
    [31/12/2023, 21:05:33] Name: text        (iOS)
    [12/31/23, 9:05:33 PM] Name: text        (iOS, 12-hour clock)

Narrow no-break spaces (U+202F) before AM/PM and the left-to-right marks (U+200E) iOS
inserts are tolerated. Any other line continues the message before it (multi-line messages).

Day/month order is decided once per file: if any first date field is above 12 the file is
day-first, if any second field is above 12 it is month-first; otherwise it is read day-first
and the ambiguity is stated in ``Conversation.meta["date_order"]``. ``start`` is POSIX
seconds of the export's clock time, a naive local time treated as UTC (the export has no
time zone; ``meta["timezone"]`` says so); ``end`` is None.

Nothing is dropped silently. These become ``Rejection``\\ s with a reason: system lines (no
``Name:`` after the date, e.g. "Messages and calls are end-to-end encrypted...", "X added Y",
"X changed the subject ..."; on iOS also a message whose text starts with U+200E and is not
media), messages whose only content is left out of the export ("<Media omitted>",
"image omitted", "<attached: ...>", "... (file attached)") and deleted messages ("This message
was deleted"). Up to ``MAX_HEADER_LINES`` lines before the first message are rejected as a
header; more is an error. The "<This message was edited>" marker is removed from the text and
recorded in ``Utterance.meta["edited"]``.

Known limits: media and system phrases are recognised in English only (in other languages
they are kept as messages); a sender name containing ": " is cut at the colon; a system line
such as ``X changed the subject from "A: B"`` is recognised by its quote marks and verb.
Utterance ids are ``<file stem>:<line>``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from powerlens.errors import InputError, shown
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers.about import About
from powerlens.readers.textfile import read_lines

FORMATS = ("whatsapp",)
EXTENSIONS: dict[str, str] = {}
ABOUT = {
    "whatsapp": About(
        reads="WhatsApp 'Export chat' (Android and iOS, with or without media)",
        expects="the exported .txt, or the .zip as the phone saved it (media files are "
        "recorded as not read)",
        recognised="one of the first lines starts with a date and time, then a name",
        example="31/12/2023, 21:05 - Sam: Shall we go tomorrow?",
    ),
}
MAX_HEADER_LINES = 5

LRM = "\u200e"
_MARKS = str.maketrans("", "", "\u200e\u200f\u202a\u202b\u202c\u2066\u2067\u2068\u2069")
_DATE = r"(?P<a>\d{1,4})[./-](?P<b>\d{1,2})[./-](?P<c>\d{2,4})"
_TIME = (
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?"
    r"(?:[ \u202f\u00a0]?(?P<ampm>[AaPp]\.?[ \u202f\u00a0]?[Mm]\.?))?"
)
IOS_LINE = re.compile(rf"^\[{_DATE},?[ \u202f\u00a0]+{_TIME}\][ \u202f\u00a0]*(?P<rest>.*)$")
ANDROID_LINE = re.compile(rf"^{_DATE},?[ \u202f\u00a0]+{_TIME}[ \u202f\u00a0]+[-–][ ](?P<rest>.*)$")
_SENDER = re.compile(r"^(?P<name>[^:\n]{1,80}?):(?:\s(?P<text>.*)|$)", re.DOTALL)
_SYSTEM_NAME = re.compile(
    r"[\"“”]| (?:changed|created|added|removed|left|joined|deleted|pinned|set|turned)\b"
)
_OMITTED = re.compile(
    r"^(?:<media omitted>|(?:image|video|audio|sticker|gif|document|contact card|media) "
    r"omitted)$",
    re.IGNORECASE,
)
_ATTACHED = re.compile(r"^(?:<attached: [^>]*>|.+ \(file attached\))$", re.IGNORECASE)
_DELETED = re.compile(
    r"^(?:this message was deleted|you deleted this message|deleted message)\.?$", re.IGNORECASE
)
_EDITED = re.compile(r"\s*<This message was edited>\s*$", re.IGNORECASE)


def sniff(path: Path, head: str | None) -> str | None:
    """``whatsapp`` when one of the first five non-blank lines starts like an exported message."""
    if head is None:
        return None
    lines = [line.translate(_MARKS).lstrip("\ufeff") for line in head.splitlines()[:40]]
    filled = [line for line in lines if line.strip()][:5]
    return "whatsapp" if any(_start(line) for line in filled) else None


def _start(line: str) -> re.Match[str] | None:
    """The match of a line that opens a message (iOS or Android shape), else None."""
    stripped = line.lstrip(LRM)
    return IOS_LINE.match(stripped) or ANDROID_LINE.match(stripped)


@dataclass
class _Record:
    """One message or system line as read, with its continuation lines."""

    line: int
    match: re.Match[str]
    ios: bool
    lines: list[str] = field(default_factory=list)


def read(
    path: Path, *, encoding: str | None = None, format: str = "whatsapp"
) -> list[Conversation]:
    """Read one conversation from a WhatsApp chat export."""
    lines = read_lines(path, encoding)
    records: list[_Record] = []
    rejected: list[Rejection] = []
    for number, line in enumerate(lines, start=1):
        match = _start(line)
        if match is not None:
            records.append(_Record(number, match, IOS_LINE.match(line.lstrip(LRM)) is not None))
        elif records:
            records[-1].lines.append(line)
        elif not line.strip():
            continue
        elif len(rejected) < MAX_HEADER_LINES:
            rejected.append(Rejection(number, "line before the first message"))
        else:
            raise InputError(
                path,
                f"none of the first {number} lines starts like a WhatsApp message; expected "
                "e.g. '31/12/2023, 21:05 - Name: text' or '[31/12/2023, 21:05:33] Name: text'.",
                line=number,
                code="PL111",
                fix="check the file is a WhatsApp export, or name its format with --input-format.",
            )
    if not records:
        raise InputError(
            path,
            "no WhatsApp message line found; expected e.g. '31/12/2023, 21:05 - Name: text'.",
            line=len(lines),
            code="PL111",
        )
    day_first, order = _date_order(records)
    utterances: list[Utterance] = []
    for record in records:
        start = _seconds(path, record, day_first)
        kept = _message(path, record, start, rejected)
        if kept is not None:
            utterances.append(kept)
    meta: dict[str, Any] = {
        "format": "whatsapp",
        "platform": "ios" if sum(r.ios for r in records) * 2 > len(records) else "android",
        "date_order": order,
        "timezone": "none in the export: clock times are local and treated as UTC",
    }
    return [
        Conversation(
            id=path.stem,
            utterances=tuple(utterances),
            source=str(path),
            meta=meta,
            rejected=tuple(sorted(rejected, key=lambda r: r.line or 0)),
        )
    ]


def _date_order(records: list[_Record]) -> tuple[bool, str]:
    """Whether dates are day-first, and how that was decided."""
    pairs = [
        (int(r.match["a"]), int(r.match["b"])) for r in records if len(r.match["a"]) <= 2
    ]
    if any(a > 12 for a, _ in pairs):
        return True, "day-first (a first date field is above 12)"
    if any(b > 12 for _, b in pairs):
        return False, "month-first (a second date field is above 12)"
    if not pairs:
        return True, "year-first"
    return True, "ambiguous: no date field above 12, read day-first"


def _seconds(path: Path, record: _Record, day_first: bool) -> float:
    """POSIX seconds of the record's date and time (the clock time taken as UTC)."""
    m = record.match
    a, b, c = m["a"], m["b"], m["c"]
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    else:
        year = int(c) + (2000 if len(c) == 2 else 0)
        day, month = (int(a), int(b)) if day_first else (int(b), int(a))
    hour, minute, second = int(m["hour"]), int(m["minute"]), int(m["second"] or 0)
    ampm = (m["ampm"] or "").lower().replace(".", "").replace(" ", "").replace("\u202f", "")
    ampm = ampm.replace("\u00a0", "")
    valid_hour = 1 <= hour <= 12 if ampm else hour <= 23
    if ampm == "pm" and hour != 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    try:
        if not valid_hour:
            raise ValueError
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        stamp = m.group(0)[: m.start("rest")].strip(" -–[]\u202f\u00a0")
        order = "day/month/year" if day_first else "month/day/year"
        raise InputError(
            path,
            f"date or time {shown(stamp)} is not valid read as {order} with a "
            f"{'12' if ampm else '24'}-hour clock; expected e.g. '31/12/2023, 21:05' or "
            "'12/31/23, 9:05 PM'.",
            line=record.line,
            code="PL110",
            fix="check the line was not edited by hand; every date in one export uses one order.",
        ) from None
    return moment.timestamp()


def _message(
    path: Path, record: _Record, start: float, rejected: list[Rejection]
) -> Utterance | None:
    """The record as an utterance, or None after recording why it was rejected."""
    rest = "\n".join([record.match["rest"], *record.lines]).rstrip()
    sender = _SENDER.match(rest)
    if sender is None or _SYSTEM_NAME.search(sender["name"]):
        rejected.append(Rejection(record.line, f"system message: {_brief(rest)}"))
        return None
    name = sender["name"].translate(_MARKS).strip()
    raw = sender["text"] or ""
    if record.ios and raw.startswith(LRM) and _kind(raw.translate(_MARKS).strip()) is None:
        rejected.append(Rejection(record.line, f"system message: {_brief(raw)}"))
        return None
    text = raw.translate(_MARKS).strip()
    meta: dict[str, Any] = {}
    if _EDITED.search(text):
        text = _EDITED.sub("", text)
        meta["edited"] = True
    first, _, after = text.partition("\n")
    if _ATTACHED.match(first.strip()) and after.strip():
        meta["attachment"] = first.strip()
        text = after.strip()
    kind = _kind(text)
    if kind is not None:
        rejected.append(Rejection(record.line, f"{kind} ({name}: {_brief(text)})"))
        return None
    if not text:
        rejected.append(Rejection(record.line, f"message has no text ({name})"))
        return None
    return Utterance(
        id=f"{path.stem}:{record.line}",
        # One string per distinct name and text (a long history repeats both: 7 MB at 64k).
        speaker=sys.intern(name),
        text=sys.intern(text),
        start=start,
        line=record.line,
        meta=meta,
    )


def _kind(text: str) -> str | None:
    """Why a message's whole text is not something said, or None when it is."""
    if _OMITTED.match(text):
        return "media left out of the export"
    if _ATTACHED.match(text):
        return "attachment without text"
    if _DELETED.match(text):
        return "deleted message"
    return None


def _brief(text: str) -> str:
    """The first 80 characters of ``text`` on one line, without direction marks."""
    flat = " ".join(text.translate(_MARKS).split())
    return flat if len(flat) <= 80 else flat[:79] + "…"
