"""The command line: thin glue, clear errors, exit codes 0 and 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from helpers import EXAMPLES
from powerlens.cli import app

runner = CliRunner()


def test_cli_analyze_terminal_table() -> None:
    result = runner.invoke(app, ["analyze", str(EXAMPLES / "couple_disagreement.txt")])
    assert result.exit_code == 0, result.output
    assert "Who did the most talking?" in result.output
    assert "Alex" in result.output and "60%" in result.output


def test_cli_analyze_json_with_contexts_per_file(write) -> None:  # type: ignore[no-untyped-def]
    a = write("a.txt", "Ann: hi\nBen: hello\n")
    b = write("b.txt", "Ann: yo\nBen: hey\n")
    result = runner.invoke(
        app,
        ["analyze", str(a), str(b), "--format", "json", "--context", "work", "--context", "family"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["context"] for c in data["conversations"]] == [["work"], ["family"]]


def test_cli_bad_input_exits_2_with_file_and_line(write) -> None:  # type: ignore[no-untyped-def]
    bad = write("bad.txt", b"Ann: hi\nBen: caf\xe9\n")
    result = runner.invoke(app, ["analyze", str(bad)])
    assert result.exit_code == 2
    assert "bad.txt:2" in result.stderr and "PL103" in result.stderr


def test_cli_usage_errors_exit_2(write) -> None:  # type: ignore[no-untyped-def]
    a = write("a.txt", "Ann: hi\n")
    assert runner.invoke(app, ["analyze", str(a), "--format", "pdf"]).exit_code == 2
    assert runner.invoke(app, ["analyze", str(a), "-c", "x", "-c", "y"]).exit_code == 2
    assert runner.invoke(app, ["analyze", str(a), "--measures", "nope"]).exit_code == 2
    assert runner.invoke(app, ["analyze"]).exit_code == 2


def test_cli_output_file(write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = write("a.txt", "Ann: hi\n")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["analyze", str(a), "-f", "json", "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text())["schema"] == "powerlens.report/1"


def test_terminal_report_prints_markup_in_names_as_text() -> None:
    import powerlens
    from helpers import conversation

    conv = conversation(
        ("[bold red]Eve[/]", "<script>alert(1)</script> [link]x[/link]"), ("Bob", "hi")
    )
    text = powerlens.render(powerlens.analyze([conv]), "terminal")
    assert "[bold red]Eve[/]" in text


def test_cli_every_command_has_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        sub = runner.invoke(app, [name, "--help"])
        assert sub.exit_code == 0 and len(sub.output) > 50
