"""WebVTT and SRT captions, as exported by Zoom, Microsoft Teams, Google Meet and Otter.

Formats: W3C WebVTT (https://www.w3.org/TR/webvtt1/) and SubRip (SRT). One cue gives one
utterance with its start and end in seconds; cue identifiers, cue settings
(``align:start position:10%``), ``NOTE``/``STYLE``/``REGION`` blocks and the header are read
past (the blocks are counted in ``Conversation.meta["skipped_blocks"]``). Markup (``<b>``,
``<i>``, ``<c.color>``, ``<00:00:01.000>``, ``<font ...>``, ``{\\an8}``) is stripped and HTML
entities (``&amp;``, ``&lt;``) are unescaped; the lines of a cue are joined with spaces.

Who spoke:

- a voice tag ``<v Name>`` / ``<v.class Name>`` (closed by ``</v>`` or the end of the cue), as
  Teams and WebVTT-conformant tools write it; or
- a ``Name: text`` prefix on a line of the cue, as Zoom, Google Meet and Otter write it. The
  prefix is only read as a name in files where at least half of the cues without voice tags
  begin with one, so that captions such as "Note: ..." in an unlabelled file stay text.
- A cue with no label that only describes sound (``[laughter]``, ``(music)``,
  ``♪ lyrics ♪``, ``[door closes] (applause)``) is not speech: it is rejected with the reason
  ``non-speech cue: ...``, so it counts as read but no one is given its words or its time,
  and the next unlabelled cue still continues the last speaker. A labelled one (``<v Ann>
  [laughs]``) stays Ann's: the caption attributes it.
- Any other cue with no label continues the speaker of the cue before it (tools split long speech
  into several cues and label only the first); a cue with no label and no labelled cue
  before it gets the speaker ``"Unknown"``. Inherited speakers are marked in the utterance's
  ``meta["speaker_from"] = "previous cue"``.
- A cue holding several speakers (two voice tags, or two ``Name:`` lines) becomes one
  utterance per speaker; the cue's time is divided between them in proportion to their text
  length (marked ``meta["timing"] = "estimated"``), so they do not look like overlaps.

Consecutive cues by one speaker stay separate utterances; the talk measure groups them into
turns. Utterance ids are ``<file stem>:<n>``, where ``n`` is the cue's own number when every
cue has a distinct integer identifier (SRT, Zoom), otherwise the line of its timing line;
split cues add ``.2``, ``.3``. ``Utterance.line`` is the line of the cue's timing line.

Known limits: cues are kept in file order (not re-sorted by time); a speaker written alone on
its own line (``Alice Smith`` then the text) is not recognised; a cue with no text is rejected
with a reason; a block without a timing line after the first cue is taken as more text of the
cue before it (SRT files often hold blank lines inside a cue) and a warning is recorded in
``Conversation.meta["warnings"]``. Malformed timings and cues that end before they start are
errors naming the file and line.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powerlens.errors import InputError, shown
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers.about import About
from powerlens.readers.textfile import read_lines
from powerlens.readers.times import parse_media_time

FORMATS = ("vtt", "srt")
EXTENSIONS = {".vtt": "vtt", ".srt": "srt"}
ABOUT = {
    "vtt": About(
        reads="WebVTT captions and meeting transcripts (Zoom, Microsoft Teams, Google Meet, Otter)",
        expects="a .vtt file",
        recognised="the .vtt extension, or a first line WEBVTT",
        example="00:00:01.000 --> 00:00:04.000 then <v Ann Lee>We should sell the car.",
    ),
    "srt": About(
        reads="SubRip captions (and Zoom, Otter or YouTube transcripts saved as .srt)",
        expects="a .srt file",
        recognised="the .srt extension, or a cue number then a timing line 00:00:01,000 -->",
        example="1 / 00:00:01,000 --> 00:00:04,000 / Ann: We should sell the car.",
    ),
}
UNKNOWN = "Unknown"

_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_BLOCK_KEYWORD = re.compile(r"^(NOTE|STYLE|REGION)(?:[ \t].*)?$")
_SRT_TIMING = re.compile(r"^\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}\s*-->")
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?(?:[ \t]+(?P<name>[^<>]*))?>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>|\{\\[^{}]*\}")
"""Tags stop at the next ``<`` (or ``{``): a cue full of unclosed ``<`` costs linear time."""
_NAME_PREFIX = re.compile(r"^(?P<name>[^\W\d_][\w .'’()\-]{0,40}?)\s*:(?:\s+|$)(?P<text>.*)$")
_SPACE = re.compile(r"\s+")
NON_SPEECH = re.compile(r"^(?:\s*(?:\[[^\]]*\]|\([^)]*\)|[♪♫#*]))+\s*$|^\s*[♪♫].*[♪♫]\s*$")
"""A caption that only describes sound: ``[laughter]``, ``(music)``, ``♪ ... ♪``."""


def sniff(path: Path, head: str | None) -> str | None:
    """``vtt`` for text starting ``WEBVTT``; ``srt`` for a cue number then an SRT timing line."""
    if head is None:
        return None
    lines = head.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and _HEADER.match(lines[0].rstrip()):
        return "vtt"
    filled = [line.strip() for line in lines[:20] if line.strip()]
    if len(filled) >= 2 and filled[0].isdigit() and _SRT_TIMING.match(filled[1]):
        return "srt"
    return None


@dataclass
class _Cue:
    """One timed cue as read, before its speakers are resolved."""

    identifier: str | None
    line: int
    start: float
    end: float
    raw: list[str]
    extra: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Segment:
    speaker: str | None
    text: str


def read(path: Path, *, encoding: str | None = None, format: str = "vtt") -> list[Conversation]:
    """Read one conversation from a WebVTT or SRT file."""
    lines = read_lines(path, encoding)
    expected = _expected(format)
    warnings: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    cues: list[_Cue] = []
    blocks = _blocks(lines)
    if blocks and _HEADER.match(blocks[0][0][1].rstrip()):
        header = blocks.pop(0)
        timing_at = next((i for i, (_, text) in enumerate(header) if "-->" in text), None)
        if timing_at is not None:  # no blank line after the header: the cue starts here
            blocks.insert(0, header[timing_at:])
    elif format == "vtt":
        warnings.append({"line": 1, "message": "no WEBVTT header; read as captions anyway"})
    for block in blocks:
        keyword = _BLOCK_KEYWORD.match(block[0][1].strip()) if format == "vtt" else None
        if keyword and "-->" not in block[0][1]:
            skipped[keyword.group(1)] += 1
            continue
        timing_at = next((i for i, (_, text) in enumerate(block[:2]) if "-->" in text), None)
        if timing_at is None:
            if any("-->" in text for _, text in block):
                number = next(n for n, text in block if "-->" in text)
                raise InputError(
                    path,
                    "a cue timing line must be the first or second line of its block; "
                    f"expected an optional cue identifier, then '{expected}'.",
                    line=number,
                    code="PL111",
                    fix="separate cues with one blank line.",
                )
            first = block[0][1].strip()
            if not cues or first.isdigit():
                what = (
                    f"cue {first} has no timing line"
                    if first.isdigit()
                    else f"{first[:60]!r} fits no caption pattern"
                )
                raise InputError(
                    path,
                    f"{what}; expected a cue: an optional identifier, then '{expected}', then "
                    "its text.",
                    line=block[0][0],
                    code="PL111",
                    fix="check the file is a WebVTT or SRT caption file, or name its format "
                    "with --input-format.",
                )
            cues[-1].extra.extend(block)
            warnings.append(
                {
                    "line": block[0][0],
                    "message": "text without a timing line; kept as more text of the cue before",
                }
            )
            continue
        number, timing = block[timing_at]
        start, end = _timing(path, number, timing, expected)
        identifier = block[0][1].strip() if timing_at == 1 else None
        cues.append(_Cue(identifier, number, start, end, [t for _, t in block[timing_at + 1 :]]))
    if not cues:
        raise InputError(
            path,
            f"no cue found; expected cues timed '{expected}'.",
            line=len(lines),
            code="PL111",
        )
    return [_conversation(path, format, cues, warnings, skipped)]


def _expected(format: str) -> str:
    return "hh:mm:ss,mmm --> hh:mm:ss,mmm" if format == "srt" else "hh:mm:ss.mmm --> hh:mm:ss.mmm"


def _blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line with its 1-based number."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _timing(path: Path, line: int, timing: str, expected: str) -> tuple[float, float]:
    """Start and end seconds of a timing line (cue settings after the end time are ignored)."""
    left, _, right = timing.partition("-->")
    parts = right.split()
    start_text, end_text = left.strip(), parts[0] if parts else ""
    start = parse_media_time(start_text) if start_text and " " not in start_text else None
    end = parse_media_time(end_text) if end_text else None
    if start is None or end is None:
        which = "start" if start is None else "end"
        bad = start_text if start is None else end_text
        raise InputError(
            path,
            f"cue timing {shown(timing.strip())} has an invalid {which} time {shown(bad)}; "
            f"expected '{expected}'.",
            line=line,
            code="PL110",
            fix="write each time as hours:minutes:seconds with milliseconds.",
        )
    if end < start:
        raise InputError(
            path,
            f"cue ends ({end_text}) before it starts ({start_text}); expected '{expected}' with "
            "the end at or after the start.",
            line=line,
            code="PL112",
            fix="correct the cue's times.",
        )
    return start, end


def _clean(text: str) -> str:
    """Text without markup, entities unescaped, whitespace collapsed."""
    if "<" in text or "{" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return _SPACE.sub(" ", text).strip()


def _voice_segments(raw: str) -> list[_Segment]:
    """Split cue text at voice tags; text before the first tag has no speaker."""
    segments: list[_Segment] = []
    speaker: str | None = None
    position = 0
    for match in _VOICE.finditer(raw):
        before = raw[position : match.start()]
        if before.strip():
            segments.append(_Segment(speaker, _clean(before)))
        name = _clean(match["name"] or "")
        speaker = name or None
        position = match.end()
    segments.append(_Segment(speaker, _clean(raw[position:])))
    return segments


def _prefix(line: str) -> tuple[str, str] | None:
    """``(name, text)`` when a cleaned line starts ``Name: text``."""
    match = _NAME_PREFIX.match(line)
    if match is None or len(match["name"].split()) > 5:
        return None
    return match["name"].strip(), match["text"]


def _prefix_segments(raw_lines: list[str]) -> list[_Segment]:
    """Split cue lines at ``Name:`` prefixes; lines without one continue the segment before."""
    segments: list[_Segment] = []
    for raw in raw_lines:
        line = _clean(raw)
        found = _prefix(line)
        if found is not None:
            segments.append(_Segment(found[0], found[1]))
        elif segments:
            segments[-1].text = f"{segments[-1].text} {line}".strip()
        else:
            segments.append(_Segment(None, line))
    return segments


def _cue_lines(cue: _Cue) -> list[str]:
    return [*cue.raw, *(text for _, text in cue.extra)]


def _uses_prefixes(cues: list[_Cue]) -> bool:
    """True when at least half the cues without voice tags (non-speech cues aside) begin
    with ``Name:``."""
    plain = [
        lines
        for lines in (_cue_lines(c) for c in cues)
        if lines
        and not _VOICE.search("\n".join(lines))
        and _clean(lines[0])
        and not NON_SPEECH.match(_clean(" ".join(lines)))
    ]
    labelled = sum(1 for lines in plain if _prefix(_clean(lines[0])) is not None)
    return bool(plain) and labelled * 2 >= len(plain)


def _conversation(
    path: Path,
    format: str,
    cues: list[_Cue],
    warnings: list[dict[str, Any]],
    skipped: Counter[str],
) -> Conversation:
    prefixes = _uses_prefixes(cues)
    numbers = [c.identifier for c in cues]
    numbered = all(n is not None and n.isdigit() for n in numbers) and len(set(numbers)) == len(
        numbers
    )
    utterances: list[Utterance] = []
    rejected: list[Rejection] = []
    labels: set[str] = set()
    inherited = 0
    previous: str | None = None
    stem = path.stem
    for cue in cues:
        lines = _cue_lines(cue)
        joined = "\n".join(lines)
        if _VOICE.search(joined):
            segments = _voice_segments(joined)
            labels.add("voice tags")
        elif prefixes:
            segments = _prefix_segments(lines)
            if any(s.speaker for s in segments):
                labels.add("name prefixes")
        else:
            segments = [_Segment(None, _clean(joined))]
        segments = [s for s in segments if s.text]
        if not segments:
            rejected.append(Rejection(cue.line, "cue has no text"))
            continue
        for segment in segments:
            if segment.speaker is None and NON_SPEECH.match(segment.text):
                rejected.append(Rejection(cue.line, f"non-speech cue: {segment.text[:80]}"))
        segments = [s for s in segments if s.speaker is not None or not NON_SPEECH.match(s.text)]
        if not segments:
            continue
        base = f"{stem}:{cue.identifier if numbered else cue.line}"
        weights = [len(s.text) for s in segments]
        offset = cue.start
        for k, segment in enumerate(segments):
            meta: dict[str, Any] = {}
            if cue.identifier is not None:
                meta["cue_id"] = cue.identifier
            speaker = segment.speaker
            if speaker is None:
                if previous is not None:
                    speaker = previous
                    meta["speaker_from"] = "previous cue"
                    inherited += 1
                else:
                    speaker = UNKNOWN
            else:
                previous = speaker
            start, end = cue.start, cue.end
            if len(segments) > 1:
                share = (cue.end - cue.start) * weights[k] / sum(weights)
                start, end = offset, offset + share
                offset = end
                meta["timing"] = "estimated: the cue's time divided between its speakers"
            utterances.append(
                Utterance(
                    id=base if k == 0 else f"{base}.{k + 1}",
                    speaker=speaker,
                    text=segment.text,
                    start=round(start, 3),
                    end=round(end, 3),
                    line=cue.line,
                    meta=meta,
                )
            )
    meta_out: dict[str, Any] = {
        "format": format,
        "speaker_labels": " and ".join(sorted(labels)) if labels else "none",
    }
    if inherited:
        meta_out["speaker_from_previous_cue"] = inherited
    if not labels:
        meta_out["note"] = f"no speaker labels found; every cue is spoken by {UNKNOWN!r}"
    if skipped:
        meta_out["skipped_blocks"] = dict(skipped)
    if warnings:
        meta_out["warnings"] = warnings
    return Conversation(
        id=path.stem,
        utterances=tuple(utterances),
        source=str(path),
        meta=meta_out,
        rejected=tuple(rejected),
    )
