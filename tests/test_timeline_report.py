"""The timeline in the HTML report, the Markdown note and the web app (issue 16)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient

from helpers import REPO
from powerlens import analyze, load, render
from powerlens.web import Settings, create_app
from timeline_history import Plan, history, whatsapp

PLAN = Plan(
    weeks=10,
    messages_per_day=2.0,
    rates={"monitoring": (1.0, 3.0), "power_with": (1.0, 1.0)},
    refusals=(1.0, 1.0),
    responses={"respected": 0.5, "pressured": 0.5},
    seed=9,
)


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "history.txt"
    path.write_text(whatsapp(history(PLAN)), encoding="utf-8")
    return path


def test_timeline_report_html_shows_over_time_for_a_long_chat(tmp_path: Path) -> None:
    page = render(analyze(load(_export(tmp_path))), "html")
    assert "<h2>Over time</h2>" in page and "Power over, week by week" in page
    assert "Refusals respected, over time" in page and "First and last time each appears" in page
    assert "no risk or danger score" in page.replace("There is no risk", "no risk")


def test_timeline_report_html_leaves_it_out_for_one_evening() -> None:
    chat = REPO / "tests/data/challenge/conversations/couple-chat-control.txt"
    assert "Over time" not in render(analyze(load(chat)), "html")
    assert "## Evidence log" not in render(analyze(load(chat)), "md")


def test_timeline_report_markdown_note_has_the_evidence_log(tmp_path: Path) -> None:
    note = render(analyze(load(_export(tmp_path))), "md")
    log = note.split("## Evidence log", 1)[1]
    assert "not a finding about a person" in log
    assert "| monitoring |" in log and "rule:acts." in log


def test_timeline_web_case_page_and_evidence_export(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(data_dir=tmp_path / "data")), base_url="http://127.0.0.1")
    content = _export(tmp_path).read_bytes()
    response = client.post(
        "/analyse", files={"file": ("history.txt", content)}, follow_redirects=False
    )
    assert response.status_code == 303
    page = client.get("/cases/1").text
    assert "<h2>Over time</h2>" in page and 'id="evidence-csv"' in page
    assert 'id="quick-exit"' in page
    export = client.get("/cases/1/export/evidence.csv")
    assert export.headers["content-disposition"].endswith('-evidence.csv"')
    rows = [r for r in csv.reader(io.StringIO(export.text.removeprefix("\ufeff")))
            if r and not r[0].startswith("#")]
    assert rows[0][:4] == ["date", "time", "speaker", "category"] and len(rows) > 10


def test_timeline_web_short_case_has_no_evidence_export(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(data_dir=tmp_path / "data")), base_url="http://127.0.0.1")
    client.post("/analyse", data={"text": "Alex: hi\nJo: hello\n"}, follow_redirects=False)
    assert "evidence-csv" not in client.get("/cases/1").text
    assert client.get("/cases/1/export/evidence.csv").status_code == 404
