"""``powerlens corpus run`` and ``powerlens corpus compare``: thin glue over ``powerlens.corpus``.

``run`` analyses a folder, glob or ConvoKit corpus on the local, processes or dask engine and
writes Parquet tables and a manifest (``docs/corpus.md``); ``compare`` reads the speaker
table back and compares groups of a speaker metadata field with bootstrap intervals.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from powerlens.commands.corpus import Boundary, MergeTurns, TargetThreshold, Unit, corpus_app
from powerlens.commands.options import ReplyTo, reply_to_previous
from powerlens.corpus import ENGINES, RunConfig, compare, run_corpus
from powerlens.corpus.run import PARTIAL_EXIT
from powerlens.errors import UsageError
from powerlens.measures.accommodation import Thresholds, Turns
from powerlens.report.terminal import clean

DEFAULT_MEASURES = "talk,accommodation,deference,moves"


class _Rate(ProgressColumn):
    """Utterances per second so far."""

    def render(self, task: Task) -> Text:
        done = task.fields.get("utterances", 0)
        elapsed = task.elapsed or 0.0
        rate = done / elapsed if elapsed > 0 else 0.0
        return Text(f"{done:,} utt · {rate:,.0f} utt/s")


class BarProgress:
    """A rich progress bar on stderr: bytes for the bar and ETA, utterances for the rate."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("analysing"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            _Rate(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: Any = None
        self.utterances = 0

    def start(self, total_bytes: int, done_bytes: int, partitions: int) -> None:
        """Show the bar, already advanced by resumed partitions."""
        self.progress.start()
        self.task = self.progress.add_task(
            "analysing", total=max(total_bytes, 1), completed=done_bytes, utterances=0
        )

    def advance(self, nbytes: int, utterances: int) -> None:
        """One partition finished."""
        self.utterances += utterances
        self.progress.update(self.task, advance=nbytes, utterances=self.utterances)

    def stop(self) -> None:
        """Remove the live display."""
        self.progress.stop()


def summary_table(manifest: dict[str, Any]) -> Table:
    """The run's counts, partitions and timings as a table."""
    table = Table(title="powerlens corpus run")
    table.add_column("")
    table.add_column("value", justify="right")
    counts, parts, timings = manifest["counts"], manifest["partitions"], manifest["timings"]
    for key in ("conversations", "read", "analysed", "rejected", "signals", "speakers"):
        table.add_row(
            f"utterances {key}" if key in ("read", "analysed", "rejected") else key,
            f"{counts[key]:,}",
        )
    table.add_row(
        "partitions analysed / resumed / failed",
        f"{parts['analysed']} / {parts['resumed']} / {parts['failed']}",
    )
    seconds = timings.get("total", 0.0)
    table.add_row("seconds", f"{seconds:.1f}")
    analysed = timings.get("analyse", 0.0)
    if analysed > 0 and parts["analysed"]:
        table.add_row("utterances / second", f"{counts['read'] / max(seconds, 1e-9):,.0f}")
    for name, n in manifest["measures_skipped"].items():
        table.add_row(f"{name} skipped (conversations)", f"{n:,}", style="yellow")
    for entry in manifest["skipped"]:
        where = entry["path"] + (f":{entry['line']}" if entry.get("line") else "")
        table.add_row(f"skipped partition {entry['partition']}", where, style="red")
    return table


