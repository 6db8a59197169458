"""A corpus run: plan partitions, analyse them on an engine, merge, finalize, write tables.

The merge reads each completed partition's partials back from disk in partition order and
combines them with ``powerlens.measures.fold`` (a balanced in-order reduction), so every
engine merges the same partials in the same grouping and the results are identical. A
partition with a done-marker is not run again: an interrupted run resumes where it stopped,
provided the inputs (sizes and modification times) and the parameters are unchanged.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from powerlens.analysis import resolve_measures
from powerlens.corpus import codec, tables
from powerlens.corpus.executors import ENGINES, Executor, make_executor
from powerlens.corpus.partitions import DEFAULT_ROWS, Partition, fingerprint, inputs, plan
from powerlens.corpus.worker import (
    Job,
    MetaTally,
    SignalCounts,
    SignalTally,
    SpeakerMeta,
    part_dir,
    run_partition,
    signals_dir,
)
from powerlens.errors import InputError, UsageError
from powerlens.measures import Options, fold
from powerlens.measures.accommodation import ACCOMMODATION, CoordinationCounts, Thresholds
from powerlens.model import MeasureResult

MANIFEST_SCHEMA = "powerlens.corpus-manifest/1"
KILL_ONCE_ENV = "POWERLENS_CORPUS_KILL_ONCE"
KILL_PARTITIONS_ENV = "POWERLENS_CORPUS_KILL_PARTITIONS"
"""Fault injection for tests: comma-separated partition keys whose worker process always
exits, so the partition fails past the retry limit."""
PARTIAL_EXIT = 3
"""``powerlens corpus run``'s exit code when a partition failed: the tables are partial."""


@dataclass(frozen=True)
class RunConfig:
    """Everything a corpus run depends on."""

    data: str
    out: Path
    measures: tuple[str, ...] = ("talk", "accommodation", "deference", "moves")
    engine: str = "local"
    workers: int | None = None
    scheduler: str | None = None
    reply_to_previous: bool = False
    helper: str | None = None
    partition_rows: int = DEFAULT_ROWS
    groups: tuple[str, ...] = ()
    csv: bool = False
    strict: bool = False
    fresh: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Progress(Protocol):
    """What the run reports while it works (the CLI draws a bar from it)."""

    def start(self, total_bytes: int, done_bytes: int, partitions: int) -> None:
        """The run is about to analyse ``partitions`` partitions."""

    def advance(self, nbytes: int, utterances: int) -> None:
        """A partition of ``nbytes`` bytes and ``utterances`` utterances finished."""


class _Silent:
    def start(self, total_bytes: int, done_bytes: int, partitions: int) -> None:
        return None

    def advance(self, nbytes: int, utterances: int) -> None:
        return None


