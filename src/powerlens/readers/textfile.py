"""Shared, careful loading of text files for the readers.

Every text reader goes through ``read_lines`` so that empty, binary, oversized and
wrongly-encoded files fail the same way: an ``InputError`` naming the file, the line and a fix.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from powerlens.errors import InputError
from powerlens.readers import budgets

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
"""Byte-order marks of the UTF-16 and UTF-32 encodings (a file starting with one is text)."""


def check_size(path: Path, max_bytes: int | None = None) -> None:
    """Refuse a file read whole when it is over ``max_bytes`` (default: the ``input-mb``
    budget), before reading it."""
    limit = budgets.current().input_bytes if max_bytes is None else max_bytes
    size = path.stat().st_size
    if size > limit:
        raise InputError(
            path,
            f"file is {size / 2**20:,.1f} MiB; files read whole are limited to "
            f"{limit / 2**20:,.1f} MiB (input-mb).",
            code="PL104",
            fix=budgets.raise_with("input-mb", size / 2**20)
            + " Or convert it to the JSONL interchange format, which is streamed.",
        )


def check_bytes(path: Path, data: bytes) -> None:
    """Empty (PL101) and binary (PL102) content, told apart before any format is guessed."""
    if not data.strip():
        raise InputError(path, "file is empty; expected a conversation.", line=1, code="PL101")
    if b"\x00" in data[:8192] and not data.startswith(WIDE_BOMS):
        raise InputError(
            path,
            "looks like a binary file (it contains NUL bytes); expected text.",
            line=data.count(b"\n", 0, data.index(b"\x00")) + 1,
            code="PL102",
            fix="pass a text export of the conversation (a .zip is read as an archive).",
        )


def decode(path: Path, data: bytes, encoding: str | None = None) -> str:
    """Decode ``data``; BOMs are honoured, binary and undecodable bytes are errors."""
    if not data.strip():
        raise InputError(path, "file is empty; expected a conversation.", line=1, code="PL101")
    chosen = encoding
    if chosen is None:
        chosen = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if chosen == "utf-8":
        check_bytes(path, data)
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError(
            path,
            f"is not valid {chosen} (byte 0x{data[error.start]:02x} at column {column}).",
            line=line,
            code="PL103",
            fix="re-save the file as UTF-8, or name its encoding with --encoding (e.g. cp1252).",
        ) from None
    except LookupError:
        raise InputError(path, f"unknown encoding {encoding!r}.", code="PL103") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(path, "contains NUL characters; expected text.", line=line, code="PL102")
    return text.lstrip("\ufeff")


def read_text(path: Path, encoding: str | None = None, max_bytes: int | None = None) -> str:
    """The whole file as text, after the size, binary and encoding checks."""
    check_size(path, max_bytes)
    return decode(path, path.read_bytes(), encoding)


def read_lines(path: Path, encoding: str | None = None, max_bytes: int | None = None) -> list[str]:
    """The file's lines without line endings (``\\n``, ``\\r\\n`` or ``\\r``)."""
    text = read_text(path, encoding, max_bytes)
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def head(path: Path, size: int = 65536) -> str:
    """The first ``size`` bytes, decoded leniently, for sniffing a file's format."""
    with path.open("rb") as handle:
        data = handle.read(size)
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace").lstrip("\ufeff")
    return data.decode("utf-8", errors="replace")
