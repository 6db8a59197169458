"""``powerlens serve``: the local web app, on 127.0.0.1 and a free port unless told otherwise.

    powerlens serve                      # opens the browser at http://127.0.0.1:PORT/
    powerlens serve --memory-only        # keep nothing on disk
    powerlens serve --host 0.0.0.0 --token SECRET   # reachable from other machines
    powerlens serve --max-seconds 300 --max-memory 4096   # room for long analyses

Any host other than this machine's loopback requires ``--token``; every request must then
carry it. Each analysis runs in a worker process under ``--max-seconds`` and ``--max-memory``
(``web.pool``). Needs the ``web`` extra; without it the command names the install command.
"""

from __future__ import annotations

import importlib.util
import threading
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from powerlens.commands.options import Limits, reading_budgets
from powerlens.errors import MissingExtraError, UsageError
from powerlens.web.settings import (
    LOOPBACK_HOSTS,
    MAX_MEMORY,
    MAX_SECONDS,
    Settings,
    default_data_dir,
    default_workers,
    memory_only_from_env,
)

WEB_MODULES = ("fastapi", "uvicorn", "jinja2", "multipart")
"""Import names the ``web`` extra provides."""


def require_web_extra() -> None:
    """Raise ``MissingExtraError`` naming ``pip install "powerlens[web]"`` if a module is absent."""
    if any(importlib.util.find_spec(name) is None for name in WEB_MODULES):
        raise MissingExtraError("powerlens serve", "web")


def serve_command(
    host: Annotated[
        str, typer.Option(help="Address to listen on. Anything but 127.0.0.1 needs --token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: a free one).")] = 0,
    token: Annotated[
        str | None,
        typer.Option(help="Access token every request must carry (required with --host)."),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open the browser.")
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Where the case file lives (default: $XDG_DATA_HOME/powerlens)."),
    ] = None,
    memory_only: Annotated[
        bool, typer.Option("--memory-only", help="Keep nothing on disk; cases vanish on exit.")
    ] = False,
    max_bytes: Annotated[int, typer.Option(help="Largest conversation accepted, in bytes.")] = (
        5 * 1024 * 1024
    ),
    max_utterances: Annotated[
        int, typer.Option(help="Most utterances accepted in one upload.")
    ] = 5000,
    max_seconds: Annotated[
        float, typer.Option(help="Time limit of one analysis, in seconds.", min=1)
    ] = MAX_SECONDS,
    max_memory: Annotated[
        int, typer.Option(help="Memory limit of one analysis worker, in MB.", min=256)
    ] = MAX_MEMORY // 2**20,
    workers: Annotated[
        int | None,
        typer.Option(help="Analyses run at once (default: one per core, at most 4).", min=1),
    ] = None,
    limit: Limits = None,
    scratch_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder where each upload is read in a private folder (default: the system's "
            "temp folder; /dev/shm with --memory-only)."
        ),
    ] = None,
) -> None:
    """Start the local web app: paste or upload, read the report, work through the practices."""
    if host not in LOOPBACK_HOSTS and not token:
        raise UsageError(
            f"--host {host} makes powerlens reachable from other machines.",
            fix="add --token SECRET (every request must then carry it), or leave out --host",
        )
    if token is not None and len(token) < 12:
        raise UsageError("the token is too short to protect anything.", fix="use 12+ characters")
    try:
        require_web_extra()
    except MissingExtraError as error:
        # printed plainly: rich markup would swallow the "[web]" of the install command
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    from powerlens.web.app import create_app
    from powerlens.web.server import bind, run, url_of

    reading_budgets(limit)  # a malformed --limit is refused before the server starts
    settings = Settings(
        data_dir=data_dir or default_data_dir(),
        memory_only=memory_only or memory_only_from_env(),
        host=host,
        token=token,
        max_bytes=max_bytes,
        max_utterances=max_utterances,
        limits=tuple(limit or ()),
        max_seconds=max_seconds,
        max_memory=max_memory * 2**20,
        workers=workers or default_workers(),
        scratch_dir=scratch_dir,
    )
    app = create_app(settings)
    sock = bind(host, port)
    url = url_of(sock) + "/"
    typer.echo(f"powerlens is running at {url}" + (f"?token={token}" if token else ""))
    where = "memory only" if settings.memory_only else str(settings.database)
    typer.echo(f"case file: {where}. Press Ctrl+C to stop.")
    if not no_browser:
        opened = url if not token else f"{url}?token={token}"
        threading.Timer(0.5, webbrowser.open, args=(opened,)).start()
    run(app, sock)


def register(app: typer.Typer) -> None:
    """Add ``powerlens serve`` to the CLI."""
    from powerlens.cli import fail_cleanly

    app.command("serve")(fail_cleanly(serve_command))