def run_corpus(
    config: RunConfig, *, progress: Progress | None = None, executor: Executor | None = None
) -> dict[str, Any]:
    """Run the corpus analysis described by ``config`` and return its manifest."""
    began = time.perf_counter()
    timings: dict[str, float] = {}
    progress = progress or _Silent()
    resolve_measures(list(config.measures))
    if config.engine not in ENGINES:
        raise UsageError(
            f"unknown engine {config.engine!r}.", fix=f"choose from: {', '.join(ENGINES)}"
        )
    if config.scheduler is not None and config.engine != "dask":
        raise UsageError("--scheduler needs the dask engine.", fix="add --engine dask")
    if config.partition_rows < 1:
        raise UsageError("--partition-rows must be at least 1.")
    paths = inputs(config.data)
    parts = plan(paths, config.partition_rows)
    files = fingerprint(paths)
    options = Options(
        helper=config.helper, reply_to_previous=config.reply_to_previous, extra=dict(config.extra)
    )
    parameters = {
        "data": config.data,
        "measures": list(config.measures),
        "reply_to": "previous" if config.reply_to_previous else None,
        "helper": config.helper,
        "partition_rows": config.partition_rows,
        "groups": list(config.groups),
        "extra": config.extra,
    }
    plan_id = _plan_id(files, parameters, parts)
    out = Path(config.out)
    completed = _prepare(out, plan_id, config.fresh)
    timings["plan"] = time.perf_counter() - began

    todo = [p for p in parts if p.key not in completed]
    kill_once = os.environ.get(KILL_ONCE_ENV)
    doomed = tuple(k for k in os.environ.get(KILL_PARTITIONS_ENV, "").split(",") if k)
    jobs = [
        Job(p, config.measures, options, str(out), kill_once, os.getpid(), doomed) for p in todo
    ]
    stats: dict[str, dict[str, Any]] = {k: _load_done(out, k) for k in completed}
    failed: list[dict[str, Any]] = []
    size = sum(p.size for p in parts)
    progress.start(size, sum(p.size for p in parts if p.key in completed), len(todo))
    started = time.perf_counter()
    engine = executor
    if jobs and engine is None:
        engine = make_executor(config.engine, config.workers, config.scheduler)
    try:
        for job, result in engine.run(run_partition, jobs) if jobs and engine else iter(()):
            part = job.partition
            if isinstance(result, BaseException):
                failed.append(_failure(out, part, result))
                if config.strict:
                    raise _strict_error(part, result)
                progress.advance(part.size, 0)
            else:
                stats[part.key] = result
                progress.advance(part.size, int(result["utterances"]))
    finally:
        if engine is not None and executor is None:
            engine.close()
    timings["analyse"] = time.perf_counter() - started
    _give_back_memory()

    started = time.perf_counter()
    keys = [p.key for p in parts if p.key in stats]
    partials, signal_counts, meta = _fold(out, config.measures, keys)
    fields = tables.group_fields(meta.meta, config.groups)
    timings["merge"] = time.perf_counter() - started
    started = time.perf_counter()
    coordination = _coordination_rows(partials, meta, fields)  # before the results: less memory
    _give_back_memory()
    timings["write"] = time.perf_counter() - started
    started = time.perf_counter()
    results = _finalize(config.measures, partials)
    del partials
    timings["merge"] += time.perf_counter() - started
    started = time.perf_counter()
    outputs = _write_tables(out, config, results, signal_counts, meta, fields, coordination, keys)
    timings["write"] += time.perf_counter() - started
    timings["total"] = time.perf_counter() - began
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "plan_id": plan_id,
        "command": sys.argv if sys.argv and "powerlens" in sys.argv[0] else None,
        "inputs": files,
        "parameters": parameters,
        "engine": {
            "name": config.engine if executor is None else executor.name,
            "workers": (engine.workers if engine is not None else config.workers),
            "scheduler": config.scheduler,
        },
        "counts": _totals(stats, results),
        "partitions": {
            "planned": len(parts),
            "analysed": len([k for k in stats if k not in completed]),
            "resumed": len(completed),
            "failed": len(failed),
        },
        "complete": not failed,
        "resume": _resume_command() if failed else None,
        "skipped": failed,
        "rejections": [r for k in keys for r in stats[k]["rejections"]][:100],
        "measures_skipped": _skipped_measures(stats, keys),
        "versions": versions(),
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "outputs": outputs,
        "partition_plan": [p.describe() for p in parts],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), "utf-8")
    return manifest


def _resume_command() -> str:
    """The command that runs the failed partitions again: the same one, without ``--fresh``
    (completed partitions keep their done-markers and are not run again)."""
    import shlex

    args = [a for a in sys.argv[1:] if a != "--fresh"]
    if sys.argv and "powerlens" in Path(sys.argv[0]).name:
        return shlex.join(["powerlens", *args])
    return "run the same corpus run again with the same inputs, parameters and --out"


def _give_back_memory() -> None:
    """Drop the caches the analysis filled in this process (the accommodation family's tagged
    words) and hand freed heap back to the system (glibc only), so the merge starts small."""
    ACCOMMODATION.clear_caches()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _plan_id(
    files: list[dict[str, Any]], parameters: dict[str, Any], parts: list[Partition]
) -> str:
    blob = json.dumps(
        [files, parameters, [p.describe() for p in parts]], sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _prepare(out: Path, plan_id: str, fresh: bool) -> set[str]:
    """Make the output folder; the keys of partitions a previous run of this plan completed."""
    state = part_dir(out) / "plan.json"
    if fresh:
        for folder in (part_dir(out), signals_dir(out)):
            shutil.rmtree(folder, ignore_errors=True)
    if state.is_file():
        previous = json.loads(state.read_text("utf-8")).get("plan_id")
        if previous != plan_id:
            raise UsageError(
                f"{out} holds results of a different run (other inputs or parameters).",
                fix="pass --fresh to start over there, or choose another --out folder.",
            )
    part_dir(out).mkdir(parents=True, exist_ok=True)
    signals_dir(out).mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"plan_id": plan_id}), "utf-8")
    return {p.name.split(".")[0] for p in part_dir(out).glob("*.done.json")}


def _load_done(out: Path, key: str) -> dict[str, Any]:
    stats: dict[str, Any] = codec.loads((part_dir(out) / f"{key}.done.json").read_bytes())
    return stats


def _failure(out: Path, part: Partition, error: BaseException) -> dict[str, Any]:
    """The manifest entry of a failed partition; its incomplete outputs are removed."""
    for leftover in (
        *part_dir(out).glob(f"{part.key}.*"),
        *signals_dir(out).glob(f"part-{part.key}.*"),
    ):
        leftover.unlink(missing_ok=True)
    if isinstance(error, InputError):
        return {"partition": part.key, "path": error.path, "line": error.line, "reason": str(error)}
    reason = f"{type(error).__name__}: {error}"
    return {"partition": part.key, "path": part.path, "line": part.line, "reason": reason}


def _strict_error(part: Partition, error: BaseException) -> InputError:
    if isinstance(error, InputError):
        return error
    return InputError(
        part.path, f"partition {part.key} failed ({type(error).__name__}: {error}).", line=part.line
    )


