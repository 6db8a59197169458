"""JSON Lines at the byte level: encodings, line limits, byte ranges, one parsed row per line.

The interchange reader (``powerlens.readers.interchange``), the ConvoKit reader and the corpus
engine's partitions all read JSONL through these functions, so that a line is checked,
numbered and rejected the same way whichever of them reads it. Each gives
``(line number, parsed object or reason)`` pairs; turning the objects into utterances is
``powerlens.readers.rows``'s job.

UTF-8 files are split into lines as bytes and parsed with orjson (the standard ``json``
module when orjson is missing), which is most of the reading time of a large file; other
encodings (a UTF-16/32 byte-order mark, or one named with ``--encoding``) are read as text.

Budgets (``powerlens.readers.budgets``): a line longer than ``line-mb`` is rejected without
being held in memory; a line nested deeper than ``depth`` is rejected before it is parsed
(never a ``RecursionError``). Known limits: a byte range
(``iter_json_range``, ``read_range``) must hold whole lines of UTF-8.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from powerlens.errors import InputError
from powerlens.readers import budgets, textfile
from powerlens.readers.jsondoc import depth_reason, too_deep

try:
    import orjson

    _loads: Callable[[bytes | str], Any] = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency; json is the fallback
    _loads = json.loads

MAX_LINE_BYTES = budgets.DEFAULTS.line_bytes
"""The default ``line-mb`` budget: a longer JSONL line is rejected without being held."""
CHUNK_BYTES = 2**20

_BOMS_WIDE = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


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
    """Lists of lines read in chunks; a line longer than ``line-mb`` becomes None."""
    limit = budgets.current().line_bytes
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
        if len(tail) > limit:
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
                            yield number, _long_line()
                        continue
                    deep = too_deep(line)
                    if deep is not None:
                        yield number, depth_reason(deep[0])
                        continue
                    try:
                        obj = loads(line)
                    except ValueError as error:
                        if line.isspace():
                            continue
                        yield number, _json_problem(path, number, line, error)
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
        deep = too_deep(raw)
        if deep is not None:
            yield number, depth_reason(deep[0])
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


def _long_line() -> str:
    return (
        f"line is longer than {budgets.current().line_bytes} bytes (line-mb); "
        + budgets.raise_with("line-mb")
    )


def _json_problem(path: Path, number: int, line: bytes | str, error: ValueError) -> str:
    """The reason a line is not JSON; invalid UTF-8 is an error for the whole file."""
    if isinstance(line, bytes):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise InputError(
                path,
                f"is not valid UTF-8 (byte 0x{line[bad.start]:02x} at column {bad.start + 1}).",
                line=number,
                code="PL103",
                fix="re-save the file as UTF-8, or name its encoding with --encoding "
                "(e.g. cp1252).",
            ) from None
    message = getattr(error, "msg", None)
    column = getattr(error, "colno", None)
    if message and column:
        return f"not valid JSON ({message} at column {column})"
    return "not valid JSON"


__all__ = [
    "CHUNK_BYTES",
    "MAX_LINE_BYTES",
    "iter_json_lines",
    "iter_json_range",
    "json_lines",
    "read_range",
    "text_encoding",
]
