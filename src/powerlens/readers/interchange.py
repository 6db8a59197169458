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

This module is the reader (format detection, the JSONL/CSV/Parquet row sources, the entry
points) and the writer. The work is shared with the other readers and the corpus engine:
``powerlens.readers.jsonlines`` reads JSONL lines and byte ranges, ``powerlens.readers.rows``
turns rows into utterances, ``powerlens.readers.groups`` groups them into conversations; the
names they export that callers of this reader use are re-exported here.

Known limits: CSV has no types, so a CSV metadata value is typed by its look (``true`` is a
boolean, ``12`` an integer); an empty or null value means "absent" in every format; naive ISO
8601 timestamps are taken as UTC; conversation-level metadata has no column and is not
written.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from powerlens.errors import InputError, UsageError
from powerlens.model import Conversation, Rejection
from powerlens.readers import budgets, textfile
from powerlens.readers.about import About
from powerlens.readers.groups import Build, builder, group_all, stream_groups
from powerlens.readers.jsondoc import loads_small
from powerlens.readers.jsonlines import (
    MAX_LINE_BYTES,
    iter_json_lines,
    iter_json_range,
    json_lines,
    read_range,
    text_encoding,
)
from powerlens.readers.rows import COLUMNS, RowConverter, RowItem, cell, convert_rows, seconds

with contextlib.suppress(ImportError):  # orjson is a dependency; _dumps falls back to json
    import orjson

FORMATS = ("jsonl", "csv", "parquet")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
ABOUT = {
    "jsonl": About(
        reads="powerlens's interchange format: one utterance per line (docs/formats.md)",
        expects="a .jsonl or .ndjson file (streamed, any size)",
        recognised="the extension, or a first line that is a JSON object with speaker and text",
        example='{"conversation_id": "c1", "speaker": "Ann", "text": "Shall we?", '
        '"timestamp": 1709287200}',
    ),
    "csv": About(
        reads="the interchange format as a table (spreadsheets, pandas)",
        expects="a .csv file with a header row",
        recognised="the extension, or a header row naming speaker and text",
        example="id,conversation_id,speaker,text / 1,c1,Ann,Shall we?",
    ),
    "parquet": About(
        reads="the interchange format as Parquet (Arrow, DuckDB, pandas)",
        expects="a .parquet file",
        recognised="the extension, or the PAR1 magic bytes",
        example="columns speaker, text (required), id, conversation_id, timestamp, reply_to",
    ),
}

_EMPTY: Mapping[str, Any] = MappingProxyType({})
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
            row = loads_small(first)
        except ValueError:
            row = {k: 1 for k in re.findall(r'"(speaker|text)"\s*:', first)}
        return "jsonl" if isinstance(row, dict) and {"speaker", "text"} <= row.keys() else None
    try:
        header = {name.strip().lower() for name in next(csv.reader([first]), [])}
    except csv.Error:  # a stray carriage return or NUL: not a header row
        return None
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
            fix="name the format with --input-format jsonl|csv|parquet.",
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
    counts = Counter(names)
    duplicate = sorted(n for n, k in counts.items() if k > 1)
    if missing or duplicate:
        problem = (
            f"missing column(s) {', '.join(missing)}"
            if missing
            else f"duplicate column(s) {', '.join(duplicate)}"
        )
        raise InputError(
            path,
            f"{problem}; found {_listed(names)}.",
            line=line,
            code="PL125",
            fix="name the columns id, conversation_id, speaker, text, timestamp, reply_to "
            "(speaker and text are required).",
        )


def _listed(names: list[str], most: int = 12) -> str:
    """Column names for a message: at most ``most``, each cut short."""
    shown = [n if len(n) <= 40 else n[:39] + "…" for n in names[:most]]
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return (", ".join(shown) or "none") + more


def _parquet_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """``(row number, dict)`` for each Parquet row, read a batch of columns at a time.

    Budgets first (``powerlens.readers.budgets``): the row count and the uncompressed size
    from the file's footer, before any data page is read; then, batch by batch, the size the
    text columns take once decoded, measured on their dictionaries before a single string is
    built, so that a small file whose strings repeat cannot expand past ``decompressed-mb``.
    """
    from pyarrow.lib import ArrowException

    number = 0
    try:
        parquet = _open_parquet(path)
        fields = parquet.schema_arrow
        names = list(fields.names)
        _check_columns(path, names)
        encoded = [
            i for i, f in enumerate(fields) if f.metadata and f.metadata.get(_JSON_FIELD) == b"1"
        ]
        expanded = 0
        for batch in parquet.iter_batches(batch_size=4096):
            expanded += _decoded_size(batch)
            if budgets.over("decompressed-mb", expanded):
                raise budgets.refuse(
                    path, "decompressed-mb", "the text decoded from this Parquet file", expanded,
                    code="PL108", line=number + 1,
                )
            columns = [column.to_pylist() for column in batch.columns]
            for i in encoded:
                columns[i] = [None if v is None else _json_cell(v) for v in columns[i]]
            for values in zip(*columns, strict=True):
                number += 1
                yield number, dict(zip(names, values, strict=True))
    except InputError:
        raise
    except (OSError, ValueError, TypeError, NotImplementedError, ArrowException) as error:
        raise InputError(
            path,
            f"is not a readable Parquet file ({_first_line(error)}).",
            line=number + 1 if number else None,
            code="PL126",
            fix="check the file is complete (not truncated) and was written as Parquet.",
        ) from None


def _first_line(error: Exception, limit: int = 200) -> str:
    """The first line of a library's error, cut short: Arrow's messages can carry allocator
    dumps and source locations that mean nothing to the person reading ours."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    first = lines[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _open_parquet(path: Path) -> Any:
    """The Parquet file, its text columns read as dictionaries, after the footer's budgets."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    footer = pq.ParquetFile(path).metadata
    if budgets.over("rows", footer.num_rows):
        raise budgets.refuse(path, "rows", "the row count", footer.num_rows, code="PL109")
    size = sum(footer.row_group(i).total_byte_size for i in range(footer.num_row_groups))
    if budgets.over("decompressed-mb", size):
        raise budgets.refuse(
            path, "decompressed-mb", "the uncompressed size in the file's footer", size,
            code="PL108",
        )
    schema = footer.schema.to_arrow_schema()
    text = [
        f.name for f in schema
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
        or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)
    ]
    return pq.ParquetFile(path, read_dictionary=text)


def _decoded_size(batch: Any) -> int:
    """Bytes the batch's columns take once decoded (dictionary columns expanded)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for column in batch.columns:
        if pa.types.is_dictionary(column.type) and len(column):
            lengths = pc.binary_length(column.dictionary)
            taken = pc.sum(pc.take(lengths, column.indices)).as_py()
            total += int(taken or 0)
        else:
            total += column.nbytes
    return total


def _json_cell(value: str) -> Any:
    """A JSON-encoded metadata cell; text that is not JSON, or nests too deep, stays text."""
    try:
        return loads_small(value)
    except ValueError:
        return value


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
    "COLUMNS",
    "EXTENSIONS",
    "FORMATS",
    "MAX_LINE_BYTES",
    "Build",
    "RowConverter",
    "RowItem",
    "builder",
    "cell",
    "convert_rows",
    "group_all",
    "iter_conversations",
    "iter_json_lines",
    "iter_json_range",
    "iter_rows",
    "json_lines",
    "read",
    "read_range",
    "seconds",
    "sniff",
    "stream_groups",
    "text_encoding",
    "write",
]
