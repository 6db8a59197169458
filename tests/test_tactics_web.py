"""The tactic model choice in the CLI and the web app (issue 19: an MIT-licensed option)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from powerlens.cli import app as cli_app
from powerlens.web import Settings, create_app
from powerlens.web.store import CaseStore

TEXT = "Alex: Want to get lunch?\nJo: Do it now or else.\n"


def client_for(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path / "data")), base_url="http://127.0.0.1")


def test_tactics_web_form_offers_the_models(tmp_path: Path) -> None:
    page = client_for(tmp_path).get("/").text
    assert 'name="tactics_model"' in page
    assert "reament (MIT)" in page and "mentalmanip (CC BY-NC)" in page


def test_tactics_web_case_keeps_its_model(tmp_path: Path) -> None:
    client = client_for(tmp_path)
    data = {"text": TEXT, "tactics_model": "reament"}
    assert client.post("/analyse", data=data, follow_redirects=False).status_code == 303
    report = json.loads(client.get("/cases/1/export/json").text)["conversations"][0]
    assert report["tactics"]["model"]["name"] == "tactics-reament"
    # a fresh app on the same case file re-analyses with the stored choice
    again = TestClient(
        create_app(Settings(data_dir=tmp_path / "data")), base_url="http://127.0.0.1"
    )
    report = json.loads(again.get("/cases/1/export/json").text)["conversations"][0]
    assert report["tactics"]["model"]["name"] == "tactics-reament"


def test_tactics_web_unknown_model_is_refused(tmp_path: Path) -> None:
    client = client_for(tmp_path)
    response = client.post("/analyse", data={"text": TEXT, "tactics_model": "gpt"})
    assert response.status_code == 400
    assert "Unknown tactic model" in response.text
    assert client.get("/cases/1").status_code == 404


def test_tactics_web_old_case_file_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE cases (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, "
        "title TEXT NOT NULL, context TEXT NOT NULL DEFAULT '', helper TEXT, pseudonymised "
        "INTEGER NOT NULL DEFAULT 0, reply_to_previous INTEGER NOT NULL DEFAULT 0, conversation "
        "TEXT NOT NULL, declarations TEXT NOT NULL DEFAULT '')"
    )
    db.commit()
    db.close()
    store = CaseStore(path)
    assert store.cases() == []
    store.close()


def test_tactics_cli_model_option(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(TEXT, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        cli_app, ["analyze", str(path), "-f", "json", "--tactics-model", "reament"]
    )
    assert result.exit_code == 0, result.output
    section = json.loads(result.stdout)["conversations"][0]["tactics"]
    assert section["model"]["name"] == "tactics-reament"
    none = runner.invoke(cli_app, ["analyze", str(path), "-f", "json", "--tactics-model", "none"])
    assert json.loads(none.stdout)["conversations"][0]["tactics"]["source"] == "rules"
    bad = runner.invoke(cli_app, ["analyze", str(path), "--tactics-model", "gpt"])
    assert bad.exit_code == 2
    assert "--tactics-model 'gpt'" in bad.output
