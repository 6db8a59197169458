"""Partitions: a corpus cut into pieces a worker can read on its own, by conversation.

A partition is a whole file, or a run of whole conversations of a big JSONL file (interchange
JSONL, or a ConvoKit corpus's ``utterances.jsonl``) given as a byte offset, a byte length and
the line number it starts at, so a worker reads just its part. A conversation never splits:
a chunk closes at the first change of conversation id after ``rows`` lines.

Known limits: CSV and Parquet files, and transcript files in other formats, are one
partition each (CSV records may span lines and Parquet row groups need not follow
conversations). A JSONL file whose conversations are not contiguous is one partition read
by grouping in memory. Chunked JSONL must be UTF-8 (the reader's default); a UTF-16 or
UTF-32 file (with its BOM) is read whole.
"""

from __future__ import annotations

import codecs
import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powerlens.corpus.jsonl_lines import conversation_changes
from powerlens.errors import InputError
from powerlens.model import Conversation
from powerlens.readers import convokit, interchange, load
from powerlens.readers.interchange import stream_groups

JSONL = frozenset({".jsonl", ".ndjson"})
TABULAR = frozenset({".csv", ".parquet"})
DEFAULT_ROWS = 50_000
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Partition:
    """One piece of the corpus: ``kind`` says how to read ``path`` (see ``conversations``)."""

    index: int
    path: str
    kind: str
    """``jsonl`` or ``convokit`` (a byte range), ``stream`` (a whole interchange file,
    streamed), ``grouped`` (a whole interchange file, grouped in memory) or ``file`` (any
    format ``powerlens.readers.load`` reads)."""
    offset: int = 0
    length: int = -1
    line: int = 1
    rows: int = 0
    size: int = 0
    """Bytes this partition covers, for the progress bar."""

    @property
    def key(self) -> str:
        """The partition's name in the output folder."""
        return f"{self.index:06d}"

    def describe(self) -> dict[str, Any]:
        """The partition as JSON for the manifest."""
        return {
            "key": self.key,
            "path": self.path,
            "kind": self.kind,
            "offset": self.offset,
            "length": self.length,
            "line": self.line,
            "rows": self.rows,
        }


def inputs(data: str | Path) -> list[Path]:
    """The files or ConvoKit folders named by ``data``: a file, a folder or a glob pattern."""
    text = str(data)
    if any(ch in text for ch in "*?["):
        found = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
        paths = [p for p in found if p.is_file() or convokit.sniff(p, None)]
    else:
        path = Path(text)
        if not path.exists():
            raise InputError(path, "no such file or folder.", code="PL106")
        if path.is_file() or convokit.sniff(path, None):
            paths = [path]
        else:
            paths = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
    if not paths:
        raise InputError(text, "matches no files.", code="PL106", fix="check the path or glob")
    return paths


def plan(paths: list[Path], rows: int = DEFAULT_ROWS) -> list[Partition]:
    """Partitions of every input, in input order (each JSONL file is scanned once)."""
    found: list[Partition] = []
    for path in paths:
        for part in _partitions_of(path, rows):
            found.append(
                Partition(
                    len(found),
                    part.path,
                    part.kind,
                    part.offset,
                    part.length,
                    part.line,
                    part.rows,
                    part.size,
                )
            )
    return found


def _partitions_of(path: Path, rows: int) -> list[Partition]:
    if path.is_dir():
        return _jsonl_chunks(path / "utterances.jsonl", rows, "convokit", str(path))
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix in JSONL:
        with path.open("rb") as handle:
            start = handle.read(4)
        if not start.startswith(_WIDE_BOMS):
            return _jsonl_chunks(path, rows, "jsonl", str(path))
        return [Partition(0, str(path), "stream", size=size)]
    if suffix in TABULAR:
        return [Partition(0, str(path), "stream", size=size)]
    return [Partition(0, str(path), "file", size=size)]


def _jsonl_chunks(path: Path, rows: int, kind: str, name: str) -> list[Partition]:
    """Byte ranges of ``rows`` or more lines that end where the conversation id changes."""
    chunks: list[Partition] = []
    seen: set[str] = set()
    current: str | None = None
    start_offset, start_line = 0, 1
    number, offset = 1, 0
    for number, offset, cid in conversation_changes(path, kind):
        if cid is not None and cid != current:
            if cid in seen:
                size = path.stat().st_size
                return [Partition(0, name, "grouped" if kind == "jsonl" else "file", size=size)]
            if number - start_line >= rows:
                chunks.append(
                    _chunk(name, kind, start_offset, offset, start_line, number - start_line)
                )
                start_offset, start_line = offset, number
            seen.add(cid)
            current = cid
    if offset == 0:
        return [Partition(0, name, "stream" if kind == "jsonl" else "file")]
    if number > start_line:
        chunks.append(_chunk(name, kind, start_offset, offset, start_line, number - start_line))
    return chunks


def _chunk(name: str, kind: str, start: int, end: int, line: int, count: int) -> Partition:
    return Partition(0, name, kind, start, end - start, line, count, end - start)


# --- reading one partition ------------------------------------------------------------------


def conversations(part: Partition) -> Iterator[Conversation]:
    """Stream the conversations of one partition (raises ``InputError`` if it is unreadable)."""
    path = Path(part.path)
    if part.kind == "jsonl":
        speakers: dict[str, dict[str, Any]] = {}
        lines = interchange.iter_json_range(path, part.offset, part.length, part.line)
        rows = interchange.convert_rows(path, lines, speakers=speakers)
        yield from stream_groups(path, rows, interchange.builder(path, speakers))
    elif part.kind == "convokit":
        source = path / "utterances.jsonl"
        lines = interchange.iter_json_range(source, part.offset, part.length, part.line)
        rows = convokit.convert_rows(path, lines)
        yield from stream_groups(source, rows, convokit.conversation_builder(path))
    elif part.kind == "stream":
        yield from interchange.iter_conversations(path)
    elif part.kind == "grouped":
        yield from interchange.read(path)
    else:
        yield from load(path)


def fingerprint(paths: list[Path]) -> list[dict[str, Any]]:
    """Each input's path, size and modification time (a ConvoKit folder lists its files)."""
    out: list[dict[str, Any]] = []
    for path in paths:
        files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for file in files:
            stat = file.stat()
            out.append(
                {"path": os.fspath(file), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
            )
    return out
