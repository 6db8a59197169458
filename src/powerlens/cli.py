"""The ``powerlens`` command: thin glue over ``load``, ``analyze`` and ``render``.

Exit codes: 0 success, 2 bad input or usage (the message names the file, line and a fix).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from powerlens.analysis import analyze_conversation, resolve_measures
from powerlens.commands.options import (
    Limits,
    ReplyTo,
    TacticsModel,
    reading_budgets,
    reply_to_previous,
    tactics_model,
)
from powerlens.commands.progress import Activity, enabled_for
from powerlens.errors import PowerlensError, UsageError
from powerlens.measures import Options
from powerlens.model import Conversation, ConversationReport, Report
from powerlens.readers import about, budgets, check_input, formats, load
from powerlens.report import RENDERERS, write
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
            text = str(error)
            if len(text) > 4000:  # keep the code, the start and the fix of an oversized message
                text = f"{text[:2000]} … {text[-1500:]}"
            message = escape(text)
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


@app.command("analyze")
@fail_cleanly
def analyze_command(
    files: Annotated[list[Path], typer.Argument(help="Conversation files or folders.")],
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"Report format: {', '.join(RENDERERS)}.")
    ] = "terminal",
    context: Annotated[
        list[str] | None,
        typer.Option(
            "--context",
            "-c",
            help="Context tag (work, family, ...): once for all files, or once per file. "
            "'negotiation' reads Power With with the model trained on negotiations (CaSiNo).",
        ),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format", help="Input format, when sniffing guesses wrong (powerlens formats)."
        ),
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
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar on stderr.")
    ] = False,
    limit: Limits = None,
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
    if vault is not None and format != "md":
        raise UsageError("--vault writes Markdown notes.", fix="add --format md")
    if format not in RENDERERS:
        raise UsageError(
            f"unknown report format {format!r}.", fix=f"choose from: {', '.join(RENDERERS)}"
        )
    tags = contexts_per_file(files, context or [])
    reports: list[ConversationReport] = []
    with (
        budgets.use(reading_budgets(limit)),
        Activity(err, enabled=enabled_for(err, quiet)) as activity,
    ):
        check_input(files)
        next_file = activity.files(len(files))
        for path, tag in zip(files, tags, strict=True):
            with activity.reading(path):
                conversations: list[Conversation] = load(
                    path, format=input_format, encoding=encoding, context=tag
                )
            for conversation in conversations:
                step = activity.analysing(
                    conversation.id, len(conversation.utterances), len(chosen) + 1
                )
                reports.append(
                    analyze_conversation(
                        conversation, chosen, options, explicit=chosen_names is not None, step=step
                    )
                )
            next_file()
        report = Report(conversations=reports)
        if vault is not None:
            with activity.rendering("notes"):
                written = write_vault_notes(report, vault)
            activity.close()
            for path in written:
                err.print(f"wrote {path}", highlight=False, markup=False)
            return
        if output is not None:
            with activity.rendering(format), output.open("w", encoding="utf-8") as out:
                write(report, format, out)
            activity.close()
            err.print(f"wrote {output}", highlight=False)
            return
        if sys.stdout.isatty():
            activity.close()  # the report goes to the same screen
        with activity.rendering(format):
            write(report, format, sys.stdout, newline=True)


@app.command("formats")
def formats_command(
    names: Annotated[
        bool, typer.Option("--names", help="Only the names, one a line (for scripts).")
    ] = False,
) -> None:
    """List the input formats: what each reads, what to pass, how it is recognised, an example."""
    if names:
        for name in formats():
            typer.echo(name)
        return
    for name, info in about().items():
        typer.echo(f"{name}\n  reads:      {info.reads}\n  pass:       {info.expects}")
        typer.echo(f"  recognised: {info.recognised}\n  example:    {info.example}\n")
    typer.echo("Name one with: powerlens analyze FILE --input-format NAME")


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