@corpus_app.command("run")
def run_command(
    data: Annotated[str, typer.Argument(help="Folder, glob, ConvoKit corpus folder or file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the tables.")] = Path(
        "results"
    ),
    measures: Annotated[str, typer.Option(help="Comma-separated families.")] = DEFAULT_MEASURES,
    engine: Annotated[str, typer.Option(help=f"Engine: {', '.join(ENGINES)}.")] = "local",
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: cores).")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Also write CSV tables.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first bad partition.")
    ] = False,
    reply_to: ReplyTo = None,
    helper: Annotated[str | None, typer.Option(help="The helper's name (dyad).")] = None,
    group: Annotated[
        list[str] | None, typer.Option(help="Speaker metadata field for the group tables.")
    ] = None,
    partition_rows: Annotated[
        int, typer.Option(help="Rows per partition of a big JSONL file.")
    ] = 50_000,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Discard completed partitions in --out.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    unit: Unit = "speaker",
    target_threshold: TargetThreshold = Thresholds.target,
    merge_turns: MergeTurns = False,
    boundary: Boundary = None,
) -> None:
    """Analyse a whole corpus and write Parquet tables, signals and a manifest."""
    from powerlens.cli import fail_cleanly

    def go() -> None:
        previous = reply_to_previous(reply_to)
        turns = Turns(unit, merge_turns, tuple(boundary or ()))
        if target_threshold < 1:
            raise UsageError("--target-threshold must be at least 1.")
        extra: dict[str, Any] = {}
        if not turns.default or target_threshold != Thresholds.target:
            extra["coordination"] = {**turns.describe(), "target_threshold": target_threshold}
        config = RunConfig(
            data=data,
            out=out,
            measures=tuple(m.strip() for m in measures.split(",") if m.strip()),
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            reply_to_previous=previous,
            helper=helper,
            partition_rows=partition_rows,
            groups=tuple(group or ()),
            csv=csv,
            strict=strict,
            fresh=fresh,
            extra=extra,
        )
        err = Console(stderr=True)
        bar = None if quiet or not err.is_terminal else BarProgress(err)
        began = time.perf_counter()
        try:
            manifest = run_corpus(config, progress=bar)
        finally:
            if bar is not None and bar.task is not None:
                bar.stop()
        Console().print(summary_table(manifest))
        err.print(f"wrote {out} in {time.perf_counter() - began:.1f}s", highlight=False)
        if not manifest["complete"]:
            failed = [entry["partition"] for entry in manifest["skipped"]]
            err.print(
                f"[red]partial:[/red] {len(failed)} of {manifest['partitions']['planned']} "
                f"partitions failed ({', '.join(failed)}); the tables in {out} leave them out. "
                f"Resume them with: {manifest['resume']}",
                markup=True,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(PARTIAL_EXIT)

    fail_cleanly(go)()


@corpus_app.command("compare")
def compare_command(
    results: Annotated[Path, typer.Argument(help="The --out folder of a corpus run.")],
    group: Annotated[str, typer.Option(help="Speaker field, e.g. speaker.is_justice.")],
    columns: Annotated[
        str | None, typer.Option(help="Comma-separated column prefixes (default: all numeric).")
    ] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples of speakers.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Compare groups of speakers: mean per-speaker measures with bootstrap intervals."""
    from powerlens.cli import fail_cleanly

    def go() -> None:
        if format not in ("table", "json"):
            raise UsageError(f"unknown format {format!r}.", fix="use table or json")
        wanted = [c.strip() for c in columns.split(",")] if columns else []
        result = compare(results, group, columns=wanted, n_bootstrap=bootstrap, seed=seed)
        if format == "json":
            sys.stdout.write(json.dumps(result, indent=2) + "\n")
            return
        Console().print(compare_table(result))

    fail_cleanly(go)()


def compare_table(result: dict[str, Any]) -> Table:
    """Group means with intervals, one row per column."""
    title = f"Speakers grouped by {result['group']} (mean [95% bootstrap CI])"
    table = Table(title=Text(clean(title)))
    table.add_column("column")
    for label in result["groups"]:
        table.add_column(Text(clean(str(label))), justify="right")
    two = len(result["groups"]) == 2
    if two:
        difference = f"{result['groups'][0]} − {result['groups'][1]}"
        table.add_column(Text(clean(difference)), justify="right")
    for entry in result["columns"]:
        cells = [_cell(entry["groups"][g]) for g in result["groups"]]
        if two:
            cells.append(_cell(entry.get("difference")))
        table.add_row(Text(clean(entry["column"])), *map(Text, cells))
    return table


def _cell(summary: dict[str, Any] | None) -> str:
    if not summary or summary.get("mean") is None:
        return "–"
    ci = summary.get("ci")
    text = f"{summary['mean']:.4g}"
    if ci:
        text += f" [{ci[0]:.3g}, {ci[1]:.3g}]"
    if "n" in summary:
        text += f" n={summary['n']}"
    return text


def register(app: typer.Typer) -> None:
    """The commands are added to ``corpus_app``, which ``commands.corpus`` registers."""
