"""The interchange format: one utterance per row, in JSONL, CSV or Parquet.

Columns (``docs/formats.md`` describes them in full): ``id, conversation_id, speaker, text,
timestamp, reply_to`` (``speaker`` and ``text`` required), optional ``start`` and ``end``
(seconds), ``meta.<field>`` (utterance metadata) and ``speaker.<field>`` (speaker metadata,
constant per speaker). The column names follow ConvoKit's (Chang et al. 2020, "ConvoKit: A
Toolkit for the Analysis of Conversations"), flattened into one table so that pandas, Arrow,
DuckDB and spreadsheets can write it.

``read`` groups rows into conversations in memory, so rows may come in any order.
``iter_rows`` and ``iter_conversations`` stream with memory bounded by the longest line and
the largest conversation; streaming needs each conversation's rows to be contiguous.

Known limits: CSV has no types, so a CSV metadata value is typed by its look (``true`` is a
boolean, ``12`` an integer); an empty or null value means "absent" in every format; naive ISO
8601 timestamps are taken as UTC; conversation-level metadata has no column and is not
written.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

from powerlens.errors import InputError, UsageError
from powerlens.model import Conversation, Rejection, Speaker, Utterance
from powerlens.readers import textfile

try:
    import orjson

    _loads: Callable[[bytes | str], Any] = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency; json is the fallback
    _loads = json.loads

FORMATS = ("jsonl", "csv", "parquet")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
COLUMNS = ("id", "conversation_id", "speaker", "text", "timestamp", "start", "end", "reply_to")
MAX_LINE_BYTES = 16 * 2**20
"""A JSONL line longer than this is rejected without being held in memory."""
CHUNK_BYTES = 2**20

RowItem = tuple[str | None, Utterance | Rejection]
"""A row as streamed: its conversation id and the utterance, or the rejection and the id of
the conversation being read at that point (None before the first good row)."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})
INF, _INF = math.inf, -math.inf
_BOMS_WIDE = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_JSON_FIELD = b"powerlens.json"


def sniff(path: Path, head: str | None) -> str | None:
    """``parquet`` for a Parquet file, ``jsonl``/``csv`` when the first row has speaker and text."""
    if head is None:
        return None
    if head.startswith("PAR1"):
        return "parquet"
    first = next((line for line in head.splitlines() if line.strip()), "").strip()
    if first.startswith("{"):
        try:
            row = json.loads(first)
        except ValueError:
            row = {k: 1 for k in re.findall(r'"(speaker|text)"\s*:', first)}
        return "jsonl" if isinstance(row, dict) and {"speaker", "text"} <= row.keys() else None
    header = {name.strip().lower() for name in next(csv.reader([first]), [])}
    return "csv" if {"speaker", "text"} <= header else None


def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        if format not in FORMATS:
            raise UsageError(
                f"unknown interchange format {format!r}.", fix="use jsonl, csv or parquet."
            )
        return format
    found = EXTENSIONS.get(path.suffix.lower()) or sniff(path, textfile.head(path))
    if found is None:
        raise InputError(
            path,
            "is not interchange data: expected JSONL or CSV rows with speaker and text, "
            "or Parquet.",
            code="PL120",
            fix="name the format with --format jsonl|csv|parquet.",
        )
    return found


# --- Streaming ---------------------------------------------------------------------------


def iter_rows(
    path: str | Path,
    *,
    encoding: str | None = None,
    format: str | None = None,
    speakers: MutableMapping[str, dict[str, Any]] | None = None,
) -> Iterator[RowItem]:
    """Stream ``(conversation_id, Utterance | Rejection)`` for every row of an interchange file.

    ``speakers``, when given, is filled with each speaker's ``speaker.*`` metadata as rows are
    read; a value that disagrees with an earlier row raises ``InputError``. A file whose every
    row is bad, or that has no row, raises ``InputError`` once it has been read.
    """
    path = Path(path)
    fmt = _format_of(path, format)
    if fmt == "jsonl":
        source: Iterator[tuple[int, Any]] = iter_json_lines(path, encoding)
        typed = True
    elif fmt == "csv":
        source, typed = _csv_rows(path, encoding), False
    else:
        source, typed = _parquet_rows(path), True
    rows = RowConverter(path, {} if speakers is None else speakers, typed)
    convert = rows.convert
    current: str | None = None
    good = 0
    first_bad: Rejection | None = None
    for number, obj in source:
        if type(obj) is dict:
            item = convert(number, obj)
            if type(item) is tuple:
                current = item[0]
                good += 1
                yield item
                continue
            reason = str(item)
        else:
            reason = obj
        rejection = Rejection(number, reason)
        if first_bad is None:
            first_bad = rejection
        yield current, rejection
    if good == 0:
        if first_bad is None:
            raise InputError(path, "has no rows; expected one utterance per row.", code="PL121")
        raise InputError(
            path,
            f"no row could be read; the first problem: {first_bad.reason}",
            line=first_bad.line,
            code="PL122",
            fix="check the file against docs/formats.md (speaker and text are required).",
        )


