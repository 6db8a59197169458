"""The HTML report and the web app's result page in headless Chromium, as a person sees them.

One browser for the whole module (Playwright driving Debian's chromium). A chat, a meeting and
a therapy session are opened at 390 px (a phone) and 1280 px wide: nothing may scroll
sideways at 390 px, every chart must show its legend and reading, the screenshot must show the
speakers' colours and the timeline's shapes, and no script from the transcript may run. The
page's own words must read left to right even when names carry right-to-left overrides
(issue 20). Screenshots go to tests/screenshots/ (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import powerlens
from browser import FLAGS
from helpers import EXAMPLES, REPO
from powerlens.measures import Options
from test_report_bidi import bidi_conversation
from test_report_html import hostile_report

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "tests" / "screenshots"
CASES = {
    "chat": ("couple_disagreement.txt", Options()),
    "meeting": ("team_meeting.vtt", Options()),
    "therapy": ("therapy_session.txt", Options(helper="Therapist")),
}
SPEAKER_COLOURS = [(59, 110, 168), (208, 116, 60)]
"""The first two speakers' colours (#3b6ea8, #d0743c): share bars, timeline ticks, cards."""
SHAPE_COLOURS = {
    "chat": [(0, 114, 178), (0, 158, 115)],  # proposal circle, refusal square
    "meeting": [(0, 114, 178), (51, 51, 51)],  # proposal circle, interruption cross
    "therapy": [(0, 158, 115)],  # refusal square
}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)

LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;  // an svg clips
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) wide.push(el.tagName + '.' + el.className);
    const style = getComputedStyle(el);
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      wide.push('scrolls ' + el.tagName + '.' + el.className);
    }
  }
  const figures = [...document.querySelectorAll('figure.fig')].map(f => ({
    charts: f.querySelectorAll('svg.chart').length,
    keys: [...f.querySelectorAll('.legend li')].filter(li => li.getBoundingClientRect().width > 0
      && li.getBoundingClientRect().right <= width + 0.5).length,
    reading: (f.querySelector('.reading') || {}).textContent || '',
  }));
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8),
          figures, charts: document.querySelectorAll('svg.chart').length,
          height: document.documentElement.scrollHeight};
}"""

LEFT_TO_RIGHT = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const reversed = new Set();
  let checked = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || node.parentElement.closest('bdi, svg')) continue;
    let previous = null;
    for (let i = 0; i < node.data.length; i++) {
      if (!/[A-Za-z]/.test(node.data[i])) { previous = null; continue; }
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (box.width === 0) { previous = null; continue; }
      if (previous && Math.abs(previous.top - box.top) < 2) {
        checked++;
        if (box.left < previous.left) reversed.add(node.data.trim().slice(0, 40));
      }
      previous = box;
    }
  }
  return {checked, reversed: [...reversed].slice(0, 5)};
}"""
"""Pairs of adjacent Latin letters outside <bdi> and SVG (the page's own words, names in table
cells, prose with the controls stripped), and those shown right to left."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    args = [flag for flag in FLAGS if flag != "--headless"]
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("screens")
    out = {}
    for name, (source, options) in CASES.items():
        report = powerlens.analyze(powerlens.load(EXAMPLES / source), options=options)
        out[name] = folder / f"{name}.html"
        out[name].write_text(powerlens.render(report, "html"), encoding="utf-8")
    return out


def open_page(browser: Any, url: str, width: int) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url)
    return context, page


def colours_of(path: Path) -> set[tuple[int, int, int]]:
    from PIL import Image

    image = Image.open(path).convert("RGB")
    return {colour for _, colour in image.getcolors(maxcolors=1 << 22) or []}


def check_layout(page: Any, width: int) -> dict[str, Any]:
    layout: dict[str, Any] = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] == layout["width"] == width, layout["wide"]
    assert layout["wide"] == []
    assert layout["figures"] and layout["charts"] == len(layout["figures"])
    for figure in layout["figures"]:
        assert figure["charts"] == 1 and figure["keys"] >= 1 and len(figure["reading"]) > 20
    return layout


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", list(CASES))
def test_report_screens_fit_the_screen_and_show_every_legend(
    browser: Any, pages: dict[str, Path], name: str, width: int
) -> None:
    context, page = open_page(browser, pages[name].as_uri(), width)
    layout = check_layout(page, width)
    assert page.locator("section.summary .person").count() >= 2
    assert page.locator("details.why[open]").count() == 0  # rules and style folded away
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"report-{name}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    context.close()
    from PIL import Image

    assert Image.open(shot).size == (width, layout["height"])
    colours = colours_of(shot)
    for colour in SPEAKER_COLOURS + SHAPE_COLOURS[name]:
        assert colour in colours, f"{colour} missing from {shot.name}"


def test_report_screens_chat_shows_the_override_chart(browser: Any, pages: dict[str, Path]) -> None:
    context, page = open_page(browser, pages["chat"].as_uri(), 390)
    headings = page.locator("figure.fig h3").all_inner_texts()
    context.close()
    assert headings == [
        "Share of words",
        "Timeline",
        "Who interrupts whom (row → column)",
        "Whose proposals were overridden or rejected by whom (row → column)",
        "Power over / with / to",
    ]


def test_report_screens_hostile_report_runs_no_script(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    path.write_text(hostile_report(), encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_timeout(200)
    dom = page.content()
    context.close()
    assert "<title>powerlens report</title>" in dom and "pwned</title>" not in dom
    assert "<script" not in dom.lower() and dialogs == []
    assert "<img" not in dom and "<svg onload" not in dom  # present only as text


def test_report_screens_own_text_reads_left_to_right_despite_overrides(
    browser: Any, tmp_path: Path
) -> None:
    page_html = powerlens.render(powerlens.analyze([bidi_conversation()]), "html")
    isolated, leaking = tmp_path / "isolated.html", tmp_path / "leaking.html"
    isolated.write_text(page_html, encoding="utf-8")
    unisolated = page_html.replace("<bdi>", "<span>").replace("</bdi>", "</span>")
    leaking.write_text(unisolated.replace("\u202c", ""), encoding="utf-8")  # as before issue 20
    results = {}
    for path in (isolated, leaking):
        context, page = open_page(browser, path.as_uri(), 390)
        results[path.stem] = page.evaluate(LEFT_TO_RIGHT)
        context.close()
    assert results["isolated"]["checked"] > 500 and results["isolated"]["reversed"] == []
    assert results["leaking"]["reversed"]  # the check sees the reversal it guards against


def test_report_screens_web_result_page_on_a_phone(browser: Any, tmp_path: Path) -> None:
    from powerlens.web import Settings, create_app
    from powerlens.web.server import background

    url, stop = background(create_app(Settings(data_dir=tmp_path / "data")))
    try:
        context, page = open_page(browser, url + "/", 390)
        page.fill("#text", (EXAMPLES / "couple_disagreement.txt").read_text(encoding="utf-8"))
        page.click("#analyse")
        page.wait_for_url("**/cases/1")
        check_layout(page, 390)
        assert page.locator("section.summary .person").count() == 2
        assert page.locator("#glance a").count() == page.locator("section.finding").count()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "web-result-390.png"), full_page=True)
        chat = "\n".join(f"{u.speaker}: {u.text}" for u in bidi_conversation().utterances)
        page.goto(url + "/")
        page.fill("#text", chat + "\n")
        page.fill("input[name=context]", "\u2069\u202ehome")
        page.click("#analyse")
        page.wait_for_url("**/cases/2")
        checks = {"case": page.evaluate(LEFT_TO_RIGHT)}
        page.goto(url + "/cases/2/practice/boundary-check")
        checks["practice"] = page.evaluate(LEFT_TO_RIGHT)
        page.goto(url + "/people/" + quote("Eve\u202e", safe=""))
        checks["person"] = page.evaluate(LEFT_TO_RIGHT)
        context.close()
        assert checks["case"]["checked"] > 300
        assert all(c["checked"] > 20 and c["reversed"] == [] for c in checks.values()), checks
    finally:
        stop()
