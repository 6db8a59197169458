"""``powerlens dyad``: the therapist–client power differential, per session and as a trend.

Thin glue over ``powerlens.measures.dyad`` (MITI 4.2.1 / MISC 2.5 codes; see that module for
the instruments and known limits). Without ``--helper`` the helper is auto-detected and the
output says how it was decided.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from powerlens.analysis import analyze_conversation
from powerlens.commands.progress import Activity, enabled_for
from powerlens.errors import UsageError
from powerlens.measures import Options
from powerlens.measures.dyad import DYAD, resolve_helper
from powerlens.model import ConversationReport, Report
from powerlens.readers import load
from powerlens.report import dyad_html
from powerlens.report.dyad_html import format_value, session_rows, trend
from powerlens.report.json_report import to_dict
from powerlens.report.terminal import clean

FORMATS = ("terminal", "json", "html")


def session_table(report: ConversationReport) -> Table:
    """One session's dyad measures, the MITI thresholds and the index components."""
    title = Text(f"Therapeutic dyad — {clean(report.conversation.id)}")
    table = Table(title=title, show_header=True)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("note")
    for label, value, note in session_rows(report):
        table.add_row(Text(clean(label)), Text(format_value(value)), Text(clean(note)))
    return table


def trend_table(points: list[dict[str, Any]]) -> Table:
    """The index across sessions, with the change from the session before."""
    table = Table(title="Power-differential index across sessions")
    for name in ("#", "session", "index", "change", "helper words", "R:Q", "complex refl."):
        table.add_column(name, justify="left" if name == "session" else "right")
    previous: float | None = None
    for p in points:
        value = p["power_differential"]
        change = "–" if value is None or previous is None else f"{value - previous:+.2f}"
        table.add_row(
            str(p["session"]),
            Text(clean(p["id"])),
            format_value(value),
            change,
            format_value(p["helper_word_share"]),
            format_value(p["reflection_to_question"]),
            format_value(p["percent_complex_reflections"]),
        )
        previous = value if value is not None else previous
    return table


def run_dyad(
    files: list[Path], helper: str | None, activity: Activity | None = None
) -> list[ConversationReport]:
    """Load and analyse each session with the dyad family (the helper named or detected)."""
    activity = activity or Activity(Console(stderr=True), enabled=False)
    next_file = activity.files(len(files))
    reports = []
    for path in files:
        with activity.reading(path):
            conversations = load(path)
        for conversation in conversations:
            name, why = resolve_helper(conversation, helper)
            if name is None:
                raise UsageError(
                    f"{path}: could not tell who the helper is ({why}).",
                    fix="name the helper with --helper NAME",
                )
            step = activity.analysing(conversation.id, len(conversation.utterances), 2)
            report = analyze_conversation(
                conversation, [DYAD], Options(helper=name), explicit=True, step=step
            )
            report.sections["dyad"]["helper_decision"] = why
            reports.append(report)
        next_file()
    return reports


def register(app: typer.Typer) -> None:
    """Add the ``dyad`` command to the ``powerlens`` app."""
    from powerlens.cli import fail_cleanly

    @app.command("dyad")
    @fail_cleanly
    def dyad_command(
        files: Annotated[list[Path], typer.Argument(help="Session transcripts, in session order.")],
        helper: Annotated[
            str | None,
            typer.Option(help="Name of the helper (therapist); auto-detected when left out."),
        ] = None,
        show_trend: Annotated[
            bool, typer.Option("--trend", help="Show the power-differential index across sessions.")
        ] = False,
        format: Annotated[
            str, typer.Option("--format", "-f", help="terminal, json or html.")
        ] = "terminal",
        output: Annotated[
            Path | None,
            typer.Option("--output", "-o", help="Write the report to this file (default: stdout)."),
        ] = None,
        quiet: Annotated[
            bool, typer.Option("--quiet", "-q", help="No progress bar on stderr.")
        ] = False,
    ) -> None:
        """Therapist–client power differential per session: MITI counts, moves and an index."""
        if format not in FORMATS:
            raise UsageError(
                f"unknown format {format!r} for dyad.", fix=f"use {', '.join(FORMATS)}"
            )
        err = Console(stderr=True)
        with Activity(err, enabled=enabled_for(err, quiet)) as activity:
            reports = run_dyad(files, helper, activity)
        points = trend(reports)
        if format == "json":
            data = to_dict(Report(conversations=reports))
            data["trend"] = points
            _emit(json.dumps(data, ensure_ascii=False, indent=2) + "\n", output)
        elif format == "html":
            _emit(dyad_html.render(reports, show_trend=show_trend), output)
        else:
            parts: list[Table] = [session_table(r) for r in reports]
            if show_trend:
                parts.append(trend_table(points))
            buffer = io.StringIO()
            console = Console(file=sys.stdout if output is None else buffer, width=140)
            console.print(Group(*parts))
            if output is not None:
                _emit(buffer.getvalue(), output)


def _emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` (saying so on stderr) or to stdout."""
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    Console(stderr=True).print(f"wrote {output}", highlight=False, markup=False)


__all__ = ["register", "run_dyad", "session_table", "trend", "trend_table"]
