"""``powerlens practice``: the framework's practices as guided terminal tools.

    powerlens practice tracking-influence chat.txt
    powerlens practice boundary-check chat.txt --non-interactive
    powerlens practice privilege chat.txt --declarations household.toml
    powerlens practice privilege --init household.toml

Each asks the practice's questions with what the analysis found, and saves the answers as
Markdown beside the conversation file (or where ``--out`` says).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.prompt import Prompt
from rich.text import Text

from powerlens.analysis import analyze
from powerlens.errors import UsageError
from powerlens.measures import Options
from powerlens.practices import Guide, guide, to_markdown
from powerlens.readers import load
from powerlens.report.terminal import clean
from powerlens.systemic import TEMPLATE, load_declarations

practice_app = typer.Typer(help="Work through the framework's practices for a conversation.")
console = Console()


def _run(
    practice: str,
    file: Path,
    non_interactive: bool,
    out: Path | None,
    declarations: Path | None = None,
) -> None:
    options = Options(declarations=load_declarations(declarations) if declarations else None)
    conversations = load(file)
    report = analyze(conversations, options=options)
    for conversation_report in report.conversations:
        g = guide(practice, conversation_report)
        _ask(g, interactive=not non_interactive)
        target = out or file.with_name(f"{file.stem}.{practice.replace('_', '-')}.md")
        if len(report.conversations) > 1 and out is None:
            target = file.with_name(f"{conversation_report.conversation.id}.{practice}.md")
        target.write_text(to_markdown(g), encoding="utf-8")
        console.print(Text(f"saved {target}"), style="green")


def _ask(g: Guide, interactive: bool) -> None:
    console.print(Text(clean(f"{g.title} — {g.conversation}"), style="bold"))
    for number, step in enumerate(g.steps, start=1):
        console.print(Text(f"\n{number}. {step.question}", style="bold"))
        for line in step.found or ["(nothing detected)"]:
            console.print(Text(clean(f"   · {line}"), style="dim"))
        if interactive:
            step.answer = Prompt.ask("   your answer", default="", show_default=False)


NonInteractive = Annotated[
    bool, typer.Option("--non-interactive", help="Print the guide and save it without asking.")
]
Out = Annotated[Path | None, typer.Option("--out", help="Where to save the answers (Markdown).")]


@practice_app.command("tracking-influence")
def tracking_influence(
    file: Path, non_interactive: NonInteractive = False, out: Out = None
) -> None:
    """Who did the most talking? Whose plan was enacted? What resources were used?"""
    _run("tracking_influence", file, non_interactive, out)


@practice_app.command("boundary-check")
def boundary_check(file: Path, non_interactive: NonInteractive = False, out: Out = None) -> None:
    """Could both of you say no without fear of punishment?"""
    _run("boundary_check", file, non_interactive, out)


@practice_app.command("privilege")
def privilege(
    file: Annotated[Path | None, typer.Argument(help="The conversation to set beside.")] = None,
    declarations: Annotated[
        Path | None, typer.Option(help="The declaration file (TOML) each person filled in.")
    ] = None,
    init: Annotated[
        Path | None, typer.Option("--init", help="Write a declaration template to this path.")
    ] = None,
    non_interactive: NonInteractive = False,
    out: Out = None,
) -> None:
    """Airing the Privilege: declared systemic power beside the conversation's power."""
    if init is not None:
        if init.exists():
            raise UsageError(f"{init} already exists; not overwriting it.", fix="pick a new path")
        init.write_text(TEMPLATE, encoding="utf-8")
        console.print(Text(f"wrote a declaration template to {init}"), style="green")
        return
    if file is None:
        raise UsageError("name a conversation file, or use --init PATH for a template.")
    _run("airing_the_privilege", file, non_interactive, out, declarations)


def register(app: typer.Typer) -> None:
    """Add ``powerlens practice ...`` to the CLI."""
    from powerlens.cli import fail_cleanly

    for command in practice_app.registered_commands:
        command.callback = fail_cleanly(command.callback)  # type: ignore[arg-type]
    app.add_typer(practice_app, name="practice")
