"""The web app's analysis worker: bombs, time and memory limits, cancellation, stored reports.

Issue 20: a 1.4 KB Parquet upload expanding to 32 MiB of text ran 118 s at 4.9 GB, could not
be cancelled and was analysed again each time its case was opened. Small limits keep these
tests fast: a bomb meets a 400 MB worker, a long analysis a 1 s limit.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import socket
import sqlite3
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from helpers import EXAMPLES
from powerlens.web import Settings, create_app
from powerlens.web.pool import FORK_SERVER
from powerlens.web.server import background

MB = 1024 * 1024
SHORT = "Alex: one two three four\nJo: five six\n"
WORDS = (EXAMPLES / "couple_disagreement.txt").read_text(encoding="utf-8").split()


def client_for(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), base_url="http://127.0.0.1")


def upload(client: TestClient, name: str, content: bytes, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/analyse",
        data=fields,
        files={"file": (name, content)},
        headers={"accept": "application/json"},
    )


def long_chat(turns: int = 4000, words: int = 100) -> str:
    """A chat that takes seconds to analyse (4,000 turns of 100 words: about 10 s here)."""
    rng = random.Random(20)
    return "".join(
        f"{'AB'[i % 2]}: {' '.join(rng.choice(WORDS) for _ in range(words))}\n"
        for i in range(turns)
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(check, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return bool(check())


def parquet_bomb(path: Path) -> Path:
    """1.4 KB of Parquet that reads as 32 MiB of text (four 8 MiB utterances)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = "blah " * (8 * MB // 5)
    table = pa.table({"speaker": ["A", "B", "A", "B"], "text": [text] * 4})
    pq.write_table(table, path, compression="zstd", compression_level=22)
    return path


def test_web_parquet_bomb_is_refused_quickly_within_memory(tmp_path: Path) -> None:
    bomb = parquet_bomb(tmp_path / "bomb.parquet").read_bytes()
    assert len(bomb) < 2000
    small = client_for(Settings(data_dir=tmp_path / "a", max_memory=400 * MB))
    began = time.monotonic()
    response = upload(small, "bomb.parquet", bomb)
    assert time.monotonic() - began < 10
    assert response.status_code in (400, 413)
    assert response.json()["error"]["code"].startswith("PL1")
    peak = small.app.state.analyses.peak  # type: ignore[attr-defined]
    assert peak < 500 * MB
    # with room to read it, the reader's budget refuses the 8 MB utterance before any analysis
    roomy = client_for(Settings(data_dir=tmp_path / "b"))
    began = time.monotonic()
    response = upload(roomy, "bomb.parquet", bomb)
    assert time.monotonic() - began < 10
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "PL122" and "[PL113]" in error["message"]
    assert "--limit utterance-chars=" in error["message"]  # serve takes --limit too
    # with that budget raised, the text read is over --max-bytes, refused before any analysis
    raised = client_for(Settings(data_dir=tmp_path / "c", limits=("utterance-chars=9000000",)))
    response = upload(raised, "bomb.parquet", bomb)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "PL190" and "32.0 MB" in error["message"]
    assert "--max-bytes" in error["fix"]
    for client in (small, roomy, raised):
        assert client.app.state.store.counts()["cases"] == 0  # type: ignore[attr-defined]


def test_web_zip_and_gzip_bombs_are_refused_quickly(tmp_path: Path) -> None:
    chunk = b"Alex: " + b"a" * (MB - 7) + b"\n"
    packed = io.BytesIO()
    with (
        zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("chat.txt", "w", force_zip64=True) as inner,
    ):
        for _ in range(200):
            inner.write(chunk)
    squeezed = io.BytesIO()
    with gzip.GzipFile(fileobj=squeezed, mode="wb") as handle:
        for _ in range(200):
            handle.write(chunk)
    client = client_for(Settings(data_dir=tmp_path, max_memory=400 * MB))
    for name, data in (("chat.zip", packed.getvalue()), ("chat.txt.gz", squeezed.getvalue())):
        assert len(data) < MB  # 200 MB of text inside
        began = time.monotonic()
        response = upload(client, name, data)
        assert time.monotonic() - began < 10, name
        assert response.status_code in (400, 413), name
        assert response.json()["error"]["code"].startswith("PL1"), name
    assert client.app.state.analyses.peak < 500 * MB  # type: ignore[attr-defined]
    assert client.app.state.store.counts()["cases"] == 0  # type: ignore[attr-defined]


def test_web_analysis_past_its_time_limit_is_stopped(tmp_path: Path) -> None:
    client = client_for(Settings(data_dir=tmp_path, max_seconds=1))
    began = time.monotonic()
    response = client.post(
        "/analyse", data={"text": long_chat()}, headers={"accept": "application/json"}
    )
    assert time.monotonic() - began < 6
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "PL193" and "time limit of 1 s" in error["message"]
    assert "--max-seconds" in error["fix"]
    assert client.app.state.analyses.running == {}  # type: ignore[attr-defined]
    assert client.app.state.store.counts()["cases"] == 0  # type: ignore[attr-defined]


def raw_post(url: str, text: str) -> socket.socket:
    """Send a paste over a bare socket and leave the answer unread."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    body = urlencode({"text": text, "reply_to_previous": "on"}).encode()
    sock = socket.create_connection((host, int(port)))
    head = (
        f"POST /analyse HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    return sock


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, object]]:
    app = create_app(Settings(data_dir=tmp_path / "data"))
    url, stop = background(app)
    yield url, app
    stop()


def test_web_analysis_is_cancelled_when_the_client_goes_away(
    served: tuple[str, object],
) -> None:
    url, app = served
    analyses = app.state.analyses  # type: ignore[attr-defined]
    sock = raw_post(url, long_chat())
    assert wait_for(lambda: len(analyses.running) == 1, 20)
    (pid,) = analyses.running
    time.sleep(0.3)
    assert alive(pid)
    sock.close()
    assert wait_for(lambda: not analyses.running and not alive(pid), 3)
    assert app.state.store.counts()["cases"] == 0  # type: ignore[attr-defined]


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def start_serve(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "powerlens.cli", "serve", "--no-browser", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "powerlens is running at http://127.0.0.1:" in line, line
    return process, line.split("at ", 1)[1].split("/ ", 1)[0].rstrip("/\n")


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_web_stopping_the_server_leaves_no_worker_or_folder(how: str, tmp_path: Path) -> None:
    import signal

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "POWERLENS_DATA_DIR": str(tmp_path / "data")}
    process, url = start_serve(env, "--memory-only", "--scratch-dir", str(scratch))
    try:
        sock = raw_post(url, long_chat())
        # the fork server and one worker below it, at work in its private folder
        assert wait_for(lambda: len(list(scratch.glob("*/upload"))) == 1, 30)
        below = descendants(process.pid)
        assert len(below) == 2 and len(list(scratch.iterdir())) == 1
        began = time.monotonic()
        process.send_signal(getattr(signal, how))
        process.wait(timeout=15)
        assert time.monotonic() - began < 1.5  # no waiting out the grace period
        # generous waits: the workers notice and clean up at once, a loaded machine is slow
        assert wait_for(lambda: not any(alive(p) for p in below), 10)
        assert wait_for(lambda: not list(scratch.iterdir()), 10)
        sock.close()
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert "ERROR" not in stderr and "Traceback" not in stderr, stderr


def test_web_case_opens_without_analysing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client_for(Settings(data_dir=tmp_path))
    text = (EXAMPLES / "couple_disagreement.txt").read_text(encoding="utf-8")
    first.post("/analyse", data={"text": text, "reply_to_previous": "on"}, params={})
    first.post("/analyse", data={"text": SHORT, "context": "work"})
    addresses = [
        "/cases/1",
        "/cases/1/export/html",
        "/cases/1/export/md",
        "/cases/1/export/json",
        "/cases/1/practice/tracking-influence",
        "/cases/1/practice/boundary-check/export.md",
        "/people/Alex",
    ]
    before = {a: first.get(a).text for a in addresses}
    first.app.state.store.close()  # type: ignore[attr-defined]

    def no_worker() -> None:
        raise AssertionError("a case was analysed again")

    monkeypatch.setattr(FORK_SERVER, "launch", no_worker)
    again = client_for(Settings(data_dir=tmp_path))
    for address in addresses:
        response = again.get(address)
        assert response.status_code == 200, address
        assert response.text == before[address], address
    assert "<td>Alex</td>" in before["/cases/1"] and "work (1)" in before["/people/Alex"]


def test_web_case_file_from_before_reports_is_analysed_once_on_request(tmp_path: Path) -> None:
    first = client_for(Settings(data_dir=tmp_path))
    first.post("/analyse", data={"text": SHORT})
    first.app.state.store.close()  # type: ignore[attr-defined]
    with sqlite3.connect(tmp_path / "cases.sqlite3") as db:  # the old schema had no report
        db.execute("ALTER TABLE cases DROP COLUMN report")
    client = client_for(Settings(data_dir=tmp_path))
    page = client.get("/cases/1")
    assert page.status_code == 409 and 'action="/cases/1/analyse"' in page.text
    assert client.get("/cases/1/export/json").status_code == 409
    response = client.post("/cases/1/analyse", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/cases/1"
    assert "<td>Alex</td><td>4</td><td>67%</td>" in client.get("/cases/1").text


DAY = [
    {"type": "message", "user": "U1", "text": "We ship on Friday.", "ts": "1704103200.000100"},
    {"type": "message", "user": "U2", "text": "I can't, not this week.", "ts": "1704103260.0002"},
]


def test_web_slack_upload_ignores_files_planted_in_the_shared_temp_folder(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared-tmp"  # stands in for /tmp
    shared.mkdir()
    planted = [{"id": "U1", "real_name": "Mallory"}, {"id": "U2", "real_name": "Mallory 2"}]
    (shared / "users.json").write_text(json.dumps(planted), encoding="utf-8")
    (shared / "channels.json").write_text(json.dumps([{"id": "C9", "name": "x"}]), "utf-8")
    client = client_for(Settings(data_dir=tmp_path / "data", scratch_dir=shared))
    response = upload(client, "2024-01-01.json", json.dumps(DAY).encode(), format="slack")
    assert response.status_code == 200, response.text
    page = client.get(response.json()["location"]).text
    assert "Mallory" not in page and "<td>U1</td>" in page and "<td>U2</td>" in page
    (shared / "users.json").write_text("[{broken", encoding="utf-8")  # broke every upload
    response = upload(client, "2024-01-01.json", json.dumps(DAY).encode(), format="slack")
    assert response.status_code == 200, response.text
    assert sorted(p.name for p in shared.iterdir()) == ["channels.json", "users.json"]


def test_web_each_upload_is_read_in_a_private_folder_removed_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    made: list[tuple[Path, int]] = []
    real = tempfile.mkdtemp

    def watched(*args: object, **kwargs: object) -> str:
        folder = real(*args, **kwargs)  # type: ignore[call-overload]
        made.append((Path(folder), os.stat(folder).st_mode & 0o777))
        return folder

    monkeypatch.setattr("powerlens.web.pool.tempfile.mkdtemp", watched)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    client = client_for(Settings(data_dir=tmp_path / "data", scratch_dir=scratch))
    client.post("/analyse", data={"text": SHORT})
    client.post("/analyse", data={"text": "no speakers here"})
    assert len(made) == 2 and {mode for _, mode in made} == {0o700}
    assert all(folder.parent == scratch for folder, _ in made)
    assert len({folder for folder, _ in made}) == 2  # one of its own per upload
    assert list(scratch.iterdir()) == []


def test_web_reader_faults_and_errors_are_coded_refusals_not_500(tmp_path: Path) -> None:
    client = client_for(Settings(data_dir=tmp_path))
    nested = "[" * 5000 + "]" * 5000
    deep = f'[{{"type": "message", "user": "U1", "text": "hi", "ts": "1.0", "x": {nested}}}]'
    cases = {
        "2024-01-01.json": deep.encode(),  # RecursionError in the Slack reader before issue 20
        "chat.txt": b"Ann: hi\nBen: caf\xe9\n",
        "empty.txt": b"   \n",
    }
    for name, data in cases.items():
        response = upload(client, name, data)
        assert response.status_code == 400, (name, response.text)
        error = response.json()["error"]
        assert error["code"].startswith("PL1") and error["text"].startswith(f"[{error['code']}]")
        assert str(tmp_path) not in response.text and "powerlens-upload" not in response.text
    page = client.post("/analyse", files={"file": ("2024-01-01.json", deep.encode())})
    assert page.status_code == 400 and "nothing was stored" in page.text
    assert client.app.state.store.counts()["cases"] == 0  # type: ignore[attr-defined]


def test_web_route_parameters_are_checked_before_the_database(tmp_path: Path) -> None:
    client = client_for(Settings(data_dir=tmp_path))
    client.post("/analyse", data={"text": SHORT})
    huge = "9" * 30
    for address in (
        f"/cases/{huge}",
        "/cases/abc",
        "/cases/-1",
        "/cases/0",
        "/cases/01",
        f"/cases/{huge}/export/json",
        f"/cases/{huge}/practice/boundary-check",
        f"/cases/{huge}/practice/boundary-check/export.md",
        "/people/" + "x" * 5000,
        "/no/such/page",
    ):
        response = client.get(address)
        assert response.status_code == 404, address
        assert "Not found" in response.text
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
    for sneaky in (
        "/static/%2e%2e/app.py",
        "/static/..%2f..%2fpyproject.toml",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    ):
        response = client.get(sneaky)
        assert response.status_code == 404 and "import" not in response.text, sneaky
    assert client.post(f"/cases/{huge}/delete").status_code == 404
    assert client.post(f"/cases/{huge}/practice/boundary-check").status_code == 404
    assert client.post(f"/cases/{huge}/analyse").status_code == 404
    assert client.get(f"/?deleted={huge}&added=x").status_code == 200
    assert client.get(f"/cases/1/practice/boundary-check?saved={huge}").status_code == 200
    assert client.get("/cases/1").status_code == 200


def test_web_json_answers_for_scripts(tmp_path: Path) -> None:
    client = client_for(Settings(data_dir=tmp_path))
    ok = client.post("/analyse", data={"text": SHORT}, headers={"accept": "application/json"})
    assert ok.status_code == 200 and ok.json() == {"location": "/cases/1", "cases": [1]}
    refused = upload(client, "chat.txt", b"Ann: hi\nBen: caf\xe9\n")
    error = refused.json()["error"]
    assert error["code"] == "PL103" and error["message"].startswith("chat.txt:2: is not valid")
    gone = client.post("/cases/1/delete", headers={"accept": "application/json"})
    assert gone.json() == {"location": "/?deleted=1"}


AUDIT = """
import os, sys

ALLOWED = ("/dev/", "/proc/")

def _path(value):
    return os.fsdecode(value) if isinstance(value, (str, bytes, os.PathLike)) else None

def _hook(event, args):
    path = None
    if event == "open" and args:
        mode, flags = args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        path = _path(args[0]) if writing else None
    elif event in ("os.mkdir", "tempfile.mkdtemp", "tempfile.mkstemp", "os.rename"):
        path = _path(args[0])
    elif event == "sqlite3.connect" and args and args[0] != ":memory:":
        path = _path(args[0])
    if path is not None and not os.path.abspath(path).startswith(ALLOWED):
        sys.__stderr__.write(f"WROTE {event} {path}\\n")

sys.addaudithook(_hook)
"""


def test_web_memory_only_writes_nothing_to_disk(tmp_path: Path) -> None:
    """Every Python process of the server (the server, its fork server, each worker) reports
    any file it creates or opens for writing outside /dev (the uploads go to /dev/shm, RAM);
    the folders a write would go to stay empty."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(AUDIT, encoding="utf-8")
    watched = {name: tmp_path / name for name in ("tmp", "home", "xdg", "data")}
    for folder in watched.values():
        folder.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TMPDIR": str(watched["tmp"]),
        "HOME": str(watched["home"]),
        "XDG_DATA_HOME": str(watched["xdg"]),
        "POWERLENS_DATA_DIR": str(watched["data"]),
    }
    process, url = start_serve(env, "--memory-only")
    try:
        import httpx

        with httpx.Client(base_url=url, timeout=60, follow_redirects=True) as client:
            made = client.post("/analyse", data={"text": SHORT, "context": "work"})
            assert made.status_code == 200 and "Memory only" in made.text
            day = json.dumps(DAY).encode()
            slack = client.post(
                "/analyse", files={"file": ("2024-01-01.json", day)}, data={"format": "slack"}
            )
            assert slack.status_code == 200
            declared = "[people.Alex]\nincome_share = 0.8\n[people.Jo]\nincome_share = 0.2\n"
            saved = client.post(
                "/cases/1/practice/airing-the-privilege",
                data={"answer": ["mine"], "declarations": declared},
            )
            assert saved.status_code == 200 and "Your answers were saved." in saved.text
            assert client.get("/cases/1/export/json").status_code == 200
            refused = client.post("/analyse", files={"file": ("x.txt", b"\xff\xfe\x00")})
            assert refused.status_code == 400
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert "WROTE" not in stderr, stderr
    assert [p for folder in watched.values() for p in folder.rglob("*")] == []