def convert_rows(
    path: str | Path,
    lines: Iterable[tuple[int, Any]],
    *,
    speakers: MutableMapping[str, dict[str, Any]] | None = None,
    typed: bool = True,
) -> Iterator[RowItem]:
    """``(conversation_id, Utterance | Rejection)`` for each ``(line number, row or reason)``.

    The rows are converted as ``iter_rows`` converts them (``speakers`` is filled the same
    way); a reason (a line that is not a JSON object, say) becomes a rejection. Unlike
    ``iter_rows`` it does not raise when no row is good: a part of a file may hold none.
    """
    convert = RowConverter(Path(path), {} if speakers is None else speakers, typed).convert
    current: str | None = None
    for number, obj in lines:
        if type(obj) is dict:
            item = convert(number, obj)
            if type(item) is tuple:
                current = item[0]
                yield item
                continue
        else:
            item = obj
        yield current, Rejection(number, str(item))


def iter_conversations(
    path: str | Path, *, encoding: str | None = None, format: str | None = None
) -> Iterator[Conversation]:
    """Stream conversations, one as soon as the next row's conversation id differs.

    Each conversation's rows must be contiguous: an id that reappears after another
    conversation raises ``InputError`` (``read`` groups any row order in memory).
    """
    path = Path(path)
    speakers: dict[str, dict[str, Any]] = {}
    yield from stream_groups(
        path,
        iter_rows(path, encoding=encoding, format=format, speakers=speakers),
        builder(path, speakers),
    )


def read(
    path: Path, *, encoding: str | None = None, format: str | None = None
) -> list[Conversation]:
    """Read every conversation in an interchange file, grouping rows in any order."""
    speakers: dict[str, dict[str, Any]] = {}
    rows = iter_rows(path, encoding=encoding, format=format, speakers=speakers)
    return group_all(rows, builder(path, speakers))


Build = Callable[[str, list[Utterance], list[Rejection]], Conversation]


def builder(
    path: Path,
    speakers: Mapping[str, Mapping[str, Any]],
    conversation_meta: Mapping[str, Mapping[str, Any]] | None = None,
) -> Build:
    """A function making a ``Conversation`` from its id, utterances and rejections."""
    source = str(path)

    def build(cid: str, utterances: list[Utterance], rejected: list[Rejection]) -> Conversation:
        names = dict.fromkeys(u.speaker for u in utterances)
        return Conversation(
            id=cid,
            utterances=tuple(utterances),
            source=source,
            speakers={n: Speaker(n, dict(speakers.get(n, _EMPTY))) for n in names},
            meta=dict(conversation_meta.get(cid, _EMPTY)) if conversation_meta else {},
            rejected=tuple(rejected),
        )

    return build


def group_all(rows: Iterable[RowItem], build: Build) -> list[Conversation]:
    """Group rows by conversation id in order of first appearance; rejections before the
    first good row go to the first conversation."""
    groups: dict[str, tuple[list[Utterance], list[Rejection]]] = {}
    pending: list[Rejection] = []
    for cid, item in rows:
        if type(item) is Utterance:
            group = groups.get(cid)  # type: ignore[arg-type]
            if group is None:
                group = groups[cid] = ([], [])  # type: ignore[index]
            group[0].append(item)
        elif cid is None:
            pending.append(item)  # type: ignore[arg-type]
        else:
            groups[cid][1].append(item)  # type: ignore[arg-type]
    if pending and groups:
        first = next(iter(groups.values()))
        first[1][:0] = pending
    return [build(cid, utts, rejected) for cid, (utts, rejected) in groups.items()]


