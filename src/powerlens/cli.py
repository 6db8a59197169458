"""The ``powerlens`` command: thin glue over ``load``, ``analyze`` and ``render``.

Exit codes: 0 success, 2 bad input or usage (the message names the file, line and a fix).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from powerlens.analysis import analyze_conversation, resolve_measures
from powerlens.commands.options import ReplyTo, TacticsModel, reply_to_previous, tactics_model
from powerlens.errors import PowerlensError, UsageError
from powerlens.measures import Options
from powerlens.model import Conversation, ConversationReport, Report
from powerlens.readers import formats, load
from powerlens.report import RENDERERS, render
from powerlens.report.markdown import write_vault_notes
from powerlens.systemic import load_declarations

app = typer.Typer(
    help="Make the power in a conversation visible, with evidence for every claim.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)

T = TypeVar("T")


def fail_cleanly(command: Callable[..., T]) -> Callable[..., T]:
    """Turn powerlens errors into a one-line message on stderr and exit code 2."""
    import functools

    @functools.wraps(command)
    def wrapper(*args: object, **kwargs: object) -> T:
        try:
            return command(*args, **kwargs)
        except PowerlensError as error:
            message = escape(str(error))
            err.print(f"[red]error:[/red] {message}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def contexts_per_file(files: list[Path], contexts: list[str]) -> list[tuple[str, ...]]:
    """One ``--context`` tags every file; one per file tags them in order."""
    if not contexts:
        return [() for _ in files]
    if len(contexts) == 1:
        return [(contexts[0],) for _ in files]
    if len(contexts) == len(files):
        return [(c,) for c in contexts]
    raise UsageError(
        f"got {len(contexts)} --context values for {len(files)} files.",
        fix="give one --context for all files, or exactly one per file, in the same order.",
    )


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr for runs over several files; silent for a single file."""
    if total <= 1 or not err.is_terminal:
        yield lambda: None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


@app.command("analyze")
@fail_cleanly
def analyze_command(
    files: Annotated[list[Path], typer.Argument(help="Conversation files or folders.")],
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"Report format: {', '.join(RENDERERS)}.")
    ] = "terminal",
    context: Annotated[
        list[str] | None,
        typer.Option("--context", "-c", help="Context tag: once for all files, or once per file."),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option("--input-format", help="Input format, when sniffing guesses wrong."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding of the input (default: UTF-8, or its BOM).")
    ] = None,
    measures: Annotated[
        str | None, typer.Option(help="Comma-separated measure families (default: all that apply).")
    ] = None,
    helper: Annotated[
        str | None, typer.Option(help="Name of the helper (therapist, coach) in a dyad.")
    ] = None,
    reply_to: ReplyTo = None,
    tactics: TacticsModel = "mentalmanip",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    declarations: Annotated[
        Path | None,
        typer.Option(help="Airing the Privilege: a TOML file of declared positions."),
    ] = None,
    vault: Annotated[
        Path | None,
        typer.Option(help="With --format md: write one note per conversation into this vault."),
    ] = None,
) -> None:
    """Analyse conversations and print who did the most talking, with evidence."""
    if input_format is not None and input_format not in formats():
        raise UsageError(
            f"unknown input format {input_format!r}.", fix=f"choose from: {', '.join(formats())}"
        )
    previous = reply_to_previous(reply_to)
    chosen_names = measures.split(",") if measures else None
    chosen = resolve_measures(chosen_names)
    options = Options(
        helper=helper,
        reply_to_previous=previous,
        declarations=load_declarations(declarations) if declarations else None,
        tactics_model=tactics_model(tactics),
    )
    tags = contexts_per_file(files, context or [])
    reports: list[ConversationReport] = []
    with progress_bar(len(files), "analysing") as advance:
        for path, tag in zip(files, tags, strict=True):
            conversations: list[Conversation] = load(
                path, format=input_format, encoding=encoding, context=tag
            )
            for conversation in conversations:
                reports.append(
                    analyze_conversation(
                        conversation, chosen, options, explicit=chosen_names is not None
                    )
                )
            advance()
    report = Report(conversations=reports)
    if vault is not None:
        if format != "md":
            raise UsageError("--vault writes Markdown notes.", fix="add --format md")
        for path in write_vault_notes(report, vault):
            err.print(f"wrote {path}", highlight=False, markup=False)
        return
    text = render(report, format)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}", highlight=False)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command("formats")
def formats_command() -> None:
    """List the input formats powerlens reads."""
    for name in formats():
        typer.echo(name)


COMMAND_MODULES: tuple[str, ...] = (
    "dyad", "corpus", "corpus_run", "practice", "profile", "serve", "timeline"
)
"""Modules in ``powerlens.commands`` whose ``register(app)`` adds their commands."""

for _module in COMMAND_MODULES:
    importlib.import_module(f"powerlens.commands.{_module}").register(app)


def main() -> None:
    """Entry point of the ``powerlens`` command."""
    app()


if __name__ == "__main__":
    main()
