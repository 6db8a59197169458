"""The work done for one partition, on whichever engine runs it.

Each conversation is tokenised once and mapped by every chosen measure whose requirements it
meets. The signals (evidence) of each conversation go to the partition's Parquet file; the
partial counts are slimmed (evidence lists emptied), folded with ``powerlens.measures.fold``
and written as typed JSON next to a done-marker, which is written last so that a partition
with a marker is complete. The function returns the partition's counts.

The accommodation family runs in bulk: its conversations are gathered into columns and tagged
and counted once per partition (``measures.accommodation.coordinate``), and when it runs alone
the partition is read straight into columns (``corpus.columns``); the other families' signals
of a partition are then held until its echoes are known, so the signals file keeps the order
of the conversation-by-conversation loop. When the families are talk (and accommodation) and
the partition's rows are all typical interchange rows, the whole partition is analysed over
columns instead (``corpus.columnar``), with the same results.

Slimming keeps a corpus's memory to its per-speaker and per-dyad aggregates. It is applied
only to families whose ``finalize`` does not read the evidence lists (``SLIMMABLE``) or that
define ``corpus_partial(partial)`` themselves; any other family keeps its full partial, which
is correct but grows with the corpus.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powerlens.corpus import codec
from powerlens.corpus.columnar import ColumnarPartition, analyse_columns, echo_signals
from powerlens.corpus.columns import read_partition
from powerlens.corpus.partitions import Partition, conversations
from powerlens.corpus.signals import SignalSink
from powerlens.language import Tokens, tokenize_conversation
from powerlens.measures import REGISTRY, Measure, Options, fold, missing_requirements
from powerlens.measures.accommodation import (
    Accommodation,
    AccommodationPartial,
    UtteranceColumns,
    coordinate,
)
from powerlens.measures.accommodation.columns import Coordinated
from powerlens.model import Conversation, Signal

SLIMMABLE = frozenset({"talk", "accommodation", "deference", "pronoun_status", "moves"})
"""Families whose finalize reads only counts, so their evidence lists can be dropped."""
EVIDENCE_FIELDS = frozenset({"signals", "echoes"})
"""Names of a partial's list of Signals (when empty, it is still the evidence: no signals)."""
MAX_REJECTION_SAMPLES = 20


@dataclass(frozen=True)
class Job:
    """What a worker needs: the partition, the measures by name, the options, the run folder."""

    partition: Partition
    measures: tuple[str, ...]
    options: Options
    out: str
    kill_once: str | None = None
    """Fault injection for tests: a worker process (never the driver) exits once, creating
    this marker file first, to show that a killed worker's partition is retried."""
    driver_pid: int = 0
    kill_always: tuple[str, ...] = ()
    """Fault injection for tests: a worker process exits whenever it starts one of these
    partitions, so they fail past the retry limit."""


@dataclass
class SignalCounts:
    """Signals per (speaker, family) and per (speaker, target, family): additive."""

    speakers: Counter[tuple[str, str]] = field(default_factory=Counter)
    dyads: Counter[tuple[str, str, str]] = field(default_factory=Counter)


class SignalTally:
    """``SignalCounts`` as a map / combine / finalize-shaped object, so ``fold`` merges it."""

    name = "signals"
    requires: frozenset[str] = frozenset()

    def combine(self, a: SignalCounts, b: SignalCounts) -> SignalCounts:
        """Add both tallies."""
        return SignalCounts(_added(a.speakers, b.speakers), _added(a.dyads, b.dyads))


def _added(a: Counter[Any], b: Counter[Any]) -> Counter[Any]:
    """``a + b`` for counts that are all positive (the same keys, in the same order)."""
    out = a.copy()
    out.update(b)
    return out


@dataclass
class SpeakerMeta:
    """Each speaker's metadata as first seen (speaker metadata is constant per speaker)."""

    meta: dict[str, dict[str, Any]] = field(default_factory=dict)


class MetaTally:
    """Merges ``SpeakerMeta`` keeping the first value seen."""

    name = "speakers"

    def combine(self, a: SpeakerMeta, b: SpeakerMeta) -> SpeakerMeta:
        """Speakers of both, the earlier partition's metadata winning."""
        merged = dict(b.meta)
        merged.update(a.meta)
        return SpeakerMeta(merged)


def part_dir(out: str | Path) -> Path:
    """Where partials and done-markers live."""
    return Path(out) / "parts"


def signals_dir(out: str | Path) -> Path:
    """Where the per-partition signal Parquet files live."""
    return Path(out) / "signals"


def evidence(measure: Measure[Any], partial: Any) -> list[Signal]:
    """The signals of one conversation's partial: its list of Signals, else from finalize."""
    if dataclasses.is_dataclass(partial):
        lists = [
            (f.name, value)
            for f in dataclasses.fields(partial)
            if isinstance(value := getattr(partial, f.name), list)
        ]
        for _, value in lists:
            if value and isinstance(value[0], Signal):
                return value
        for name, value in lists:
            if name in EVIDENCE_FIELDS:
                return value
    return measure.finalize(partial).signals


