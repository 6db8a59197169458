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
from powerlens.corpus.interchange_arrow import interchange_batches
from powerlens.errors import InputError, MissingRequirementError, UsageError
from powerlens.measures.accommodation import (
    NO_TURNS,
    UNIT_SEP,
    CoordinationCounts,
    MarkerMatcher,
    Thresholds,
    Turns,
    compare_groups,
    coordination_counts,
    group_label,
    speaker_groups,
)
from powerlens.measures.accommodation.columns import (
    ArrowColumns,
    PairTally,
    arrow_columns,
)
from powerlens.model import Rejection, Utterance
from powerlens.readers import convokit, interchange, load, reader_for
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
    path: Path,
    matcher: MarkerMatcher,
    *,
    reply_to_previous: bool = False,
    turns: Turns = NO_TURNS,
    speaker_fields: tuple[str, ...] = (),
) -> CorpusCoordination | None:
    """Coordination counts of a ConvoKit folder or interchange file, read in batches of whole
    conversations and counted in bulk: the counts ``coordination_counts(load(path), turns=
    turns)`` gives. None for other formats, and for data that ``load`` must group in memory
    (rows without a conversation id, conversations that are not contiguous).

    A ConvoKit folder's or interchange JSONL file's typical rows are parsed by Arrow
    (``convokit_arrow``, ``interchange_arrow``); for an interchange file the speaker metadata
    then holds the ``speaker_fields`` named (all of it otherwise)."""
    module, fmt = reader_for(path, None)
    if module is convokit:
        if interchange.text_encoding(path / "utterances.jsonl") is not None:  # UTF-16/32
            return None
        try:
            if turns.rows:
                raise Atypical  # the Arrow reader takes no utterance metadata
            batches_a = arrow_batches(path, speaker_meta(path))
            return _counted(batches_a, matcher, reply_to_previous, turns)
        except Atypical:  # a row the row reader must handle or report
            batches = _stream_convokit(path, turns)
    elif module is interchange:
        if fmt == "jsonl" and not turns.rows and interchange.text_encoding(path) is None:
            try:
                batches_a = interchange_batches(path, speaker_fields)
                return _counted(batches_a, matcher, reply_to_previous, turns)
            except Atypical:  # a row the row reader must handle, reject or report
                pass
        batches = _stream_interchange(path, fmt, turns)
    else:
        return None
    try:
        return _counted(batches, matcher, reply_to_previous, turns)
    except _NeedsLoad:
        return None


def _counted(
    batches: Iterator[PartitionColumns] | Iterator[ArrowBatch],
    matcher: MarkerMatcher,
    reply_to_previous: bool,
    turns: Turns,
) -> CorpusCoordination:
    """The batches' pair counts merged, their speakers' metadata, whether any has a link."""
    meta: dict[str, dict[str, Any]] = {}
    linked = False

    tally = PairTally(matcher.names)
    for batch in batches:
        columns = batch.columns
        if not isinstance(columns, ArrowColumns):
            columns = arrow_columns(columns)
        linked = linked or columns.reply_to.null_count < len(columns)
        tally.add(columns, matcher, reply_to_previous, turns)
        meta.update(batch.meta)
    return CorpusCoordination(tally.counts(), meta, linked)


class _NeedsLoad(Exception):
    """The data must be read by ``powerlens.readers.load`` (grouped in memory)."""


def _stream_convokit(folder: Path, turns: Turns) -> Iterator[PartitionColumns]:
    source = folder / "utterances.jsonl"
    reader = ConvokitColumns(folder, speaker_meta(folder), turns)
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


def _stream_interchange(path: Path, fmt: str | None, turns: Turns) -> Iterator[PartitionColumns]:
    speakers: dict[str, dict[str, Any]] = {}
    batch = PartitionColumns()
    full: list[PartitionColumns] = []

    def build(cid: str, utterances: list[Utterance], rejected: list[Rejection]) -> None:
        nonlocal batch
        record(batch, cid, utterances, rejected, str(path), speakers, turns)
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


NO_REPLY_LINKS = (
    "coordination needs reply_to; this file has none — pass --reply-to previous to treat each "
    "turn as a reply to the one before"
)


def coordination_report(
    data: Path,
    group_field: str,
    *,
    markers: Path | None = None,
    reply_to_previous: bool = False,
    min_exchanges: int = 0,
    seed: int = 0,
    bootstrap: int = 1000,
    permutations: int = 1000,
    turns: Turns = NO_TURNS,
    target_threshold: int = Thresholds.target,
) -> dict[str, Any]:
    """Read ``data`` and compare coordination between the groups of ``group_field``: what
    ``powerlens corpus coordination`` prints.

    ``turns`` says what a turn, an exchange and a unit are (``powerlens.measures.
    coordination_turns``); ``target_threshold`` is ConvoKit's ``target_thresh``. A ConvoKit
    folder or interchange file is streamed in batches and counted in bulk
    (``powerlens.corpus.coordination.coordination_of``); other data, and data whose rows must
    be grouped in memory, is loaded whole. Both give the same counts.
    """
    previous = reply_to_previous
    if target_threshold < 1:
        raise UsageError("--target-threshold must be at least 1.")
    matcher = MarkerMatcher(markers)
    path = Path(data)
    streamed = (
        coordination_of(
            path,
            matcher,
            reply_to_previous=previous,
            turns=turns,
            speaker_fields=(group_field,),
        )
        if path.exists()
        else None
    )
    if streamed is None:
        conversations = load(data)
        linked = any(c.has_reply_links() for c in conversations)
        groups = speaker_groups(conversations, group_field) if linked or previous else {}
    else:
        linked = streamed.linked
        key = group_field.removeprefix("speaker.")
        groups = {
            name: group_label(meta[key])
            for name, meta in streamed.meta.items()
            if meta.get(key) not in (None, "")
        }
    if not previous and not linked:
        raise MissingRequirementError(NO_REPLY_LINKS)
    if not groups:
        raise UsageError(
            f"no speaker in {data} has the field {group_field!r}.",
            fix="name a speaker metadata field (a speaker.<field> column in interchange files)",
        )
    counts = (
        streamed.counts
        if streamed is not None
        else coordination_counts(
            conversations, markers=matcher, reply_to_previous=previous, turns=turns
        )
    )
    if turns.unit != "speaker" and not any(UNIT_SEP in name for name in counts.speakers):
        raise UsageError(
            f"no utterance in {data} has a value for --unit {turns.unit}.",
            fix="name an utterance field (meta.<field>), a speaker field (speaker.<field>), "
            "speaker or speaker-per-conversation",
        )
    result = compare_groups(
        counts,
        groups,
        thresholds=Thresholds(target=target_threshold, exchanges=min_exchanges),
        n_bootstrap=bootstrap,
        n_permutations=permutations,
        seed=seed,
    )
    result["group_field"] = group_field
    result["markers_source"] = matcher.markers.source
    result["turns"] = {"reply_to": "previous" if previous else None, **turns.describe()}
    return result

