"""The web app through FastAPI's test client: every route, limits, token rule, privacy."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from helpers import EXAMPLES, conversation
from powerlens.cli import app as cli_app
from powerlens.web import Settings, create_app, default_data_dir
from powerlens.web.pseudonym import pseudonymise
from powerlens.web.security import CSP
from powerlens.web.store import conversation_from_json, conversation_to_json

TOKEN = "correct-horse-battery"
SHORT = "Alex: one two three four\nJo: five six\n"  # Alex 4 of 6 words: 67%


def client_for(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), base_url="http://127.0.0.1")


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return client_for(Settings(data_dir=tmp_path / "data"))


def paste(client: TestClient, text: str, **fields: str) -> object:
    data = {"text": text, "reply_to_previous": "on", **fields}
    return client.post("/analyse", data=data, follow_redirects=False)


def files_post(client: TestClient, name: str, content: bytes, **fields: str) -> object:
    return client.post(
        "/analyse", data=fields, files={"file": (name, content)}, follow_redirects=False
    )


def store(client: TestClient):  # type: ignore[no-untyped-def]
    return client.app.state.store  # type: ignore[attr-defined]


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_web_index_has_form_csp_and_no_inline_script(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    assert "default-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert 'action="/analyse"' in page and 'id="quick-exit"' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert "http://" not in page and "https://" not in page  # nothing fetched from elsewhere


def test_web_paste_creates_a_case_with_the_report(client: TestClient) -> None:
    response = paste(client, SHORT, context="work")
    assert response.status_code == 303 and response.headers["location"] == "/cases/1"  # type: ignore[attr-defined]
    page = client.get("/cases/1").text
    assert "<td>Alex</td><td>4</td><td>67%</td>" in page
    assert "<td>Jo</td><td>2</td><td>33%</td>" in page
    assert page.count("<svg") >= 2 and 'id="u0"' in page and 'id="u1"' in page
    assert "context: work" in page
    assert store(client).counts() == {"cases": 1, "people": 2, "answers": 0}


def test_web_report_findings_link_to_transcript_turns(client: TestClient) -> None:
    paste(client, (EXAMPLES / "couple_disagreement.txt").read_text(encoding="utf-8"))
    page = client.get("/cases/1").text
    assert 'id="f0"' in page and 'href="#f0"' in page
    links = re.findall(r'<section class="finding" id="f0">.*?</section>', page, re.S)[0]
    targets = re.findall(r'href="#u(\d+)"', links)
    assert targets and all(f'id="u{t}"' in page for t in targets)
    assert "Who did the most talking?" in page


def test_web_upload_reads_by_extension_and_tags_context(client: TestClient) -> None:
    vtt = (EXAMPLES / "team_meeting.vtt").read_bytes()
    response = files_post(client, "team_meeting.vtt", vtt, context="work", format="auto")
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = client.get("/cases/1").text
    assert "team_meeting.vtt" in page and "context: work" in page
    case = store(client).get(1)
    assert case.context == "work" and case.title == "team_meeting"


def test_web_oversized_upload_is_refused_and_nothing_stored(tmp_path: Path) -> None:
    client = client_for(Settings(data_dir=tmp_path, max_bytes=1000))
    response = files_post(client, "big.txt", b"Ann: " + b"word " * 400)
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "the limit is 1 KB" in text_of(response.text)  # type: ignore[attr-defined]
    assert "nothing was stored" in response.text  # type: ignore[attr-defined]
    response = paste(client, "Ann: " + "word " * 400)
    assert response.status_code == 413  # type: ignore[attr-defined]
    huge = client.post("/analyse", content=b"x" * 200_000,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413 and "--max-bytes" in huge.text
    assert store(client).counts()["cases"] == 0


def test_web_too_many_utterances_are_refused(tmp_path: Path) -> None:
    client = client_for(Settings(data_dir=tmp_path, max_utterances=3))
    response = paste(client, "A: one\nB: two\nA: three\nB: four\n")
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "pasted.txt has 4 utterances; the limit is 3" in text_of(response.text)  # type: ignore[attr-defined]
    assert store(client).counts()["cases"] == 0


def test_web_malformed_upload_shows_reader_error_with_file_and_line(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    response = files_post(client, "chat.txt", b"Ann: hi\nBen: caf\xe9\n")
    assert response.status_code == 400  # type: ignore[attr-defined]
    message = text_of(response.text)  # type: ignore[attr-defined]
    assert "chat.txt:2" in message and "PL103" in message
    assert "powerlens-" not in message and str(scratch) not in message
    assert store(client).counts()["cases"] == 0
    assert list(scratch.iterdir()) == []  # the temp copy is gone


def test_web_unreadable_or_empty_submission_explains(client: TestClient) -> None:
    response = paste(client, "just some words without any speaker at all")
    assert response.status_code == 400 and "PL105" in response.text  # type: ignore[attr-defined]
    response = paste(client, "   ")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Paste a conversation or choose a file" in response.text  # type: ignore[attr-defined]
    response = paste(client, SHORT, helper="Sam")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "does not speak" in html.unescape(response.text)  # type: ignore[attr-defined]
    assert store(client).counts()["cases"] == 0


def test_web_token_is_required_on_every_request(tmp_path: Path) -> None:
    client = TestClient(
        create_app(Settings(data_dir=tmp_path, host="0.0.0.0", token=TOKEN)),
        base_url="http://192.0.2.7:8000",
    )
    assert client.get("/").status_code == 401
    assert client.get("/static/app.js").status_code == 401
    assert client.get("/", headers={"X-Powerlens-Token": "wrong"}).status_code == 401
    assert client.get("/", headers={"X-Powerlens-Token": TOKEN}).status_code == 200
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    first = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert "httponly" in first.headers["set-cookie"].lower()
    assert "samesite=strict" in first.headers["set-cookie"].lower()
    assert client.get("/").status_code == 200  # the cookie now carries it
    assert client.get("/static/app.js").status_code == 200


def test_web_serve_refuses_other_host_without_token() -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 2
    assert "--token" in result.stderr


def test_web_serve_prints_its_loopback_address(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    served = []
    monkeypatch.setattr("powerlens.web.server.run", lambda app, sock: served.append(sock))
    result = CliRunner().invoke(
        cli_app, ["serve", "--no-browser", "--data-dir", str(tmp_path), "--port", "0"]
    )
    assert result.exit_code == 0, result.output
    port = served[0].getsockname()[1]
    served[0].close()
    assert f"powerlens is running at http://127.0.0.1:{port}/" in result.stdout
    assert str(tmp_path / "cases.sqlite3") in result.stdout


def test_web_serve_without_the_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "fastapi" else real(name, *a)
    )
    result = CliRunner().invoke(cli_app, ["serve", "--no-browser"])
    assert result.exit_code == 2
    assert 'pip install "powerlens[web]"' in result.stderr


def test_web_importing_powerlens_does_not_import_fastapi() -> None:
    code = "import sys, powerlens, powerlens.cli, powerlens.web; print('fastapi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_web_loopback_refuses_foreign_host_and_cross_site_posts(client: TestClient) -> None:
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400
    response = client.post(
        "/analyse", data={"text": SHORT}, headers={"origin": "http://evil.example"}
    )
    assert response.status_code == 403
    assert store(client).counts()["cases"] == 0


def test_web_pseudonymise_replaces_names_in_case_and_exports(client: TestClient) -> None:
    text = "Alex Smith: Jo, listen to me. I will decide.\nJo: No, alex. Smith always decides.\n"
    response = paste(client, text, pseudonymise="on", context="couple")
    assert response.status_code == 303  # type: ignore[attr-defined]
    case_file = client.get("/").text.split("<h2>Case file</h2>")[1]
    pages = [case_file, client.get("/cases/1").text]
    pages += [client.get(f"/cases/1/export/{f}").text for f in ("html", "md", "json")]
    for page in pages:
        assert not re.search(r"\b(Alex|alex|Smith|Jo)\b", page)
    assert "Partner B, listen to me. I will decide." in html.unescape(pages[1])
    assert "No, Partner A. Partner A always decides." in html.unescape(pages[1])
    stored = store(client).conversation(1)
    assert stored.speaker_names() == ["Partner A", "Partner B"] and stored.source == "upload"


def test_web_pseudonymise_maps_speakers_and_helper_in_order() -> None:
    conv = conversation(("Will", "Hi Dana, will you sit?"), ("Dana", "Yes, Will."), source="x.txt")
    renamed, helper = pseudonymise(conv, "Dana")
    assert [u.speaker for u in renamed.utterances] == ["Partner A", "Partner B"]
    assert renamed.utterances[0].text == "Hi Partner B, Partner A you sit?"
    assert helper == "Partner B"


def test_web_practice_answers_are_saved_and_exported(client: TestClient) -> None:
    paste(client, (EXAMPLES / "couple_disagreement.txt").read_text(encoding="utf-8"))
    page = client.get("/cases/1/practice/tracking-influence").text
    assert "Who did the most talking?" in html.unescape(page)
    assert "Alex: " in page and "words (" in page  # pre-filled from the analysis
    answers = ["Alex did <b>most</b>", "The train plan", "Money for tickets"]
    response = client.post(
        "/cases/1/practice/tracking-influence", data={"answer": answers}, follow_redirects=False
    )
    assert response.status_code == 303
    page = client.get("/cases/1/practice/tracking-influence?saved=1").text
    assert "Your answers were saved." in page and "Alex did &lt;b&gt;most&lt;/b&gt;" in page
    markdown = client.get("/cases/1/practice/tracking-influence/export.md").text
    assert "**Answer:** The train plan" in markdown
    assert store(client).answers(1, "tracking_influence")[0] == answers


def test_web_privilege_declarations_feed_the_practice(client: TestClient) -> None:
    paste(client, SHORT)
    page = client.get("/cases/1/practice/airing-the-privilege").text
    assert "[people.&#34;Alex&#34;]" in page  # a template for the speakers
    declared = (
        '[people.Alex]\nincome_share = 0.8\nmanages_money = true\n'
        "[people.Jo]\nincome_share = 0.2\nmanages_money = false\n"
    )
    response = client.post(
        "/cases/1/practice/airing-the-privilege",
        data={"answer": ["", "", ""], "declarations": declared},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = html.unescape(client.get("/cases/1/practice/airing-the-privilege").text)
    assert "Alex over Jo: declared differential" in page
    bad = client.post(
        "/cases/1/practice/airing-the-privilege",
        data={"answer": [""], "declarations": "[people.Alex]\nincome_share = 7\n"},
    )
    assert bad.status_code == 400 and "income_share must be a number" in bad.text


def test_web_profile_compares_contexts(client: TestClient) -> None:
    paste(client, "Alex: a b c d e f\nSam: g h\n", context="work")  # Alex 6/8 = 75%
    paste(client, "Alex: a b\nJo: c d e f g h\n", context="family")  # Alex 2/8 = 25%
    index = client.get("/").text
    assert '<a href="/people/Alex">Alex</a>' in index
    page = text_of(client.get("/people/Alex").text)
    assert "work (1)" in page and "family (1)" in page
    assert "Alex's word share is 75% in work but 25% in family." in page
    assert client.get("/people/Nobody").status_code == 404


def test_web_exports_html_markdown_json(client: TestClient) -> None:
    paste(client, SHORT, context="work")
    page = client.get("/cases/1/export/html")
    assert page.headers["content-disposition"] == 'attachment; filename="powerlens-case-1.html"'
    assert "<title>powerlens report</title>" in page.text
    note = client.get("/cases/1/export/md").text
    assert note.startswith("---\n") and 'context: ["work"]' in note
    data = json.loads(client.get("/cases/1/export/json").text)
    assert data["schema"] == "powerlens.report/1"
    assert data["conversations"][0]["speakers"]["Alex"]["words"] == 4
    assert client.get("/cases/1/export/pdf").status_code == 404


def test_web_delete_removes_the_case_and_everything_derived(client: TestClient) -> None:
    paste(client, SHORT)
    client.post("/cases/1/practice/boundary-check", data={"answer": ["yes", "no"]})
    assert store(client).counts() == {"cases": 1, "people": 2, "answers": 1}
    response = client.post("/cases/1/delete", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/?deleted=1"
    assert store(client).counts() == {"cases": 0, "people": 0, "answers": 0}
    assert client.get("/cases/1").status_code == 404
    assert client.get("/cases/1/export/json").status_code == 404
    assert "were deleted" in client.get("/?deleted=1").text
    assert client.post("/cases/1/delete").status_code == 404


def test_web_memory_only_keeps_nothing_on_disk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    client = client_for(Settings(data_dir=data, memory_only=True))
    assert paste(client, SHORT).status_code == 303  # type: ignore[attr-defined]
    assert "Memory only" in client.get("/cases/1").text
    assert store(client).counts()["cases"] == 1
    assert not data.exists()


def test_web_case_file_on_disk_survives_a_restart(tmp_path: Path) -> None:
    first = client_for(Settings(data_dir=tmp_path))
    paste(first, SHORT, context="family")
    store(first).close()
    assert (tmp_path / "cases.sqlite3").stat().st_mode & 0o777 == 0o600
    second = client_for(Settings(data_dir=tmp_path))
    assert "<td>Alex</td><td>4</td><td>67%</td>" in second.get("/cases/1").text


def test_web_hostile_transcript_is_escaped(client: TestClient) -> None:
    hostile = "Eve: <script>document.title='pwned'</script>\nBob: <img src=x onerror=alert(1)>\n"
    paste(client, hostile)
    page = client.get("/cases/1").text
    assert "<script>document" not in page and "<img src=x" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page


def test_web_quick_exit_page_is_neutral(client: TestClient) -> None:
    page = client.get("/weather").text
    assert "<title>Weather</title>" in page and "powerlens" not in page.lower()
    script = client.get("/static/app.js").text
    assert 'window.location.replace(NEUTRAL)' in script and '"Escape"' in script


def test_web_unknown_pages_are_404(client: TestClient) -> None:
    assert client.get("/cases/9").status_code == 404
    paste(client, SHORT)
    assert client.get("/cases/1/practice/nonsense").status_code == 404
    assert client.get("/healthz").text == "ok"
    assert "body{" in client.get("/report.css").text


def test_web_data_dir_follows_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POWERLENS_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "powerlens"
    monkeypatch.setenv("POWERLENS_DATA_DIR", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine"
    assert Settings().database == tmp_path / "mine" / "cases.sqlite3"


def test_web_store_round_trips_a_conversation() -> None:
    conv = conversation(("Ann", "hi"), ("Ben", "yo"), source="s.txt", context=("work",))
    again = conversation_from_json(conversation_to_json(conv))
    assert again == conv
