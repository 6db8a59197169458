"""``powerlens profile PERSON FILES...``: one person's power across contexts, side by side."""

from __future__ import annotations

import json
import sys
from html import escape
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from powerlens.analysis import analyze_conversation, resolve_measures
from powerlens.commands.progress import Activity, enabled_for
from powerlens.errors import UsageError
from powerlens.measures import Options
from powerlens.model import Conversation
from powerlens.profiles import Profile, profile
from powerlens.readers import load
from powerlens.report import charts
from powerlens.report.style import CSP, STYLE
from powerlens.report.terminal import clean


def profile_command(
    person: Annotated[str, typer.Argument(help="The speaker name as it appears in the files.")],
    files: Annotated[list[Path], typer.Argument(help="Conversation files.")],
    context_from_folder: Annotated[
        bool, typer.Option(help="Tag each file with the name of the folder it sits in.")
    ] = False,
    context: Annotated[
        list[str] | None, typer.Option("--context", "-c", help="One context per file, in order.")
    ] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", help="terminal, json or html.")
    ] = "terminal",
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar on stderr.")
    ] = False,
) -> None:
    """Show one person's measures side by side across contexts (work, family, ...)."""
    if context and len(context) != len(files):
        raise UsageError(
            "give one --context per file, in order.", fix="or use --context-from-folder"
        )
    conversations: list[Conversation] = []
    err = Console(stderr=True)
    chosen = resolve_measures(None)
    with Activity(err, enabled=enabled_for(err, quiet)) as activity:
        for i, path in enumerate(files):
            tags = (
                [context[i]]
                if context
                else [path.resolve().parent.name]
                if context_from_folder
                else []
            )
            with activity.reading(path):
                conversations += load(path, context=tags)
        reports = [
            analyze_conversation(
                c,
                chosen,
                Options(),
                step=activity.analysing(c.id, len(c.utterances), len(chosen) + 1),
            )
            for c in conversations
        ]
    result = profile(person, reports)
    if not result.contexts:
        raise UsageError(f"{person!r} does not speak in these files.", fix="check the spelling")
    if format == "json":
        data = {
            "schema": "powerlens.profile/1",
            "person": result.person,
            "contexts": [vars(c) for c in result.contexts],
            "differences": result.differences,
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif format == "html":
        sys.stdout.write(profile_html(result))
    elif format == "terminal":
        print_profile(result)
    else:
        raise UsageError(f"unknown format {format!r}.", fix="choose terminal, json or html")


def print_profile(result: Profile) -> None:
    """The profile as a rich table, then the differences worth a look."""
    console = Console()
    table = Table(title=Text(clean(f"{result.person} across contexts")))
    table.add_column("measure")
    for c in result.contexts:
        table.add_column(Text(clean(f"{c.context} ({c.conversations})")), justify="right")
    keys = sorted({k for c in result.contexts for k in c.metrics})
    for key in keys:
        cells = []
        for c in result.contexts:
            value = c.metrics.get(key)
            cells.append(
                "–"
                if value is None
                else f"{value:.0%}"
                if key.endswith("share")
                else f"{value:.2f}"
            )
        table.add_row(key.replace("_", " "), *cells)
    console.print(table)
    for note in result.differences:
        console.print(Text(clean(f"• {note}")))


def profile_html(result: Profile) -> str:
    """A small self-contained page: the share of words per context as a chart, and the notes."""
    shares = [(c.context, c.metrics.get("word_share", 0.0)) for c in result.contexts]
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.differences)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>powerlens profile</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{escape(result.person)} across contexts</h1>"
        f"{charts.share_bars('Share of words by context', shares)}<ul>{notes}</ul>"
        "</main></body></html>\n"
    )


def register(app: typer.Typer) -> None:
    """Add ``powerlens profile`` to the CLI."""
    from powerlens.cli import fail_cleanly

    app.command("profile")(fail_cleanly(profile_command))