def stream_groups(path: Path, rows: Iterable[RowItem], build: Build) -> Iterator[Conversation]:
    """Yield a conversation each time the conversation id changes (rows must be contiguous)."""
    seen: set[str] = set()
    current: str | None = None
    utterances: list[Utterance] = []
    rejected: list[Rejection] = []
    for cid, item in rows:
        if type(item) is not Utterance:
            rejected.append(item)  # type: ignore[arg-type]
            continue
        if cid != current:
            if current is not None:
                yield build(current, utterances, rejected)
                utterances, rejected = [], []
            if cid in seen:
                raise InputError(
                    path,
                    f"conversation {cid!r} appears again after other conversations; streaming "
                    "needs each conversation's rows together.",
                    line=item.line,
                    code="PL123",
                    fix="sort the rows by conversation_id, or read the file with powerlens.load, "
                    "which groups rows in memory.",
                )
            seen.add(cid)  # type: ignore[arg-type]
            current = cid
        utterances.append(item)
    if current is not None:
        yield build(current, utterances, rejected)


# --- Row conversion ----------------------------------------------------------------------


class RowConverter:
    """Turns row mappings into utterances; keeps the per-key-layout plans and speaker table.

    ``convert(number, row)`` gives ``(conversation_id, Utterance)`` or the reason the row is
    rejected; ``speakers`` is filled with each speaker's ``speaker.*`` metadata as rows are
    converted (a value that disagrees with an earlier row raises ``InputError``). ``typed`` is
    False for CSV, whose cells are typed by their look.
    """

    def __init__(self, path: Path, speakers: MutableMapping[str, dict[str, Any]], typed: bool):
        self.path = path
        self.stem = path.stem
        self.speakers = speakers
        self.origin: dict[tuple[str, str], int] = {}
        self.typed = typed
        self.plans: dict[tuple[str, ...], tuple[Any, ...]] = {}

    def plan(self, keys: tuple[str, ...]) -> tuple[Any, ...]:
        meta: list[tuple[str, str]] = []
        speaker: list[tuple[str, str]] = []
        for key in keys:
            if key.startswith("speaker.") and len(key) > 8:
                speaker.append((key, key[8:]))
            elif key.startswith("meta.") and len(key) > 5:
                meta.append((key, key[5:]))
            elif key not in COLUMNS and key != "meta":
                meta.append((key, key))
        plan = (tuple(meta), tuple(speaker), "meta" in keys)
        self.plans[keys] = plan
        return plan

    def convert(self, number: int, row: dict[str, Any]) -> tuple[str, Utterance] | str:
        """The row's ``(conversation_id, Utterance)``, or the reason it is rejected."""
        get = row.get
        speaker = get("speaker")
        text = get("text")
        if type(speaker) is not str:
            if speaker is None or isinstance(speaker, (bool, dict, list)):
                return "missing 'speaker'" if speaker is None else "'speaker' must be text"
            speaker = str(speaker)
        speaker = speaker.strip()
        if not speaker:
            return "missing 'speaker'"
        if type(text) is not str:
            return "missing 'text'" if text is None else "'text' must be text"
        if not text or text.isspace():
            return "utterance has no text"
        keys = tuple(row)
        plan = self.plans.get(keys) or self.plan(keys)
        uid = get("id")
        uid = str(number) if uid is None or uid == "" else uid if type(uid) is str else str(uid)
        cid = get("conversation_id")
        cid = self.stem if cid is None or cid == "" else cid if type(cid) is str else str(cid)
        reply = get("reply_to")
        if reply is not None and type(reply) is not str:
            reply = str(reply)
        timestamp = get("timestamp")
        raw = get("start")
        keep = False
        end = get("end")
        try:
            if raw is None or raw == "":
                start = timestamp if type(timestamp) is float else seconds(timestamp, "timestamp")
            else:
                start = raw if type(raw) is float else seconds(raw, "start")
                if timestamp is not None and timestamp != "":
                    seconds(timestamp, "timestamp")
                    keep = True
            if end is not None and type(end) is not float:
                end = seconds(end, "end")
        except ValueError as error:
            return str(error)
        if (start is not None and not _INF < start < INF) or (
            end is not None and not _INF < end < INF
        ):
            try:  # NaN (a null in some writers) means absent; infinity is an error
                start, end = seconds(start, "start"), seconds(end, "end")
            except ValueError as error:
                return str(error)
        meta_keys, speaker_keys, nested = plan
        meta: Mapping[str, Any] = _EMPTY
        if meta_keys or nested or keep:
            meta = self.meta(row, meta_keys, nested, keep)
        if speaker_keys:
            self.speaker_meta(number, speaker, row, speaker_keys)
        return cid, _utterance(uid, speaker, text, start, end, reply or None, number, meta)

    def meta(
        self, row: dict[str, Any], keys: tuple[tuple[str, str], ...], nested: bool, keep: bool
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if nested and isinstance(row["meta"], dict):
            found.update((k, v) for k, v in row["meta"].items() if v is not None)
        for key, name in keys:
            value = row[key] if self.typed else cell(row[key])
            if value is not None:
                found[name] = value
        if keep:
            found["timestamp"] = row["timestamp"] if self.typed else cell(row["timestamp"])
        return found

    def speaker_meta(
        self, number: int, name: str, row: dict[str, Any], keys: tuple[tuple[str, str], ...]
    ) -> None:
        known = self.speakers.get(name)
        if known is None:
            known = self.speakers[name] = {}
        for key, field in keys:
            value = row[key] if self.typed else cell(row[key])
            if value is None:
                continue
            if field not in known:
                known[field] = value
                self.origin[name, field] = number
            elif known[field] != value:
                raise InputError(
                    self.path,
                    f"speaker {name!r} has speaker.{field} = {value!r} here but "
                    f"{known[field]!r} on line {self.origin[name, field]}; speaker metadata "
                    "must be the same on every row of a speaker.",
                    line=number,
                    code="PL124",
                    fix=f"correct speaker.{field} for {name!r}, or move the value to a "
                    f"meta.{field} column if it varies by utterance.",
                )


def _utterance_factory() -> Callable[..., Utterance]:
    """``Utterance(...)`` without the frozen-dataclass ``__init__``, for the bulk readers.

    A frozen dataclass sets each field through ``object.__setattr__``; setting the same slots
    through their descriptors builds an identical object in about half the time. Falls back
    to the class itself if the model's fields ever differ from the ones set here.
    """
    names = ("id", "speaker", "text", "start", "end", "reply_to", "line", "meta")
    if tuple(f.name for f in dataclasses.fields(Utterance)) != names:  # pragma: no cover
        return Utterance
    setters = [vars(Utterance)[name].__set__ for name in names]
    s0, s1, s2, s3, s4, s5, s6, s7 = setters
    new = object.__new__

    def make(
        id: str,
        speaker: str,
        text: str,
        start: float | None,
        end: float | None,
        reply_to: str | None,
        line: int | None,
        meta: Mapping[str, Any],
    ) -> Utterance:
        u = new(Utterance)
        s0(u, id)
        s1(u, speaker)
        s2(u, text)
        s3(u, start)
        s4(u, end)
        s5(u, reply_to)
        s6(u, line)
        s7(u, meta)
        return u

    return make


_utterance = _utterance_factory()


def seconds(value: Any, column: str = "timestamp") -> float | None:
    """Seconds from a number, a numeric string or (for ``timestamp``) an ISO 8601 date-time."""
    if value is None or value == "":
        return None
    kind = type(value)
    if kind is float or kind is int:
        number = float(value)
    elif kind is str:
        try:
            number = float(value)
        except ValueError:
            if column != "timestamp":
                raise ValueError(f"{column} {value!r} is not a number of seconds") from None
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(
                    f"timestamp {value!r} is neither seconds nor an ISO 8601 date-time"
                ) from None
            return _posix(moment)
    elif isinstance(value, datetime):
        return _posix(value)
    else:
        raise ValueError(f"{column} {value!r} is not a number of seconds")
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"{column} {value!r} is not a finite number of seconds")
    return number


