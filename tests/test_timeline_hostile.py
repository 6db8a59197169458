"""Hostile text in every field of the evidence log, the HTML, the Markdown and the terminal
output of a timeline (issue 16): formulas neutralised, markup escaped, controls removed."""

from __future__ import annotations

import csv
import io
import json
import re
from functools import cache
from pathlib import Path

import pytest

from powerlens.model import Conversation, Utterance
from powerlens.timeline import Timeline, analyse, build, read_history, render, to_csv
from powerlens.timeline.evidence import FORMULA_STARTS, neutralise

DAY = 86400.0
T0 = 1_709_542_800.0  # Monday 2024-03-04 09:00 UTC
NAMES = ("=HYPERLINK(\"http://x\")", "@Sam<script>alert(1)</script>", "+Eve\u202e")
"""Speakers whose names are a formula, markup and a right-to-left override."""
LINES = (
    "-Who are you texting? =1+1",
    "\tGive me your bank card. <img src=x onerror=alert(1)>",
    "@everyone stop talking to your sister. | [[x]] # *",
    "=cmd|' /C calc'!A0 You're pathetic.",
    "\rNo, I don't want to go.",
    "+fine, then don't expect me to help you ever again",
)


@cache
def _hostile() -> Timeline:
    utterances = []
    for day in range(10):
        for k, text in enumerate(LINES):
            speaker = NAMES[(k + day) % len(NAMES)]
            i = len(utterances)
            utterances.append(
                Utterance(f"=id{i}", speaker, text, start=T0 + day * DAY + k * 60, line=i + 1)
            )
    chat = Conversation(id="=evil<b>", utterances=tuple(utterances), source="+path<i>.txt")
    return build(analyse(chat))


def test_timeline_hostile_history_has_evidence_in_every_field() -> None:
    t = _hostile()
    categories = {e.category for e in t.tally.events}
    assert {"monitoring", "economic_control", "isolation", "degradation", "refusal"} <= categories
    assert any(e.detail.startswith("answered:") for e in t.tally.events)


def test_timeline_csv_neutralises_formulas_in_every_cell() -> None:
    text = to_csv(_hostile()).removeprefix("\ufeff")
    lines = text.split("\r\n")
    body = "\r\n".join(line for line in lines if not line.startswith("# "))
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert len(rows) > 30
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert cell.lstrip(" ")[:1] not in FORMULA_STARTS, cell
    assert "'=HYPERLINK(\"http://x\")" in cells and "'=id0" in cells
    assert any(c.startswith("'\t") for c in cells) and any(c.startswith("'\r") for c in cells)
    assert any(c.startswith("'-Who") for c in cells)
    detail = [row[9] for row in rows if row[9].startswith("answered:")]
    assert detail and all(d.startswith("answered:") for d in detail)


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("  @x", "'  @x"),
        ("-2", "'-2"),
        ("\uff1dSUM(A1)", "'\uff1dSUM(A1)"),
        ("a\x00b", "a\ufffdb"),
        ("2024-03-04", "2024-03-04"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_timeline_neutralise(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe


def test_timeline_html_escapes_and_isolates_every_name_and_text() -> None:
    page = render(_hostile(), "html")
    assert "<script" not in page and "<img" not in page and "=evil<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "=evil&lt;b&gt;" in page
    overrides = re.findall("\u202e(.{0,7})", page)
    assert overrides and all(  # each override is closed and isolated where the name ends
        after.startswith("\u202c\u2069") or after.startswith("\u202c</bdi>") for after in overrides
    )
    assert "script-src" not in page and "default-src 'none'" in page


def test_timeline_markdown_escapes_every_cell() -> None:
    note = render(_hostile(), "md").split("\n---\n", 1)[1]  # after the YAML front matter
    assert "<script" not in note and "<img" not in note and "\u202e" not in note
    table = [line for line in note.splitlines() if line.startswith("| 2024-")]
    assert table and all(line.count(" | ") == 6 for line in table)  # no cell broke the table
    assert "\\[\\[x\\]\\]" in note


def test_timeline_terminal_and_json_carry_no_control_characters() -> None:
    text = render(_hostile(), "terminal")
    assert "\u202e" not in text and "\r" not in text and "\x1b" not in text
    data = json.loads(render(_hostile(), "json"))
    assert data["evidence"][0]["speaker"] in {*NAMES}


def test_timeline_hostile_file_name_reaches_the_csv_neutralised(tmp_path: Path) -> None:
    chat = tmp_path / "=evil.txt"
    chat.write_text(
        "04/03/2024, 09:00 - Sam: Share your location with me now.\n"
        "11/03/2024, 09:00 - Alex: ok\n",
        encoding="utf-8",
    )
    text = to_csv(build(analyse(read_history([chat]))))
    assert ",'=evil:1," in text
