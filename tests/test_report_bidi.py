"""Bidirectional controls and hostile answers in every report format (issue 20, item 6).

A right-to-left override in a name must not reverse the text after it: HTML isolates
transcript text (``<bdi>``, U+2068 ... U+2069 in SVG), terminal and Markdown strip the controls;
the practice answers' Markdown export escapes HTML. The browser check that the page's own text
still reads left to right is in ``test_report_screens.py``.
"""

from __future__ import annotations

import re

import pytest

import powerlens
from powerlens.model import Conversation, Report, Utterance
from powerlens.practices import guide, to_markdown
from powerlens.report import bidi, charts
from powerlens.report.markdown import md_lines, note
from powerlens.report.terminal import clean

RLO, PDF, PDI, FSI, LRI = "\u202e", "\u202c", "\u2069", "\u2068", "\u2066"
CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_conversation() -> Conversation:
    """Names and text with an unclosed override, a stray PDI and a terminal escape."""
    turns = [
        (f"Eve{RLO}", "Where were you last night? Give me your phone."),
        (f"Bob{PDI}{RLO}", f"No, I won't. {RLO}that is mine"),
        (f"Eve{RLO}", "Then you stay home tonight. \x1b[2J\x1b]0;pwned\x07"),
        (f"Bob{PDI}{RLO}", "Fine, I'll stay."),
    ]
    utterances = tuple(Utterance(f"u{i}", who, text) for i, (who, text) in enumerate(turns))
    return Conversation(id=f"{RLO}chat", utterances=utterances, source=f"{RLO}chat.txt", context=(f"{RLO}home",))


@pytest.fixture(scope="module")
def report() -> Report:
    return powerlens.analyze([bidi_conversation()])


def depth_never_negative(text: str) -> bool:
    """Every PDF / PDI closes a scope the same text opened (none leaks out or closes others)."""
    stack: list[str] = []
    for ch in text:
        if ch in "\u202a\u202b\u202d\u202e":
            stack.append(PDF)
        elif ch in "\u2066\u2067\u2068":
            stack.append(PDI)
        elif ch == PDF:
            if not stack or stack[-1] != PDF:
                return False
            stack.pop()
        elif ch == PDI:
            if PDI not in stack:
                return False
            while stack.pop() != PDI:
                pass
    return not stack


@pytest.mark.parametrize(
    ("raw", "balanced"),
    [
        ("plain", "plain"),
        (f"{RLO}Eve", f"{RLO}Eve{PDF}"),
        (f"{PDI}{RLO}x", f"{RLO}x{PDF}"),  # a stray PDI would close the page's isolate
        (f"{PDF}a", "a"),
        (f"{LRI}a{RLO}b{PDI}c", f"{LRI}a{RLO}b{PDI}c"),  # the PDI closes the override inside it
        (f"{RLO}a{LRI}b", f"{RLO}a{LRI}b{PDI}{PDF}"),
    ],
)
def test_report_bidi_balance_closes_every_scope(raw: str, balanced: str) -> None:
    assert bidi.balance(raw) == balanced and depth_never_negative(balanced)
    assert bidi.strip(raw) == CONTROLS.sub("", raw)


def test_report_bidi_html_isolates_every_transcript_text(report: Report) -> None:
    page = powerlens.render(report, "html")
    outside = re.sub(r"<bdi>.*?</bdi>", "", page, flags=re.S)
    outside = re.sub(r"<td>[^<]*</td>", "", outside)  # a table cell is a paragraph of its own
    outside = re.sub(f"{FSI}[^{PDI}]*{PDI}", "", outside)  # SVG labels: isolated by characters
    assert not CONTROLS.search(outside)  # no control outside an isolate
    for piece in re.findall(r"<bdi>(.*?)</bdi>", page, flags=re.S):
        assert depth_never_negative(re.sub(r"<[^>]+>", "", piece))
    assert f"<bdi>Eve{RLO}{PDF}</bdi>" in page and f"<bdi>Bob{RLO}{PDF}</bdi>" in page
    assert f"<h1><bdi>{RLO}chat{PDF}</bdi></h1>" in page


def test_report_bidi_svg_labels_are_isolated() -> None:
    svg = charts.share_bars("t", [(f"{RLO}Eve", 0.5), (f"{PDI}Bob", 0.5)])
    assert f">{FSI}{RLO}Eve{PDF}{PDI}</text>" in svg and f">{FSI}Bob{PDI}</text>" in svg


def test_report_bidi_terminal_strips_controls_and_escapes(report: Report) -> None:
    text = powerlens.render(report, "terminal")
    assert "Eve" in text and "Bob" in text
    assert not CONTROLS.search(text) and "\x1b" not in text and "\x07" not in text
    assert clean(f"a{RLO}b\x1b[2Jc\rd\te") == "ab[2Jcd\te"


def test_report_bidi_markdown_strips_controls_and_escapes_front_matter(report: Report) -> None:
    text = note(report.conversations[0])
    front, body = text.split("---\n", 2)[1:]
    assert not CONTROLS.search(text)
    assert 'participants: ["Eve\\u202e", "Bob\\u2069\\u202e"]' in front
    assert "| Eve |" in body and "> **Eve**:" in body


def test_report_bidi_practice_markdown_escapes_html_in_answers(report: Report) -> None:
    g = guide("boundary_check", report.conversations[0])
    g.steps[0].answer = '<img src=x onerror="alert(1)"> [[Secret]]\n- not a list\n\n# nor a heading'
    g.steps[1].answer = f"{RLO}reversed?"
    text = to_markdown(g)
    assert "<img" not in text and "&lt;img src\\=x onerror\\=\"alert(1)\"&gt;" in text
    assert "[[Secret]]" not in text and "\\[\\[Secret\\]\\]" in text
    assert "\n\\- not a list\n\\# nor a heading\n" in text
    assert "**Answer:** reversed?" in text and not CONTROLS.search(text)
    found = [line for line in text.splitlines() if line.startswith("- ") and "Eve" in line + "Bob"]
    assert all("<" not in line for line in found)


def test_report_bidi_answer_lines_keep_their_breaks() -> None:
    assert md_lines("one\ntwo") == "one\ntwo"
    assert md_lines("1. first\n2) second\n+ third") == "1\\. first\n2\\) second\n\\+ third"
    assert md_lines("") == ""


def test_report_bidi_practice_lines_carry_no_controls(report: Report) -> None:
    g = guide("boundary_check", report.conversations[0])
    lines = [line for step in g.steps for line in step.found]
    assert any("Bob" in line for line in lines) and not any(CONTROLS.search(x) for x in lines)
