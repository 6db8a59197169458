"""Every report format on hostile and huge transcripts, and the Markdown vault note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import powerlens
from helpers import EXAMPLES
from powerlens.model import Conversation, Utterance
from powerlens.report import RENDERERS
from powerlens.report.markdown import md_escape, write_vault_notes

HOSTILE_TEXTS = [
    "<script>alert('x')</script>",
    "[[Secret_Note]] **bold** `code` # heading | pipe $x$ %%comment%%",
    "word " * 5000,
    "שלום, מה שלומך? \u202eevil\u202c",
    "😀🔥👍🏽 family: 👨‍👩‍👧",
]


def hostile_conversation(n: int = 10_000) -> Conversation:
    """Markup, right-to-left text and emoji throughout, and a few 25,000-character lines."""
    names = ["[red]Ann[/red]", "<i>Bo</i>", "Zoë"]
    short = [t for t in HOSTILE_TEXTS if len(t) < 1000]
    texts = [HOSTILE_TEXTS[2] if i % 2500 == 7 else short[i % len(short)] for i in range(n)]
    utterances = tuple(
        Utterance(id=f"u{i}", speaker=names[i % 3], text=text) for i, text in enumerate(texts)
    )
    return Conversation(id="hostile", utterances=utterances)


@pytest.fixture(scope="module")
def hostile_report() -> powerlens.Report:
    return powerlens.analyze([hostile_conversation()])


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_report_formats_survive_hostile_transcripts(fmt: str, hostile_report) -> None:  # type: ignore[no-untyped-def]
    text = powerlens.render(hostile_report, fmt)
    assert len(text) > 300
    if fmt == "md":
        text = text.split("---\n", 2)[2]  # the front matter holds names as quoted YAML strings
    if fmt in ("html", "md"):
        assert "<script>" not in text and "<i>Bo</i>" not in text
    if fmt == "md":
        assert "[[Secret_Note]]" not in text
    if fmt == "json":
        data = json.loads(text)
        assert len(data["conversations"][0]["utterances"]) == 10_000


def test_markdown_escape_neutralises_syntax() -> None:
    assert md_escape("[[x]] <b>") == "\\[\\[x\\]\\] &lt;b&gt;"
    assert md_escape("a\nb   c") == "a b c"


def test_markdown_vault_note(tmp_path: Path) -> None:
    conversations = powerlens.load(EXAMPLES / "couple_disagreement.txt", context=["family"])
    [path] = write_vault_notes(powerlens.analyze(conversations), tmp_path)
    text = path.read_text(encoding="utf-8")
    assert path.parent == tmp_path / "powerlens"
    head = text.split("---")[1]
    assert 'participants: ["Alex", "Jo"]' in head
    assert 'context: ["family"]' in head and '"context/family"' in head
    assert "[[Power_Dynamics]]" in text and "[[Boundary_Models]]" in text
    assert "> **Alex**:" in text
    assert "**Reflect:**" in text


def test_cli_vault_needs_markdown(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from powerlens.cli import app

    runner = CliRunner()
    source = str(EXAMPLES / "couple_disagreement.txt")
    bad = runner.invoke(app, ["analyze", source, "--vault", str(tmp_path)])
    assert bad.exit_code == 2
    good = runner.invoke(app, ["analyze", source, "-f", "md", "--vault", str(tmp_path)])
    assert good.exit_code == 0 and len(list((tmp_path / "powerlens").glob("*.md"))) == 1