def slim(measure: Measure[Any], partial: Any) -> Any:
    """The partial without its evidence lists, where that leaves ``finalize`` correct."""
    own = getattr(measure, "corpus_partial", None)
    if own is not None:
        return own(partial)
    if measure.name not in SLIMMABLE or not dataclasses.is_dataclass(partial):
        return partial
    empty: dict[str, list[Any]] = {
        f.name: []
        for f in dataclasses.fields(partial)
        if isinstance(getattr(partial, f.name), list) and getattr(partial, f.name)
    }
    return dataclasses.replace(partial, **empty) if empty else partial  # type: ignore[type-var]


def run_partition(job: Job) -> dict[str, Any]:
    """Analyse one partition, write its signals, partials and done-marker; return its counts."""
    _maybe_die(job)
    began = time.perf_counter()
    part = job.partition
    measures = [REGISTRY[name] for name in job.measures]
    bulk = next((m for m in measures if isinstance(m, Accommodation)), None)
    partials: dict[str, list[Any]] = {m.name: [] for m in measures}
    skipped: Counter[str] = Counter()
    tally = SignalCounts()
    meta = SpeakerMeta()
    stats: dict[str, Any] = {
        "key": part.key,
        "path": part.path,
        "line": part.line,
        "conversations": 0,
        "utterances": 0,
        "analysed": 0,
        "rejected": 0,
        "signals": 0,
        "rejections": [],
    }
    sink = SignalSink(signals_dir(job.out) / f"part-{part.key}.parquet")
    if bulk is not None and len(measures) == 1:
        partials[bulk.name] = _bulk_only(job, bulk, sink, tally, meta, stats, skipped)
    elif (columnar := analyse_columns(part, job.measures, job.options, bulk)) is not None:
        _take_columnar(job, columnar, partials, sink, tally, meta, stats, skipped)
    else:
        columns = UtteranceColumns()
        held: list[tuple[str, list[list[Signal] | None]]] = []
        """With the bulk family: each conversation's signals per family, None where the bulk
        family's go, written once it has run on the whole partition (in the same order)."""
        for conversation in conversations(part):
            _count(conversation, stats)
            for name, speaker in conversation.speakers.items():
                if name not in meta.meta:
                    meta.meta[name] = dict(speaker.meta)
            if not conversation.utterances:
                continue
            tokens: Tokens | None = None
            ran = False
            found_all: list[list[Signal] | None] = []
            for measure in measures:
                if missing_requirements(measure.requires, conversation, job.options):
                    skipped[measure.name] += 1
                    continue
                ran = True
                if measure is bulk:
                    columns.add(conversation, bulk.turns(job.options))
                    found_all.append(None)
                    continue
                tokens = tokenize_conversation(conversation) if tokens is None else tokens
                partial = measure.map(conversation, tokens, job.options)
                found = evidence(measure, partial)
                if bulk is None:
                    _emit(sink, tally, conversation.id, found)
                else:
                    found_all.append(found)
                partials[measure.name].append(slim(measure, partial))
            if bulk is not None:
                held.append((conversation.id, found_all))
            stats["analysed"] += len(conversation.utterances) if ran else 0
        if bulk is not None:
            done = coordinate(
                columns,
                bulk.matcher(job.options),
                reply_to_previous=job.options.reply_to_previous,
                turns=bulk.turns(job.options),
            )
            echoes = iter(done.echoes)
            for cid, found_all in held:
                for signals in found_all:
                    _emit(sink, tally, cid, next(echoes) if signals is None else signals)
            if columns.conversation_ids:
                partials[bulk.name] = [_partial(done, job)]
    stats["signals"] = sink.close()
    folder = part_dir(job.out)
    folder.mkdir(parents=True, exist_ok=True)
    for measure in measures:
        merged = fold(measure, partials.pop(measure.name))
        _write(folder / f"{part.key}.{measure.name}.json", codec.dumps(merged))
    _write(folder / f"{part.key}.signals.json", codec.dumps(tally))
    _write(folder / f"{part.key}.speakers.json", codec.dumps(meta))
    stats["skipped_measures"] = dict(skipped)
    stats["seconds"] = round(time.perf_counter() - began, 4)
    _write(folder / f"{part.key}.done.json", codec.dumps(stats))
    if bulk is not None:  # Arrow's allocator keeps freed blocks for reuse; give them back
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    return stats