def _posix(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def cell(text: Any) -> Any:
    """A CSV cell's value by its look: empty is None, then bool, int, float, JSON, text."""
    if type(text) is not str:
        return text
    if not text:
        return None
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if text[0] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


# --- Sources: (line number, row mapping | reason) ------------------------------------------


def text_encoding(path: Path, encoding: str | None = None) -> str | None:
    """Run the empty/binary/encoding checks on the file's start; the encoding for text mode,
    or None when the fast UTF-8 byte path applies (``InputError`` for an unreadable file)."""
    with path.open("rb") as handle:
        data = handle.read(65536)
        whole = not handle.read(1)
    wide = next((bom for bom in _BOMS_WIDE if data.startswith(bom)), None)
    if whole:
        textfile.decode(path, data, encoding)
    elif encoding is None and wide is None:
        cut = data.rfind(b"\n")
        textfile.decode(path, data[: cut + 1] if cut > 0 else data[:65000], "utf-8")
    if encoding is not None and codecs.lookup(encoding).name != "utf-8":
        return encoding
    if wide is not None:
        return "utf-32" if wide in _BOMS_WIDE[:2] else "utf-16"
    return None


def _blocks(handle: IO[Any], newline: Any) -> Iterator[list[Any]]:
    """Lists of lines read in chunks; a line longer than ``MAX_LINE_BYTES`` becomes None."""
    tail = newline[:0]
    skipping = False
    while True:
        chunk = handle.read(CHUNK_BYTES)
        if not chunk:
            break
        lines = (tail + chunk).split(newline)
        tail = lines.pop()
        if skipping and lines:
            lines[0] = None
            skipping = False
        if len(tail) > MAX_LINE_BYTES:
            tail = tail[:0]
            skipping = True
        if lines:
            yield lines
    if skipping:
        yield [None]
    elif tail:
        yield [tail]


def iter_json_lines(path: Path, encoding: str | None = None) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed object or reason)`` for each non-blank line of a JSONL file."""
    chosen = text_encoding(path, encoding)
    loads = _loads
    number = 0
    with path.open("rb") if chosen is None else path.open(encoding=chosen, newline="") as handle:
        newline = b"\n" if chosen is None else "\n"
        if chosen is None and handle.read(3) != codecs.BOM_UTF8:
            handle.seek(0)
        try:
            for lines in _blocks(handle, newline):
                for line in lines:
                    number += 1
                    if not line:
                        if line is None:
                            yield number, f"line is longer than {MAX_LINE_BYTES} bytes"
                        continue
                    try:
                        obj = loads(line)
                    except ValueError:
                        if line.isspace():
                            continue
                        yield number, _json_problem(path, number, line)
                        continue
                    if type(obj) is dict:
                        yield number, obj
                    else:
                        yield number, f"expected a JSON object, found {type(obj).__name__}"
        except UnicodeDecodeError as error:
            raise InputError(
                path,
                f"is not valid {chosen} ({error.reason}).",
                line=number + 1,
                code="PL103",
                fix="name the file's encoding with --encoding.",
            ) from None


def iter_json_range(
    path: Path, offset: int = 0, length: int = -1, line: int = 1
) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed object or reason)`` for the lines of a byte range of a JSONL file.

    The range starts at byte ``offset`` (where line number ``line`` starts) and is ``length``
    bytes long (-1: to the end); it must hold whole lines of UTF-8 (a byte-order mark is
    skipped at offset 0). Lines are read as ``json_lines`` reads them; a file shorter than the
    range raises ``InputError`` (it changed after the range was planned).
    """
    return json_lines(path, read_range(path, offset, length, line).split(b"\n"), line)


