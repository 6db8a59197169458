"""Coordination of a whole corpus, streamed in batches and counted in bulk.

``coordination_of(path, matcher)`` is what ``powerlens corpus coordination`` counts with: a
ConvoKit folder or interchange file is read as ``powerlens.corpus.columns`` reads a partition,
in batches of whole conversations (a ConvoKit ``utterances.jsonl`` in blocks of lines; an
interchange file row by row through its reader), each batch is tagged and counted at once
(``measures.accommodation.coordinate``, "Echoes of power", Danescu-Niculescu-Mizil et al.
2012) and the batches' counts are merged as a balanced tree. The counts equal
``coordination_counts(load(path))``.

Known limits: data that ``load`` groups in memory (rows without a conversation id,
conversations that are not contiguous, UTF-16/32 files, lines over the reader's length
limit) is not streamed: ``coordination_of`` gives None and the caller loads it whole.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powerlens.corpus.columns import (
    BATCH_ROWS,
    ConvokitColumns,
    PartitionColumns,
    record,
    speaker_meta,
)
from powerlens.corpus.convokit_arrow import ArrowBatch, Atypical, arrow_batches
from powerlens.errors import InputError
from powerlens.measures import fold
from powerlens.measures.accommodation import (
    CoordinationCounts,
    MarkerMatcher,
    combine_counts,
)
from powerlens.measures.coordination_columns import (
    ArrowColumns,
    arrow_columns,
    count_exchanges,
    empty_counts,
)
from powerlens.model import Rejection, Utterance
from powerlens.readers import convokit, interchange, reader_for
from powerlens.readers.interchange import stream_groups

BLOCK_BYTES = 2 * 2**20
"""Bytes of ``utterances.jsonl`` parsed at a time."""


@dataclass
class CorpusCoordination:
    """Pair counts of a whole corpus, its speakers' metadata and whether it has reply links."""

    counts: CoordinationCounts
    meta: dict[str, dict[str, Any]]
    linked: bool


def coordination_of(
    path: Path, matcher: MarkerMatcher, *, reply_to_previous: bool = False
) -> CorpusCoordination | None:
    """Coordination counts of a ConvoKit folder or interchange file, read in batches of whole
    conversations and counted in bulk: the counts ``coordination_counts(load(path))`` gives.
    None for other formats, and for data that ``load`` must group in memory (rows without a
    conversation id, conversations that are not contiguous)."""
    module, fmt = reader_for(path, None)
    if module is convokit:
        if interchange.text_encoding(path / "utterances.jsonl") is not None:  # UTF-16/32
            return None
        try:
            return _counted(arrow_batches(path, speaker_meta(path)), matcher, reply_to_previous)
        except Atypical:  # a row the row reader must handle or report
            batches = _stream_convokit(path)
    elif module is interchange:
        batches = _stream_interchange(path, fmt)
    else:
        return None
    try:
        return _counted(batches, matcher, reply_to_previous)
    except _NeedsLoad:
        return None


def _counted(
    batches: Iterator[PartitionColumns] | Iterator[ArrowBatch],
    matcher: MarkerMatcher,
    reply_to_previous: bool,
) -> CorpusCoordination:
    """The batches' pair counts merged, their speakers' metadata, whether any has a link."""
    meta: dict[str, dict[str, Any]] = {}
    linked = False

    def counted() -> Iterator[CoordinationCounts]:
        nonlocal linked
        for batch in batches:
            columns = (
                batch.columns
                if isinstance(batch.columns, ArrowColumns)
                else arrow_columns(batch.columns)
            )
            linked = linked or columns.reply_to.null_count < len(columns)
            yield count_exchanges(columns, matcher, reply_to_previous=reply_to_previous)
            meta.update(batch.meta)

    counts = fold(_Counts(), counted()) or empty_counts(matcher.names)  # type: ignore[arg-type]
    return CorpusCoordination(counts, meta, linked)


class _Counts:
    """``combine_counts`` in the shape ``powerlens.measures.fold`` merges (a balanced tree)."""

    def combine(self, a: CoordinationCounts, b: CoordinationCounts) -> CoordinationCounts:
        return combine_counts(a, b)


class _NeedsLoad(Exception):
    """The data must be read by ``powerlens.readers.load`` (grouped in memory)."""


def _stream_convokit(folder: Path) -> Iterator[PartitionColumns]:
    source = folder / "utterances.jsonl"
    reader = ConvokitColumns(folder, speaker_meta(folder))
    number = 1
    tail = b""
    with source.open("rb") as handle:
        if handle.read(3) != codecs.BOM_UTF8:
            handle.seek(0)
        while chunk := handle.read(BLOCK_BYTES):
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            if len(tail) > interchange.MAX_LINE_BYTES or (
                lines and max(map(len, lines)) > interchange.MAX_LINE_BYTES
            ):
                raise _NeedsLoad  # the reader rejects such lines unread
            reader.feed(source, lines, number)
            number += len(lines)
            if reader.broken:
                raise _NeedsLoad
            if len(reader.found.columns) >= BATCH_ROWS:
                yield reader.cut()
    reader.feed(source, [tail], number)
    if reader.broken or not reader.found.columns.ids:
        raise _NeedsLoad  # no utterance at all: load says why
    yield reader.finish()


def _stream_interchange(path: Path, fmt: str | None) -> Iterator[PartitionColumns]:
    speakers: dict[str, dict[str, Any]] = {}
    batch = PartitionColumns()
    full: list[PartitionColumns] = []

    def build(cid: str, utterances: list[Utterance], rejected: list[Rejection]) -> None:
        nonlocal batch
        record(batch, cid, utterances, rejected, str(path), {})
        if len(batch.columns) >= BATCH_ROWS:
            full.append(batch)
            batch = PartitionColumns()

    rows = interchange.iter_rows(path, format=fmt, speakers=speakers)
    try:
        for _ in stream_groups(path, rows, build):  # type: ignore[arg-type]
            while full:
                yield full.pop(0)
    except InputError as error:
        if error.code == "PL123":  # not contiguous: load groups the rows in memory
            raise _NeedsLoad from None
        raise
    yield from full
    batch.meta = {name: dict(fields) for name, fields in speakers.items()}
    yield batch  # the speaker metadata of the whole file, as load gives it
