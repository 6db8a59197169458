"""A long conversation (a chat history) reads as a digest: refusals counted per person and kind
of response in findings, terminal and Markdown, the costly ones listed, every one kept in JSON."""

from __future__ import annotations

import powerlens
from powerlens.findings import BOUNDARY_FINDINGS
from powerlens.model import Conversation, Utterance
from powerlens.report import moves_view

ROUND = [
    ("Sam", "do you want to come to the gym with me?"),
    ("Alex", "no, I don't feel like it"),
    ("Sam", "fair enough"),
    ("Sam", "can you pick up the kids?"),
    ("Alex", "no thanks"),
    ("Sam", "come on, you have to"),
    ("Sam", "shall we get pizza tonight?"),
    ("Alex", "sounds good"),
]


def _chat(rounds: int) -> Conversation:
    lines = [line for _ in range(rounds) for line in ROUND]
    return Conversation("long", tuple(Utterance(str(i), *ln) for i, ln in enumerate(lines)))


def _report(rounds: int) -> powerlens.Report:
    return powerlens.analyze([_chat(rounds)])


def test_many_refusals_are_counted_together_with_every_refusal_as_evidence() -> None:
    report = _report(20)
    conversation = report.conversations[0]
    boundaries = conversation.sections["boundaries"]
    assert len(boundaries) == 40
    by_kind = {b["response"] for b in boundaries}
    assert by_kind == {"respected", "pressured"}
    findings = [f for f in conversation.findings if f.concept == "Boundary Check"]
    assert len(findings) == 2
    pressed, respected = findings
    assert pressed.strength == 0.6 and respected.strength == 0.2
    assert pressed.statement.startswith("When Alex said no (20 of the 40 times), the reply pressed")
    refusals = {b["refusal"] for b in boundaries}
    evidence = {u for f in findings for u in f.evidence}
    assert refusals <= evidence
    assert "counted together" in pressed.strength_basis


def test_few_refusals_keep_a_finding_each() -> None:
    conversation = _report(BOUNDARY_FINDINGS // 2).conversations[0]
    findings = [f for f in conversation.findings if f.concept == "Boundary Check"]
    assert len(findings) == len(conversation.sections["boundaries"]) == BOUNDARY_FINDINGS


def test_terminal_and_markdown_count_refusals_and_list_those_not_respected() -> None:
    report = _report(20)
    terminal = powerlens.render(report, "terminal")
    markdown = powerlens.render(report, "md")
    counts = "Alex said no 40 times: 20 respected, 20 pressed on"
    assert f"boundary check: {counts}" in terminal
    assert f"- Boundary check: {counts}." in markdown
    listed = moves_view.BOUNDARY_LINES
    assert terminal.count("said no at turn") == listed == markdown.count("said no at turn")
    assert "… and 8 more not respected" in terminal
    assert "said no at turn 2:" not in terminal  # respected: counted, not listed
    assert "said no at turn 5: pressed on (turns 6 and 7)\n" in terminal
    # Alex's "sounds good" answers Sam's new plan (pizza), not the refused request: not giving in
    assert "went along" not in terminal and "went along" not in markdown


def test_turn_lists_are_cut_with_a_count() -> None:
    assert moves_view.turn_list(list(range(1, 31))) == "turns 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 20 more"
    assert moves_view.turn_list([3, 5, 7]) == "turns 3, 5 and 7"