def json_lines(path: Path, lines: Iterable[bytes], line: int = 1) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed object or reason)`` for UTF-8 lines numbered from ``line``.

    Blank lines are skipped (but numbered), a line that is not JSON or not an object gives its
    reason, and invalid UTF-8 raises ``InputError``.
    """
    loads = _loads
    for number, raw in enumerate(lines, start=line):
        if not raw.strip():
            continue
        try:
            obj = loads(raw)
        except ValueError:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputError(
                    path,
                    f"is not valid UTF-8 (byte 0x{raw[error.start]:02x} at column "
                    f"{error.start + 1}).",
                    line=number,
                    code="PL103",
                    fix="re-save the file as UTF-8.",
                ) from None
            yield number, "not valid JSON"
            continue
        yield (
            number,
            obj if type(obj) is dict else f"expected a JSON object, found {type(obj).__name__}",
        )


def read_range(path: Path, offset: int = 0, length: int = -1, line: int = 1) -> bytes:
    """The bytes of a range of a JSONL file (see ``iter_json_range``), without a leading BOM."""
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read() if length < 0 else handle.read(length)
    if length >= 0 and len(data) < length:
        raise InputError(
            path,
            f"ended after {len(data)} of the {length} bytes planned for this part; "
            "the file changed during the run.",
            line=line,
            code="PL140",
            fix="rerun on a file that is not being written to.",
        )
    if offset == 0 and data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    return data


def _json_problem(path: Path, number: int, line: bytes | str) -> str:
    """The reason a line is not JSON; invalid UTF-8 is an error for the whole file."""
    if isinstance(line, bytes):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                path,
                f"is not valid UTF-8 (byte 0x{line[error.start]:02x} at column {error.start + 1}).",
                line=number,
                code="PL103",
                fix="re-save the file as UTF-8, or name its encoding with --encoding "
                "(e.g. cp1252).",
            ) from None
    try:
        json.loads(line)
    except ValueError as error:
        message = getattr(error, "msg", str(error))
        return f"not valid JSON ({message} at column {getattr(error, 'colno', '?')})"
    return "not valid JSON"


def _csv_rows(path: Path, encoding: str | None) -> Iterator[tuple[int, Any]]:
    """``(first line of the record, dict or reason)`` for each CSV record after the header."""
    chosen = text_encoding(path, encoding) or "utf-8-sig"
    with path.open(encoding=chosen, newline="") as handle:
        reader = csv.reader(handle)
        header: list[str] | None = None
        last = 0
        try:
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    yield last + 1, f"not valid CSV ({error})"
                    last = reader.line_num
                    continue
                number, last = last + 1, reader.line_num
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue
                if header is None:
                    header = _header(path, record, number)
                    width = len(header)
                    continue
                if len(record) != width:
                    yield number, f"row has {len(record)} fields; the header has {width}"
                    continue
                yield number, dict(zip(header, record, strict=True))
        except UnicodeDecodeError as error:
            raise InputError(
                path,
                f"is not valid {chosen} ({error.reason}).",
                line=last + 1,
                code="PL103",
                fix="re-save the file as UTF-8, or name its encoding with --encoding.",
            ) from None


def _header(path: Path, record: list[str], number: int) -> list[str]:
    names = [n.strip().lstrip("\ufeff") for n in record]
    names = [n.lower() if n.lower() in COLUMNS else n for n in names]
    _check_columns(path, names, line=number)
    return names


def _check_columns(path: Path, names: list[str], line: int | None = None) -> None:
    missing = [c for c in ("speaker", "text") if c not in names]
    duplicate = sorted({n for n in names if names.count(n) > 1})
    if missing or duplicate:
        problem = (
            f"missing column(s) {', '.join(missing)}"
            if missing
            else f"duplicate column(s) {', '.join(duplicate)}"
        )
        raise InputError(
            path,
            f"{problem}; found {', '.join(names) or 'none'}.",
            line=line,
            code="PL125",
            fix="name the columns id, conversation_id, speaker, text, timestamp, reply_to "
            "(speaker and text are required).",
        )


def _parquet_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """``(row number, dict)`` for each Parquet row, read a batch of columns at a time."""
    import pyarrow.parquet as pq
    from pyarrow.lib import ArrowException

    number = 0
    try:
        parquet = pq.ParquetFile(path)
        fields = parquet.schema_arrow
        names = list(fields.names)
        _check_columns(path, names)
        encoded = [
            i for i, f in enumerate(fields) if f.metadata and f.metadata.get(_JSON_FIELD) == b"1"
        ]
        for batch in parquet.iter_batches(batch_size=65536):
            columns = [column.to_pylist() for column in batch.columns]
            for i in encoded:
                columns[i] = [None if v is None else json.loads(v) for v in columns[i]]
            for values in zip(*columns, strict=True):
                number += 1
                yield number, dict(zip(names, values, strict=True))
    except InputError:
        raise
    except (OSError, ValueError, TypeError, NotImplementedError, ArrowException) as error:
        raise InputError(
            path,
            f"is not a readable Parquet file ({error}).",
            line=number + 1 if number else None,
            code="PL126",
            fix="check the file is complete (not truncated) and was written as Parquet.",
        ) from None


# --- Writing -----------------------------------------------------------------------------


def write(
    conversations: Iterable[Conversation], path: str | Path, *, format: str | None = None
) -> Path:
    """Write conversations as interchange JSONL, CSV or Parquet (chosen by ``path``'s suffix)."""
    path = Path(path)
    fmt = format or EXTENSIONS.get(path.suffix.lower())
    if fmt not in FORMATS:
        raise UsageError(
            f"cannot tell which interchange format to write for {path.name!r}.",
            fix="end the file name with .jsonl, .csv or .parquet, or pass format=.",
        )
    rows, columns = _table(list(conversations))
    if fmt == "jsonl":
        with path.open("wb") as handle:
            for row in rows:
                handle.write(_dumps({k: v for k, v in row.items() if v is not None}) + b"\n")
    elif fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_csv_value(row.get(c)) for c in columns])
    else:
        _write_parquet(rows, columns, path)
    return path


