"""``powerlens timeline CHAT...``: a whole chat history read as a pattern over weeks.

Thin glue over ``powerlens.timeline`` (read, merge, analyse once, count per week, render);
see that package for what is counted and how the trends are tested. Progress, ``--quiet`` and
the reading budgets (``--limit``) work as for ``analyze``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from powerlens.commands.options import Limits, reading_budgets
from powerlens.commands.progress import Activity, enabled_for
from powerlens.errors import UsageError
from powerlens.model import Conversation
from powerlens.readers import budgets, check_input, formats, load
from powerlens.timeline import GAP_HOURS, RENDERERS, analyse, build, merge, render, to_csv
from powerlens.timeline.build import MEASURES

err = Console(stderr=True)


def timeline_command(
    files: Annotated[
        list[Path], typer.Argument(help="Chat exports of one relationship (files or folders).")
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"Output format: {', '.join(RENDERERS)}.")
    ] = "terminal",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the timeline to this file.")
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(help="Also write the evidence log (every message counted) as CSV here."),
    ] = None,
    gap_hours: Annotated[
        float,
        typer.Option(help="Hours of quiet after which a message counts as opening contact."),
    ] = GAP_HOURS,
    input_format: Annotated[
        str | None,
        typer.Option("--input-format", help="Input format, when sniffing guesses wrong."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding of the input (default: UTF-8, or its BOM).")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar on stderr.")
    ] = False,
    limit: Limits = None,
) -> None:
    """Read a whole chat history as one relationship: each control category, Power With and
    To, refusals and their answers, per person and week, with trends and an evidence log."""
    if format not in RENDERERS:
        raise UsageError(f"unknown format {format!r}.", fix=f"choose from: {', '.join(RENDERERS)}")
    if input_format is not None and input_format not in formats():
        raise UsageError(
            f"unknown input format {input_format!r}.", fix=f"choose from: {', '.join(formats())}"
        )
    if not gap_hours > 0:
        raise UsageError(
            f"--gap-hours {gap_hours:g} is not a length of time.", fix="give hours > 0"
        )
    with (
        budgets.use(reading_budgets(limit)),
        Activity(err, enabled=enabled_for(err, quiet)) as activity,
    ):
        check_input(files)
        conversations: list[Conversation] = []
        next_file = activity.files(len(files))
        for path in files:
            with activity.reading(path):
                conversations += load(path, format=input_format, encoding=encoding)
            next_file()
        history = merge(conversations)
        step = activity.analysing(history.id, len(history.utterances), len(MEASURES) + 1)
        result = build(analyse(history, step=step), gap_hours)
        with activity.rendering(format):
            text = render(result, format)
            evidence = to_csv(result) if export is not None else ""
    if export is not None:
        export.write_text(evidence, encoding="utf-8", newline="")
        err.print(f"wrote {export}", highlight=False, markup=False)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}", highlight=False, markup=False)
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    """Add ``powerlens timeline`` to the CLI."""
    from powerlens.cli import fail_cleanly

    app.command("timeline")(fail_cleanly(timeline_command))
