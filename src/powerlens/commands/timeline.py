"""``powerlens timeline CHAT...``: a whole chat history read as a pattern over weeks.

Thin glue over ``powerlens.timeline`` (read, analyse once, count per week, render); see that
package for what is counted and how the trends are tested.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from powerlens.errors import UsageError
from powerlens.readers import formats
from powerlens.timeline import GAP_HOURS, RENDERERS, render, timeline, to_csv

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
    result = timeline(files, format=input_format, encoding=encoding, gap_hours=gap_hours)
    if export is not None:
        export.write_text(to_csv(result), encoding="utf-8", newline="")
        err.print(f"wrote {export}", highlight=False, markup=False)
    text = render(result, format)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}", highlight=False, markup=False)
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    """Add ``powerlens timeline`` to the CLI."""
    from powerlens.cli import fail_cleanly

    app.command("timeline")(fail_cleanly(timeline_command))
