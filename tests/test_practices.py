"""Practices, Airing the Privilege declarations and contextual profiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import powerlens
from helpers import EXAMPLES, conversation
from powerlens.cli import app
from powerlens.errors import InputError
from powerlens.measures import Options
from powerlens.practices import guide, to_markdown
from powerlens.profiles import profile
from powerlens.systemic import TEMPLATE, Declaration, differential, load_declarations

runner = CliRunner()


def test_systemic_differential_hand_computed() -> None:
    a = Declaration("A", income_share=0.8, manages_money=True, authority_over=("B",))
    b = Declaration("B", income_share=0.2, manages_money=False)
    d = differential(a, b)
    assert d.components == pytest.approx({"income": 0.6, "money_management": 1.0, "authority": 1.0})
    assert d.value == pytest.approx((0.6 + 1 + 1) / 3)
    assert differential(b, a).value == pytest.approx(-d.value)


def test_systemic_template_loads_and_bad_files_name_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text(TEMPLATE)
    people = load_declarations(path)
    assert people["Alex"].income_share == 0.7 and people["Jo"].manages_money is False
    path.write_text("[people.Alex]\nincome_share = 3\n")
    with pytest.raises(InputError, match="income_share must be a number from 0 to 1"):
        load_declarations(path)
    path.write_text("not = [valid")
    with pytest.raises(InputError, match="not a valid TOML"):
        load_declarations(path)


def test_systemic_conflict_pattern_finding(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text(TEMPLATE)
    conversations = powerlens.load(EXAMPLES / "couple_disagreement.txt")
    options = Options(declarations=load_declarations(path))
    [report] = powerlens.analyze(conversations, options=options).conversations
    [dyad] = report.sections["systemic"]["dyads"]
    assert dyad["more_declared_power"] == "Alex" and dyad["conflict_dynamics_pattern"] is True
    assert dyad["declared_differential"] == pytest.approx((0.4 + 1.0) / 2)
    concepts = [f.concept for f in report.findings]
    assert "Airing the Privilege: systemic power" in concepts


def test_practice_guides_are_prefilled() -> None:
    [report] = powerlens.analyze(powerlens.load(EXAMPLES / "couple_disagreement.txt")).conversations
    g = guide("tracking_influence", report)
    assert g.steps[0].question == "Who did the most talking?"
    assert any(line.startswith("Alex: 92 words (60%)") for line in g.steps[0].found)
    g.steps[0].answer = "Alex, by a lot."
    text = to_markdown(g)
    assert "## 1. Who did the most talking?" in text and "**Answer:** Alex, by a lot." in text
    privilege = guide("airing_the_privilege", report)
    assert "No declarations were given" in privilege.steps[0].found[0]


def test_practice_cli_saves_answers_beside_the_file(tmp_path: Path) -> None:
    source = tmp_path / "chat.txt"
    source.write_text((EXAMPLES / "couple_disagreement.txt").read_text())
    result = runner.invoke(app, ["practice", "boundary-check", str(source)], input="Not really\n\n\n")
    assert result.exit_code == 0, result.output
    saved = (tmp_path / "chat.boundary-check.md").read_text()
    assert "Could both of you say no without fear of punishment?" in saved
    assert "**Answer:** Not really" in saved
    result = runner.invoke(
        app, ["practice", "tracking-influence", str(source), "--non-interactive"]
    )
    assert result.exit_code == 0 and (tmp_path / "chat.tracking-influence.md").exists()


def test_practice_privilege_init_writes_template_once(tmp_path: Path) -> None:
    target = tmp_path / "household.toml"
    assert runner.invoke(app, ["practice", "privilege", "--init", str(target)]).exit_code == 0
    assert target.read_text() == TEMPLATE
    assert runner.invoke(app, ["practice", "privilege", "--init", str(target)]).exit_code == 2


def test_profile_compares_contexts() -> None:
    work = conversation(("Sam", "I will run the release and brief everyone tomorrow."), ("Boss", "ok"))
    home = conversation(("Mum", "Tidy your room now, then the dishes, then homework."), ("Sam", "ok"))
    work = powerlens.Conversation(id="w", utterances=work.utterances, context=("work",))
    home = powerlens.Conversation(id="h", utterances=home.utterances, context=("family",))
    result = profile("Sam", powerlens.analyze([work, home]).conversations)
    shares = {c.context: c.metrics["word_share"] for c in result.contexts}
    assert shares == pytest.approx({"work": 9 / 10, "family": 1 / 10})
    assert any("word share is 90% in work but 10% in family" in d for d in result.differences)


def test_profile_cli_context_from_folder(tmp_path: Path) -> None:
    for folder, text in (("work", "Sam: I lead this.\nAl: ok\n"), ("family", "Mo: Do it now.\nSam: ok\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "c.txt").write_text(text)
    files = [str(tmp_path / "work" / "c.txt"), str(tmp_path / "family" / "c.txt")]
    result = runner.invoke(app, ["profile", "Sam", *files, "--context-from-folder", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert '"context": "work"' in result.stdout and '"context": "family"' in result.stdout
    missing = runner.invoke(app, ["profile", "Nobody", *files])
    assert missing.exit_code == 2