def _partials(out: Path, keys: list[str], name: str) -> Iterator[Any]:
    for key in keys:
        yield codec.loads((part_dir(out) / f"{key}.{name}.json").read_bytes())


def _fold(
    out: Path, measures: tuple[str, ...], keys: list[str]
) -> tuple[dict[str, Any], SignalCounts, SpeakerMeta]:
    """Fold every family's partials, the signal counts and speaker metadata in partition
    order."""
    partials: dict[str, Any] = {}
    for measure in resolve_measures(list(measures)):
        total = fold(measure, (p for p in _partials(out, keys, measure.name) if p is not None))
        if total is not None:
            partials[measure.name] = total
    counts = fold(SignalTally(), _partials(out, keys, "signals")) or SignalCounts()  # type: ignore[arg-type]
    meta = fold(MetaTally(), _partials(out, keys, "speakers")) or SpeakerMeta()  # type: ignore[arg-type]
    return partials, counts, meta


def merged_partials(out: Path, measures: tuple[str, ...]) -> tuple[dict[str, Any], SpeakerMeta]:
    """Each family's merged partial (e.g. the raw coordination counts behind the tables) and
    the speakers' metadata, from the finished partitions of a run folder."""
    keys = sorted(p.name.split(".")[0] for p in part_dir(out).glob("*.done.json"))
    partials, _, meta = _fold(out, measures, keys)
    return partials, meta


def _finalize(measures: tuple[str, ...], partials: dict[str, Any]) -> dict[str, MeasureResult]:
    """Each family's result from its folded partial."""
    return {
        m.name: m.finalize(partials[m.name])
        for m in resolve_measures(list(measures))
        if m.name in partials
    }


def _merge(
    out: Path, measures: tuple[str, ...], keys: list[str]
) -> tuple[dict[str, MeasureResult], SignalCounts, SpeakerMeta, dict[str, Any]]:
    """Fold every family's partials in partition order and finalize them."""
    partials, counts, meta = _fold(out, measures, keys)
    return _finalize(measures, partials), counts, meta, partials


def _coordination_rows(
    partials: dict[str, Any], meta: SpeakerMeta, fields: list[str]
) -> list[dict[str, Any]] | None:
    """The group coordination table, when accommodation ran."""
    partial = partials.get("accommodation")
    coordination = getattr(partial, "counts", None)
    if not isinstance(coordination, CoordinationCounts):
        return None
    thresholds = Thresholds(target=getattr(partial, "target_threshold", Thresholds.target))
    return tables.coordination_rows(coordination, meta.meta, fields, thresholds)


def _write_tables(
    out: Path,
    config: RunConfig,
    results: dict[str, MeasureResult],
    counts: SignalCounts,
    meta: SpeakerMeta,
    fields: list[str],
    coordination: list[dict[str, Any]] | None,
    keys: list[str],
) -> list[str]:
    speakers = tables.speaker_rows(results, meta.meta, counts.speakers)
    written = tables.write_table(speakers, out / "speakers", csv=config.csv)
    written += tables.write_columns(
        tables.dyad_columns(results, counts.dyads), out / "dyads", csv=config.csv
    )
    written += tables.write_table(
        tables.group_rows(speakers, fields), out / "groups", csv=config.csv
    )
    if coordination is not None:
        written += tables.write_table(coordination, out / "group_coordination", csv=config.csv)
    if config.csv:
        written.append(_signals_csv(out, keys))
    return [os.path.relpath(p, out) for p in written] + ["signals/"]


def _signals_csv(out: Path, keys: list[str]) -> Path:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from powerlens.corpus.signals import signal_schema

    path = out / "signals.csv"
    with pacsv.CSVWriter(path, signal_schema()) as writer:
        for key in keys:
            for batch in pq.ParquetFile(signals_dir(out) / f"part-{key}.parquet").iter_batches():
                writer.write_batch(batch)
    return path


def _totals(stats: dict[str, dict[str, Any]], results: dict[str, MeasureResult]) -> dict[str, Any]:
    def total(name: str) -> int:
        return sum(int(s.get(name, 0)) for s in stats.values())

    read = total("utterances") + total("rejected")
    return {
        "conversations": total("conversations"),
        "read": read,
        "analysed": total("analysed"),
        "rejected": total("rejected"),
        "signals": total("signals"),
        "speakers": len({n for r in results.values() for n in r.speakers}),
    }


def _skipped_measures(stats: dict[str, dict[str, Any]], keys: list[str]) -> dict[str, int]:
    skipped: dict[str, int] = {}
    for key in keys:
        for name, n in stats[key].get("skipped_measures", {}).items():
            skipped[name] = skipped.get(name, 0) + int(n)
    return skipped


def versions() -> dict[str, str | None]:
    """Versions of powerlens, Python and the libraries a run's numbers depend on."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("powerlens", "numpy", "pyarrow", "orjson", "dask", "distributed"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