def _bulk_only(
    job: Job,
    bulk: Accommodation,
    sink: SignalSink,
    tally: SignalCounts,
    meta: SpeakerMeta,
    stats: dict[str, Any],
    skipped: Counter[str],
) -> list[AccommodationPartial]:
    """A run of the accommodation family alone: the partition read straight into columns
    (``corpus.columns``), tagged and counted at once; the counts and signals are those of
    the conversation-by-conversation loop."""
    turns = bulk.turns(job.options)
    found = read_partition(job.partition, turns)
    columns = found.columns
    meta.meta = found.meta
    starts = [*columns.starts, len(columns)]
    chosen: list[int] = []
    for c, linked in enumerate(found.linked()):
        size = starts[c + 1] - starts[c]
        stats["conversations"] += 1
        stats["utterances"] += size
        stats["rejected"] += len(found.rejected[c])
        room = MAX_REJECTION_SAMPLES - len(stats["rejections"])
        for rejection in found.rejected[c][: max(room, 0)]:
            stats["rejections"].append(
                {"path": found.sources[c], "line": rejection.line, "reason": rejection.reason}
            )
        if size and not linked and not job.options.reply_to_previous:
            skipped[bulk.name] += 1
        elif size:
            chosen.append(c)
            stats["analysed"] += size
    if not chosen:
        return []
    if len(chosen) < len(columns.conversation_ids):
        columns = _subset(columns, chosen)
    done = coordinate(
        columns,
        bulk.matcher(job.options),
        reply_to_previous=job.options.reply_to_previous,
        turns=turns,
    )
    _emit_echoes(sink, tally, done)
    return [_partial(done, job)]


def _take_columnar(
    job: Job,
    found: ColumnarPartition,
    partials: dict[str, list[Any]],
    sink: SignalSink,
    tally: SignalCounts,
    meta: SpeakerMeta,
    stats: dict[str, Any],
    skipped: Counter[str],
) -> None:
    """A partition analysed over columns (``corpus.columnar``): its counts, partials and
    signals, as the conversation-by-conversation loop records them."""
    size = len(found.rows.columns)
    stats["conversations"] += len(found.rows.columns.starts)
    stats["utterances"] += size
    stats["analysed"] += size
    meta.meta = found.rows.meta
    partials["talk"] = [found.talk.partial]
    if found.skipped:
        skipped["accommodation"] += found.skipped
    if found.coordinated is not None:
        partials["accommodation"] = [_partial(found.coordinated, job)]
    _emit_columns(sink, tally, found.signals)


def _partial(done: Coordinated, job: Job) -> AccommodationPartial:
    """A partition's accommodation partial: its counts and the run's target threshold."""
    threshold = job.options.extra.get("coordination", {}).get("target_threshold")
    if threshold is None:
        return AccommodationPartial(done.counts, [])
    return AccommodationPartial(done.counts, [], int(threshold))


def _emit_echoes(sink: SignalSink, tally: SignalCounts, done: Coordinated) -> None:
    """``_emit`` for every echo of a batch, from its columns (no ``Signal`` objects)."""
    if len(done.found):
        _emit_columns(sink, tally, echo_signals(done)[1])


def _emit_columns(sink: SignalSink, tally: SignalCounts, signals: dict[str, list[Any]]) -> None:
    """``_emit`` for signals given as columns (each has a target)."""
    sink.extend(signals)
    for speaker, target, family in zip(
        signals["speaker"], signals["target"], signals["family"], strict=True
    ):
        tally.speakers[(speaker, family)] += 1
        tally.dyads[(speaker, target, family)] += 1


def _subset(columns: UtteranceColumns, chosen: list[int]) -> UtteranceColumns:
    """The conversations ``chosen`` (by position) of ``columns``."""
    out = UtteranceColumns()
    ends = [*columns.starts[1:], len(columns)]
    for c in chosen:
        a, b = columns.starts[c], ends[c]
        out.conversation_ids.append(columns.conversation_ids[c])
        out.starts.append(len(out.ids))
        out.ids += columns.ids[a:b]
        out.speakers += columns.speakers[a:b]
        out.texts += columns.texts[a:b]
        out.reply_to += columns.reply_to[a:b]
        if columns.units is not None and columns.breaks is not None:
            out.units = [] if out.units is None else out.units
            out.breaks = [] if out.breaks is None else out.breaks
            out.units += columns.units[a:b]
            out.breaks += columns.breaks[a:b]
    return out


def _emit(sink: SignalSink, tally: SignalCounts, conversation_id: str, found: list[Signal]) -> None:
    """Write a conversation's signals and count them per speaker and per dyad."""
    sink.add(conversation_id, found)
    for s in found:
        tally.speakers[(s.speaker, s.family)] += 1
        if s.target is not None:
            tally.dyads[(s.speaker, s.target, s.family)] += 1


def _count(conversation: Conversation, stats: dict[str, Any]) -> None:
    stats["conversations"] += 1
    stats["utterances"] += len(conversation.utterances)
    stats["rejected"] += len(conversation.rejected)
    room = MAX_REJECTION_SAMPLES - len(stats["rejections"])
    for rejection in conversation.rejected[: max(room, 0)]:
        stats["rejections"].append(
            {"path": conversation.source, "line": rejection.line, "reason": rejection.reason}
        )


def _write(path: Path, text: str) -> None:
    """Write atomically: a reader sees the old file or the whole new one."""
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _maybe_die(job: Job) -> None:
    if os.getpid() == job.driver_pid:
        return
    if job.partition.key in job.kill_always:
        os._exit(17)
    if job.kill_once is None:
        return
    try:
        fd = os.open(job.kill_once, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    os._exit(17)
