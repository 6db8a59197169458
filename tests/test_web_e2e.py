"""The web app in a real headless browser (Debian's chromium driven by Playwright).

Starts the app with uvicorn on a free loopback port, then pastes, reads, follows a finding
to its turn, runs a practice, reopens the case, quick-exits and deletes; a hostile
transcript must run no script. Screenshots go to tests/screenshots/ (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import FLAGS
from helpers import EXAMPLES, REPO
from powerlens.web import Settings, create_app
from powerlens.web.server import background
from test_web_worker import alive, long_chat, wait_for

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [flag for flag in FLAGS if flag != "--headless"]
SHOTS = REPO / "tests" / "screenshots"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    app = create_app(Settings(data_dir=tmp_path / "data"))
    url, stop = background(app)
    yield url, app
    stop()


@pytest.fixture
def site(served: tuple[str, Any]) -> str:
    return served[0]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 900, "height": 1200})
    yield context.new_page()
    context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"web-{name}.png"), full_page=True)


def test_web_e2e_paste_read_practice_reopen_exit_delete(page: Any, site: str) -> None:
    page.goto(site + "/")
    shot(page, "index")
    page.fill("#text", (EXAMPLES / "couple_disagreement.txt").read_text(encoding="utf-8"))
    page.fill("input[name=context]", "couple")
    page.click("#analyse")
    page.wait_for_url("**/cases/1")
    assert page.locator("section.finding").count() >= 2
    chart = page.locator("svg.chart").first
    assert chart.is_visible() and chart.bounding_box()["width"] > 100
    shot(page, "report")

    quote = page.locator("#f0 blockquote a").first
    target = quote.get_attribute("href")
    quote.click()
    page.wait_for_function(f"location.hash === '{target}'")
    assert page.evaluate("document.querySelector(':target').id") == target.lstrip("#")
    colour = page.evaluate("getComputedStyle(document.querySelector(':target')).backgroundColor")
    assert colour == "rgb(255, 246, 213)"  # .utt:target from the HTML report's style

    page.click("#practice-tracking-influence")
    page.wait_for_url("**/practice/tracking-influence")
    assert "words (" in page.locator(".found").first.inner_text()  # pre-filled
    answers = page.locator("textarea[name=answer]")
    answers.nth(0).fill("Alex, by far")
    answers.nth(1).fill("The train to his parents")
    page.click("#save")
    page.wait_for_selector("#saved")
    shot(page, "practice")

    page.goto(site + "/")
    page.click("#cases a[href='/cases/1']")
    page.wait_for_url("**/cases/1")
    assert page.locator("section.finding").count() >= 2
    page.click("#practice-tracking-influence")
    page.wait_for_url("**/practice/tracking-influence")
    assert page.locator("textarea[name=answer]").nth(1).input_value() == "The train to his parents"

    page.goto(site + "/people/Alex")
    assert page.locator("#profile").is_visible()
    shot(page, "profile")

    page.goto(site + "/cases/1")
    entries = page.evaluate("history.length")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url("**/weather")
    assert page.title() == "Weather"
    assert page.evaluate("history.length") == entries  # replaced, not added
    shot(page, "weather")

    page.goto(site + "/cases/1")
    page.click("#quick-exit")
    page.wait_for_url("**/weather")

    page.goto(site + "/cases/1")
    page.click("#delete")
    page.wait_for_url("**/?deleted=1")
    assert page.locator("#notice").is_visible() and page.locator("#empty").is_visible()
    page.goto(site + "/cases/1")
    assert page.locator("h1").inner_text() == "Not found"


def test_web_e2e_drop_a_file_and_hostile_text_runs_no_script(page: Any, site: str) -> None:
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    hostile = (
        "Eve: <script>document.title='pwned';alert(1)</script>\n"
        "Bob: <img src=x onerror=\"document.title='pwned';alert(2)\">\n"
        "<b>Eve</b>: \"><svg onload=alert(3)> </div></article><script>alert(4)</script>\n"
        "Bob: <a href=\"javascript:alert(5)\" id=evil>click</a> مرحبا 😀\n"
    )
    page.goto(site + "/")
    page.evaluate(
        """text => {
            const data = new DataTransfer();
            data.items.add(new File([text], "hostile chat.txt", {type: "text/plain"}));
            const zone = document.getElementById("dropzone");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
        }""",
        hostile,
    )
    assert page.locator("#dropname").inner_text() == "Chosen: hostile chat.txt"
    page.click("#analyse")
    page.wait_for_url("**/cases/1")
    page.wait_for_timeout(300)
    assert page.title() == "Case 1 · powerlens"
    assert page.locator("script").count() == 1  # only the app's own /static/app.js
    assert page.locator("#evil").count() == 0 and page.locator("img").count() == 0
    assert "<script>document.title='pwned'" in page.locator("#u0").inner_text()
    assert "<img src=x onerror=" in page.locator("#u1").inner_text()
    shot(page, "hostile")
    assert dialogs == [] and errors == []


def test_web_e2e_quick_exit_leaves_no_app_page_in_history(page: Any, site: str) -> None:
    """Issue 20: after Quick exit, Back showed the case list. Every step inside the app
    (links, the analysis, saved answers, a refusal) now replaces the tab's one entry."""
    page.goto(site + "/")
    entries = page.evaluate("history.length")  # the new tab's blank page, then the app
    page.fill("#text", (EXAMPLES / "couple_disagreement.txt").read_text(encoding="utf-8"))
    page.click("#analyse")
    page.wait_for_url("**/cases/1")
    page.click("#practice-tracking-influence")
    page.wait_for_url("**/practice/tracking-influence")
    page.locator("textarea[name=answer]").nth(0).fill("Alex")
    page.click("#save")
    page.wait_for_selector("#saved")
    page.click("text=back to the report")
    page.wait_for_url("**/cases/1")
    page.click("a.home")
    page.wait_for_url(site + "/")
    page.fill("#text", "no speaker on this line")
    page.click("#analyse")
    page.wait_for_selector("#error")
    assert "PL105" in page.inner_text("#error")
    assert page.inner_text("#error").startswith("Not analysed, nothing was stored.")
    assert page.evaluate("history.length") == entries
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url("**/weather")
    assert page.evaluate("history.length") == entries
    page.go_back()
    assert page.url == "about:blank"  # what the tab showed before the app, not the app


def test_web_e2e_leaving_during_an_analysis_stops_it(page: Any, served: tuple[str, Any]) -> None:
    url, app = served
    analyses = app.state.analyses
    page.goto(url + "/")
    page.evaluate("text => { document.getElementById('text').value = text; }", long_chat())
    page.click("#analyse")
    assert wait_for(lambda: len(analyses.running) == 1, 20)
    (pid,) = analyses.running
    assert page.locator("#sending").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url("**/weather")
    assert wait_for(lambda: not analyses.running and not alive(pid), 3)
    assert app.state.store.counts()["cases"] == 0
