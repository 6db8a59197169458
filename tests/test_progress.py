"""Progress on stderr for long commands (issue 15): shown on a terminal after a delay, never
with --quiet or when stderr is not a terminal, and never from the library itself."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import powerlens
from helpers import EXAMPLES
from powerlens import cli
from powerlens.analysis import analyze_conversation, resolve_measures
from powerlens.commands import progress
from powerlens.commands.progress import Activity, enabled_for
from powerlens.measures import Options

runner = CliRunner()


def terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=120), buffer


def test_progress_shows_reading_analysing_and_rendering() -> None:
    console, buffer = terminal()
    with Activity(console, enabled=True, delay=0) as activity:
        assert activity.shown
        with activity.reading(Path("chat.txt")):
            activity.progress.refresh()
        step = activity.analysing("chat", 10, 2)
        step("talk")
        activity.progress.refresh()
        step("findings")
        [task] = activity.progress.tasks
        assert (task.completed, task.total) == (20, 20)
        with activity.rendering("json"):
            activity.progress.refresh()
    assert not activity.shown
    text = buffer.getvalue()
    for shown in ("reading chat.txt", "analysing chat: talk", "rendering json"):
        assert shown in text


def test_progress_counts_each_family_and_the_findings() -> None:
    [conversation] = powerlens.load(EXAMPLES / "family_chat.txt")
    chosen = resolve_measures(None)
    steps: list[str] = []
    analyze_conversation(conversation, chosen, Options(), step=steps.append)
    assert steps == [m.name for m in chosen] + ["findings"]  # skipped families count too


def test_progress_waits_before_showing() -> None:
    console, buffer = terminal()
    with Activity(console, enabled=True, delay=60) as activity:
        with activity.reading(Path("chat.txt")):
            pass
        activity.analysing("chat", 5, 1)("talk")
    assert not activity.shown
    assert buffer.getvalue() == ""


def test_progress_off_with_quiet_or_without_a_terminal() -> None:
    console, buffer = terminal()
    assert enabled_for(console, quiet=False)
    assert not enabled_for(console, quiet=True)
    assert not enabled_for(Console(file=io.StringIO()), quiet=False)
    with Activity(console, enabled=False, delay=0) as activity:
        activity.files(3)()
        with activity.reading(Path("chat.txt")):
            pass
        activity.analysing("chat", 5, 1)("talk")
    assert buffer.getvalue() == ""


def test_progress_in_analyze_on_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    console, buffer = terminal()
    monkeypatch.setattr(cli, "err", console)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    out = tmp_path / "report.json"
    path = EXAMPLES / "family_chat.txt"
    result = runner.invoke(cli.app, ["analyze", str(path), "-f", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "reading family_chat.txt" in buffer.getvalue()
    assert f"wrote {out}" in buffer.getvalue()
    assert out.read_text(encoding="utf-8") == powerlens.render(
        powerlens.analyze(powerlens.load(path)), "json"
    )
    buffer.truncate(0)
    result = runner.invoke(cli.app, ["analyze", str(path), "-q", "-f", "json", "-o", str(out)])
    assert result.exit_code == 0
    assert "reading" not in buffer.getvalue()


@pytest.mark.parametrize("command", ["analyze", "dyad", "profile"])
def test_progress_quiet_option_on_long_commands(command: str) -> None:
    path = str(EXAMPLES / "therapy_session.txt")
    args = {"analyze": [path], "dyad": [path], "profile": ["Client", path]}[command]
    result = runner.invoke(cli.app, [command, *args, "--quiet"])
    assert result.exit_code == 0, result.output
