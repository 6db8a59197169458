"""``powerlens timeline`` on real exports of every dated format, and its CLI (issue 16)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import REPO
from powerlens.cli import app
from powerlens.timeline import analyse, build, read_history, render, timeline
from timeline_history import CONTROLLER, Plan, conversation, history, whatsapp

DATA = REPO / "tests" / "data"
runner = CliRunner()
SMALL = Plan(
    weeks=12,
    messages_per_day=3.0,
    rates={"monitoring": (1.0, 3.0), "power_with": (1.0, 1.0)},
    refusals=(1.0, 1.0),
    responses={"respected": 0.5, "punished": 0.5},
    seed=5,
)


@pytest.mark.parametrize(
    ("path", "first", "last", "people"),
    [
        ("whatsapp/android_us.txt", "2023-12-29", "2023-12-31", ["Ray Dunn", "+1 555 0100"]),
        ("whatsapp/ios_uk.txt", "2023-12-31", "2023-12-31", ["Anna", "Ben"]),
        ("challenge/conversations/couple-chat-control.txt", "2024-03-14", "2024-03-14",
         ["Ryan", "Chlo"]),
        ("slack/export", "2024-03-04", "2024-03-05", ["Ann Lee", "Bo", "Cy Park", "U4"]),
        ("slack/export/general", "2024-03-04", "2024-03-05", None),  # names: the reader's call
        ("email/team.mbox", "2024-03-04", "2024-03-05",
         ["Ann Lee", "Ben Okafor", "cara@example.com", "Dan Ruiz", "Eve"]),
    ],
    ids=["whatsapp-android-12h", "whatsapp-ios-24h", "whatsapp-android-24h", "slack",
         "slack-channel", "mbox"],
)
def test_timeline_reads_each_dated_export(
    path: str, first: str, last: str, people: list[str] | None
) -> None:
    result = runner.invoke(app, ["timeline", str(DATA / path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["history"]["first"], data["history"]["last"]) == (first, last)
    if people is not None:
        assert sorted(p["name"] for p in data["people"]) == sorted(people)
    assert data["history"]["read"] == data["history"]["analysed"] + data["history"]["rejected"]


def test_timeline_control_in_a_real_whatsapp_export_is_in_the_evidence() -> None:
    found = timeline([DATA / "challenge/conversations/couple-chat-control.txt"])
    over = {(e.speaker, e.category) for e in found.tally.events}
    assert ("Ryan", "degradation") in over


@pytest.mark.parametrize("style", ["android24", "android12", "ios24", "ios12"])
def test_timeline_whatsapp_clocks_give_the_same_weeks(style: str, tmp_path: Path) -> None:
    messages = history(SMALL)
    path = tmp_path / f"chat-{style}.txt"
    path.write_text(whatsapp(messages, style), encoding="utf-8")
    read = build(analyse(read_history([path])))
    direct = build(analyse(conversation(messages)))
    assert read.tally.first_week == direct.tally.first_week
    for category in ("monitoring", "power_with"):
        a, b = read.row(category, CONTROLLER), direct.row(category, CONTROLLER)
        assert a is not None and b is not None and list(a.weekly) == list(b.weekly)
    assert {p: list(a) for p, a in read.tally.opened.items()} == {
        p: list(a) for p, a in direct.tally.opened.items()
    }


def test_timeline_cli_writes_every_format_and_the_evidence_log(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text(whatsapp(history(SMALL)), encoding="utf-8")
    evidence = tmp_path / "evidence.csv"
    for fmt, marker in [
        ("terminal", "Timeline — chat"),
        ("json", '"schema": "powerlens.timeline/1"'),
        ("html", "Content-Security-Policy"),
        ("md", "## Evidence log"),
    ]:
        out = tmp_path / f"out.{fmt}"
        args = ["timeline", str(chat), "-f", fmt, "-o", str(out), "--export", str(evidence)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert marker in out.read_text(encoding="utf-8")
    text = evidence.read_text(encoding="utf-8-sig")
    assert text.startswith("# powerlens evidence log: signals to look at with someone qualified")
    rows = list(csv.reader(io.StringIO("\n".join(
        line for line in text.splitlines() if not line.startswith("#")
    ))))
    assert rows[0] == ["date", "time", "speaker", "category", "group", "quote", "message",
                       "rule", "score", "detail", "utterance", "line"]
    assert {"monitoring", "refusals", "power with"} <= {r[3] for r in rows[1:]}
    assert all(r[7].startswith("rule:") for r in rows[1:])


def test_timeline_cli_undated_input_is_a_clear_error() -> None:
    result = runner.invoke(app, ["timeline", str(DATA / "everyday" / "dinner_plans.txt")])
    assert result.exit_code == 2
    assert "[PL310]" in result.output and "Fix:" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "pdf"], "unknown format 'pdf'"),
        (["--gap-hours", "0"], "--gap-hours 0"),
        (["--input-format", "nope"], "unknown input format"),
    ],
)
def test_timeline_cli_usage_errors(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["timeline", str(DATA / "whatsapp/ios_uk.txt"), *args])
    assert result.exit_code == 2 and message in result.output


def test_timeline_short_history_says_too_little_data() -> None:
    text = render(timeline([DATA / "challenge/conversations/couple-chat-control.txt"]), "terminal")
    assert "too little data" in text and "1 week (1 with messages)" in text


@pytest.mark.parametrize(
    "path",
    [
        "telegram/ChatExport_2024-01-05",
        "telegram/account",
        "signal/export",
        "discord/planning.csv",
        "googlechat/Takeout",
        "imessage/Sam Rivera.txt",
        "meta/your_facebook_activity",
        "meta/your_instagram_activity",
    ],
)
def test_timeline_reads_the_chat_apps_exports(path: str) -> None:
    result = runner.invoke(app, ["timeline", str(DATA / path), "--format", "json"])
    assert result.exit_code == 0, result.output
    history = json.loads(result.stdout)["history"]
    assert history["first"] <= history["last"] and history["analysed"] > 0
    assert history["read"] == history["analysed"] + history["rejected"]


def test_timeline_reads_a_folder_and_a_zip_of_overlapping_exports(tmp_path: Path) -> None:
    import zipfile

    messages = history(SMALL)
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "WhatsApp Chat 1.txt").write_text(whatsapp(messages[:200]), encoding="utf-8")
    (folder / "WhatsApp Chat 2.txt").write_text(whatsapp(messages[150:]), encoding="utf-8")
    archive = tmp_path / "exports.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in sorted(folder.iterdir()):
            z.write(part, part.name)
    for source in (folder, archive):
        merged = read_history([source])
        assert len(merged.utterances) == len(messages)
        assert sum("the same message as in" in r.reason for r in merged.rejected) == 50
