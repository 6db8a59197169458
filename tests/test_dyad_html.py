"""The dyad trend chart and HTML page (issue 8): SVG points, values, escaping, CLI, browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import powerlens
from browser import dump_dom, screenshot
from helpers import EXAMPLES
from powerlens.analysis import analyze_conversation
from powerlens.cli import app
from powerlens.measures import Options
from powerlens.measures.dyad import DYAD
from powerlens.model import Conversation, ConversationReport, Utterance
from powerlens.report import dyad_html
from powerlens.report.charts import trend_chart
from powerlens.report.style import CSP

SESSION = EXAMPLES / "therapy_session.txt"
HOSTILE = "<script>document.title='pwned'</script>"
DIRECTIVE = [
    ("<b>Doc</b>", "You need to stop drinking."),
    ("Pat", "I don't want to stop."),
    ("<b>Doc</b>", "You have to. Cut down to two drinks a day."),
]
MI = [
    ("<b>Doc</b>", "What brings you here today?"),
    ("Pat", "My wife thinks I drink too much."),
    ("<b>Doc</b>", "It sounds like you're worried about how she sees you."),
]


def _report(cid: str, turns: list[tuple[str, str]]) -> ConversationReport:
    utterances = tuple(Utterance(f"u{i}", who, text) for i, (who, text) in enumerate(turns))
    conversation = Conversation(cid, utterances, source=f"<i>{cid}</i>")
    return analyze_conversation(conversation, [DYAD], Options(helper="<b>Doc</b>"), explicit=True)


def test_dyad_html_trend_chart_places_points_and_values() -> None:
    svg = trend_chart("Index", [("s1", 0.25), ("s2", 0.5)])
    # x0 44, plot width 572, two steps of 286: x = 44 + 143 and 44 + 429; y = 24 + 180 * (1 - v)
    assert '<circle class="trend-point" cx="187.0" cy="159.0"' in svg
    assert '<circle class="trend-point" cx="473.0" cy="114.0"' in svg
    assert 'points="187.0,159.0 473.0,114.0"' in svg
    values = re.findall(r'<text class="trend-value"[^>]*>([^<]+)</text>', svg)
    assert values == ["0.25", "0.50"]
    assert "<title>\u2068s1\u2069: 0.25</title>" in svg and ">\u2068s2\u2069</text>" in svg


def test_dyad_html_trend_chart_leaves_a_gap_for_missing_values() -> None:
    svg = trend_chart("Index", [("a", 0.2), ("b", None), ("c", 0.4), ("d", 0.6)])
    assert svg.count('class="trend-point"') == 3
    assert svg.count("<polyline") == 1  # a stands alone; c-d is the only line
    assert svg.count(">no data</text>") == 1


def test_dyad_html_trend_chart_escapes_and_shortens_labels() -> None:
    svg = trend_chart("<b>t</b>", [(HOSTILE, 0.5), ("x" * 30, 0.1)])
    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;docum…\u2069</text>" in svg  # axis label: 13 characters and an ellipsis
    assert (
        "<title>\u2068&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;\u2069: 0.50"
        "</title>" in svg
    )
    assert "x" * 13 + "…" in svg and "x" * 14 not in svg.split("<title>")[0]


def test_dyad_html_trend_chart_slants_many_labels() -> None:
    svg = trend_chart("Index", [(f"session {i}", i / 10) for i in range(8)])
    assert svg.count('transform="rotate(-35') == 8


def test_dyad_html_page_has_trend_and_escapes_transcript_text() -> None:
    reports = [_report(HOSTILE, DIRECTIVE), _report("week 2", MI)]
    page = dyad_html.render(reports)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&lt;b&gt;Doc&lt;/b&gt;" in page and "&lt;i&gt;" in page
    assert f'http-equiv="Content-Security-Policy" content="{CSP}"' in page
    assert page.count('class="trend-point"') == 2
    assert page.count('class="dyad-session"') == 2


def test_dyad_html_single_session_has_trend_only_when_asked() -> None:
    reports = [_report("one", MI)]
    assert "trend-point" not in dyad_html.render(reports)
    assert dyad_html.render(reports, show_trend=True).count('class="trend-point"') == 1


def test_dyad_html_trend_changes_match_the_index() -> None:
    reports = [_report("a", DIRECTIVE), _report("b", MI)]
    first, second = (r.sections["dyad"]["index"]["value"] for r in reports)
    section = dyad_html.trend_section(dyad_html.trend(reports))
    assert f"<td>{second - first:+.2f}</td>" in section
    assert f">{first:.2f}</text>" in section and f">{second:.2f}</text>" in section


def test_dyad_html_cli_writes_html_to_output(tmp_path: Path) -> None:
    out = tmp_path / "dyad.html"
    args = [
        "dyad",
        str(SESSION),
        str(SESSION),
        "--helper",
        "Therapist",
        "-f",
        "html",
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.count('class="trend-point"') == 2
    assert "Power-differential index across sessions" in page


def test_dyad_html_cli_html_to_stdout_and_bad_format() -> None:
    result = CliRunner().invoke(app, ["dyad", str(SESSION), "--trend", "--format", "html"])
    assert result.exit_code == 0, result.output
    assert result.output.count('class="trend-point"') == 1
    bad = CliRunner().invoke(app, ["dyad", str(SESSION), "--format", "pdf"])
    assert bad.exit_code == 2 and "terminal, json, html" in bad.output


def test_dyad_html_analyze_report_gets_the_trend_with_two_sessions() -> None:
    options = Options(helper="Therapist")
    measures = ["talk", "dyad"]
    two = powerlens.analyze(
        powerlens.load(SESSION) + powerlens.load(SESSION), measures=measures, options=options
    )
    one = powerlens.analyze(powerlens.load(SESSION), measures=measures, options=options)
    assert powerlens.render(two, "html").count('class="trend-point"') == 2
    assert "dyad-trend" not in powerlens.render(one, "html")
    without = powerlens.analyze(powerlens.load(SESSION) * 2, measures=["talk"])
    assert "dyad-trend" not in powerlens.render(without, "html")


def test_dyad_html_chart_renders_in_the_browser(tmp_path: Path) -> None:
    from PIL import Image

    reports = [_report(HOSTILE, DIRECTIVE), _report("week 2", MI), _report("week 3", MI)]
    page = tmp_path / "dyad.html"
    page.write_text(dyad_html.render(reports), encoding="utf-8")
    dom = dump_dom(page)
    assert "<title>powerlens: therapeutic dyad</title>" in dom and "pwned</title>" not in dom
    assert "<script" not in dom.lower()
    assert dom.count('class="trend-point"') == 3 and "<polyline" in dom
    shot = screenshot(page, tmp_path / "dyad.png", width=900, height=700)
    colours = {c for _, c in Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert (38, 70, 83) in colours  # the dyad colour #264653 of the line and points


@pytest.mark.parametrize("count", [2, 3])
def test_dyad_html_overview_needs_two_valued_sessions(count: int) -> None:
    reports = [_report(f"s{i}", MI) for i in range(count)]
    assert dyad_html.overview(reports).count('class="trend-point"') == count
    assert dyad_html.overview(reports[:1]) == ""