def _dumps(row: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(row, default=str)
    except NameError:  # pragma: no cover - without orjson
        return json.dumps(row, ensure_ascii=False, default=str).encode("utf-8")


def _table(conversations: list[Conversation]) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows as dicts, and the column names in order."""
    speaker_meta: dict[str, Mapping[str, Any]] = {}
    for conversation in conversations:
        for name, speaker in conversation.speakers.items():
            if speaker.meta and speaker_meta.setdefault(name, speaker.meta) != speaker.meta:
                raise UsageError(
                    f"speaker {name!r} has different metadata in different conversations; the "
                    "interchange format keeps one set per speaker.",
                    fix="rename one of the speakers, or make their metadata agree.",
                )
    rows: list[dict[str, Any]] = []
    extra: dict[str, None] = {}
    for conversation in conversations:
        for u in conversation.utterances:
            row: dict[str, Any] = {
                "id": u.id,
                "conversation_id": conversation.id,
                "speaker": u.speaker,
                "text": u.text,
                "start": u.start,
                "end": u.end,
                "reply_to": u.reply_to,
            }
            for key, value in u.meta.items():
                row[f"meta.{key}"] = value
            for key, value in speaker_meta.get(u.speaker, _EMPTY).items():
                row[f"speaker.{key}"] = value
            extra.update(dict.fromkeys(k for k in row if k not in COLUMNS))
            rows.append(row)
    base = [
        c
        for c in ("id", "conversation_id", "speaker", "text", "start", "end", "reply_to")
        if c in ("id", "conversation_id", "speaker", "text") or any(r[c] is not None for r in rows)
    ]
    return rows, base + list(extra)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _write_parquet(rows: list[dict[str, Any]], columns: list[str], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = []
    arrays = []
    for name in columns:
        values = [row.get(name) for row in rows]
        kinds = {type(v) for v in values if v is not None}
        metadata = None
        if name in ("start", "end"):
            kind = pa.float64()
        elif name in COLUMNS or kinds <= {str}:
            kind = pa.string()
        elif kinds == {bool}:
            kind = pa.bool_()
        elif kinds == {int} and all(-(2**63) <= v < 2**63 for v in values if v is not None):
            kind = pa.int64()
        elif kinds == {float}:
            kind = pa.float64()
        else:
            kind, metadata = pa.string(), {_JSON_FIELD: b"1"}
            values = [None if v is None else json.dumps(v, default=str) for v in values]
        fields.append(pa.field(name, kind, metadata=metadata))
        arrays.append(pa.array(values, type=kind))
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), path)


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "RowConverter",
    "RowItem",
    "builder",
    "convert_rows",
    "iter_conversations",
    "iter_json_lines",
    "iter_json_range",
    "iter_rows",
    "json_lines",
    "read_range",
    "text_encoding",
    "read",
    "sniff",
    "write",
]
