"""The work done for one partition, on whichever engine runs it.

Each conversation is tokenised once and mapped by every chosen measure whose requirements it
meets. The signals (evidence) of each conversation go to the partition's Parquet file; the
partial counts are slimmed (evidence lists emptied), folded with ``powerlens.measures.fold``
and written as typed JSON next to a done-marker, which is written last so that a partition
with a marker is complete. The function returns the partition's counts.

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
from powerlens.corpus.partitions import Partition, conversations
from powerlens.language import tokenize_conversation
from powerlens.measures import REGISTRY, Measure, Options, fold, missing_requirements
from powerlens.model import Conversation, Signal

SLIMMABLE = frozenset({"talk", "accommodation", "deference", "pronoun_status", "moves"})
"""Families whose finalize reads only counts, so their evidence lists can be dropped."""
EVIDENCE_FIELDS = frozenset({"signals", "echoes"})
"""Names of a partial's list of Signals (when empty, it is still the evidence: no signals)."""
MAX_REJECTION_SAMPLES = 20
SIGNAL_BATCH = 65_536
SIGNAL_COLUMNS = (
    "conversation_id",
    "utterance_id",
    "speaker",
    "target",
    "family",
    "label",
    "subtype",
    "span_start",
    "span_end",
    "score",
    "source",
)


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
        return SignalCounts(a.speakers + b.speakers, a.dyads + b.dyads)


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
    sink = _SignalSink(signals_dir(job.out) / f"part-{part.key}.parquet")
    for conversation in conversations(part):
        _count(conversation, stats)
        for name, speaker in conversation.speakers.items():
            if name not in meta.meta:
                meta.meta[name] = dict(speaker.meta)
        if not conversation.utterances:
            continue
        tokens = tokenize_conversation(conversation)
        ran = False
        for measure in measures:
            if missing_requirements(measure.requires, conversation, job.options):
                skipped[measure.name] += 1
                continue
            ran = True
            partial = measure.map(conversation, tokens, job.options)
            found = evidence(measure, partial)
            sink.add(conversation.id, found)
            for s in found:
                tally.speakers[(s.speaker, s.family)] += 1
                if s.target is not None:
                    tally.dyads[(s.speaker, s.target, s.family)] += 1
            partials[measure.name].append(slim(measure, partial))
        stats["analysed"] += len(conversation.utterances) if ran else 0
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
    return stats


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
    if job.kill_once is None or os.getpid() == job.driver_pid:
        return
    try:
        fd = os.open(job.kill_once, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    os._exit(17)


class _SignalSink:
    """Signal rows of one partition, written to Parquet in batches (always a file, maybe empty)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        self.columns: dict[str, list[Any]] = {c: [] for c in SIGNAL_COLUMNS}
        self.writer: Any = None
        self.total = 0

    def add(self, conversation_id: str, signals: list[Signal]) -> None:
        c = self.columns
        for s in signals:
            c["conversation_id"].append(conversation_id)
            c["utterance_id"].append(s.utterance_id)
            c["speaker"].append(s.speaker)
            c["target"].append(s.target)
            c["family"].append(s.family)
            c["label"].append(s.label)
            c["subtype"].append(s.subtype)
            c["span_start"].append(int(s.span[0]))
            c["span_end"].append(int(s.span[1]))
            c["score"].append(float(s.score))
            c["source"].append(s.source)
        if len(c["score"]) >= SIGNAL_BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pydict(self.columns, schema=signal_schema())
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.tmp, signal_schema())
        self.writer.write_table(table)
        self.total += table.num_rows
        self.columns = {c: [] for c in SIGNAL_COLUMNS}

    def close(self) -> int:
        self._flush()
        self.writer.close()
        os.replace(self.tmp, self.path)
        return self.total


def signal_schema() -> Any:
    """The Arrow schema of the signals table."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema(
        [
            ("conversation_id", text),
            ("utterance_id", text),
            ("speaker", text),
            ("target", text),
            ("family", text),
            ("label", text),
            ("subtype", text),
            ("span_start", pa.int64()),
            ("span_end", pa.int64()),
            ("score", pa.float64()),
            ("source", text),
        ]
    )
