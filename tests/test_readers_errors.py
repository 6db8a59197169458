"""Errors that point the right way (issue 15): empty, binary, unknown, folders; the formats list."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import REPO
from powerlens.cli import app
from powerlens.readers import about, formats

runner = CliRunner()
WHATSAPP = REPO / "tests" / "data" / "whatsapp" / "ios_uk.txt"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.txt", b"", "PL101"),
        ("blank", b"\n  \n\t\n", "PL101"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PL102"),
        ("photo", b"\xff\xd8\xff\xe0\x00\x10JFIF", "PL102"),
        ("voice", b"OggS\x00\x02" + bytes(200), "PL102"),
        ("random.dat", bytes(range(256)) * 4, "PL102"),
        ("db.sqlite", b"SQLite format 3\x00" + bytes(100), "PL102"),
    ],
)
def test_errors_empty_and_binary_files_need_no_input_format(
    tmp_path: Path, name: str, content: bytes, code: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 2
    assert code in result.stderr and "Traceback" not in result.output


def test_errors_unrecognised_file_names_input_format_not_format(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some prose without turns\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 2
    assert "PL105" in result.stderr and "--input-format" in result.stderr
    assert "--format (" not in result.stderr


def test_errors_no_reader_hint_names_the_report_option() -> None:
    hints = []
    for path in (REPO / "src" / "powerlens" / "readers").glob("*.py"):
        hints += [line for line in path.read_text().splitlines() if "with --format" in line]
    assert hints == []


def test_errors_folder_is_read_or_refused_never_a_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (["analyze", str(empty)], ["analyze", str(empty), "--input-format", "plain"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert "PL116" in result.stderr and "Traceback" not in result.output
    chats = tmp_path / "chats"
    chats.mkdir()
    (chats / "a.txt").write_text("Ann: hi\nBo: yo\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(chats), "--input-format", "plain"])
    assert result.exit_code == 0, result.output


def test_errors_whatsapp_zip_through_the_cli(tmp_path: Path) -> None:
    archive = tmp_path / "WhatsApp Chat - Ray.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(WHATSAPP, "_chat.txt")
    result = runner.invoke(app, ["analyze", str(archive), "--format", "json"])
    assert result.exit_code == 0, result.output
    [conversation] = json.loads(result.stdout)["conversations"]
    assert conversation["id"] == "WhatsApp Chat - Ray"


def test_formats_command_describes_every_format() -> None:
    result = runner.invoke(app, ["formats"])
    assert result.exit_code == 0
    for name, info in about().items():
        assert f"{name}\n  reads:      {info.reads}\n" in result.stdout
        assert info.expects and info.recognised and info.example
    names = runner.invoke(app, ["formats", "--names"]).stdout.split()
    assert names == formats()


def test_formats_doc_covers_every_format() -> None:
    doc = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    missing = [name for name in formats() if f"`{name}`" not in doc]
    assert missing == []
    for name in ("input-mb", "decompressed-mb", "rows", "members", "utterance-chars",
                 "header-chars", "depth", "line-mb"):
        assert f"`{name}`" in doc


def test_readme_first_command_and_whatsapp_example_run() -> None:
    import shlex

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first = next(line for line in readme.splitlines() if "powerlens analyze" in line)
    assert first.startswith("pip install -e . && powerlens analyze examples/")
    whatsapp = next(line for line in readme.splitlines() if "whatsapp_family_chat.zip" in line)
    for line in (first.split("&&")[1], whatsapp.split("#")[0]):
        args = shlex.split(line)[1:]
        result = runner.invoke(app, [args[0], str(REPO / args[1]), *args[2:]])
        assert result.exit_code == 0, result.output
        assert "Who did the most talking?" in result.stdout
