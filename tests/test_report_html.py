"""The HTML report in a real headless browser: charts drawn, transcript scripts inert."""

from __future__ import annotations

from pathlib import Path

import powerlens
from browser import dump_dom, screenshot
from helpers import EXAMPLES
from powerlens.model import Conversation, Utterance
from powerlens.report.html import highlighted

HOSTILE = (
    "<script>document.title='pwned'</script>",
    '<img src=x onerror="document.title=\'pwned\'">',
    "</div></article><script>alert(1)</script>",
    '"><svg onload="document.title=\'pwned\'">',
)


def hostile_report() -> str:
    utterances = tuple(
        Utterance(id=f"u{i}", speaker=name, text=text, start=float(i), end=float(i) + 0.9)
        for i, (name, text) in enumerate(
            [("<b>Eve</b>", HOSTILE[0]), ("Bob", HOSTILE[1]), ("<b>Eve</b>", HOSTILE[2]),
             ("Bob", HOSTILE[3]), ("<b>Eve</b>", "مرحبا كيف حالك 😀 " * 3)]
        )
    )
    conv = Conversation(id="<script>x</script>", utterances=utterances, source="<i>src</i>")
    return powerlens.render(powerlens.analyze([conv]), "html")


def test_report_html_escapes_every_transcript_text() -> None:
    page = hostile_report()
    for raw in HOSTILE:
        assert raw not in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&lt;b&gt;Eve&lt;/b&gt;" in page


def test_report_html_runs_no_script_from_the_transcript(tmp_path: Path) -> None:
    page = tmp_path / "hostile.html"
    page.write_text(hostile_report(), encoding="utf-8")
    dom = dump_dom(page)
    assert "<title>powerlens report</title>" in dom
    assert "pwned</title>" not in dom
    assert "<script" not in dom.lower()
    assert "<img" not in dom and "<svg onload" not in dom  # present only as text


def test_report_html_screenshot_shows_the_charts(tmp_path: Path) -> None:
    from PIL import Image

    conversations = powerlens.load(EXAMPLES / "couple_disagreement.txt")
    page = tmp_path / "report.html"
    page.write_text(powerlens.render(powerlens.analyze(conversations), "html"), encoding="utf-8")
    dom = dump_dom(page)
    assert dom.count("<svg") >= 5  # talk share, timeline, interruptions, overrides, stance
    assert "Whose proposals were overridden or rejected by whom" in dom
    shot = screenshot(page, tmp_path / "report.png")
    pixels = Image.open(shot).convert("RGB")
    colours = {colour for _, colour in pixels.getcolors(maxcolors=1 << 20) or []}
    assert (59, 110, 168) in colours  # the first speaker's bar colour
    assert (208, 116, 60) in colours  # the second speaker's bar colour


def test_report_html_highlight_merges_and_escapes_spans() -> None:
    assert highlighted("a <b> c", [(2, 5), (4, 7)]) == "a <mark>&lt;b&gt; c</mark>"
    assert highlighted("abc", [(5, 9), (1, 1)]) == "abc"
