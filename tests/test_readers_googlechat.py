"""Google Chat from Takeout: DMs and spaces, threads by topic, bots, deletions, dates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import powerlens
from helpers import REPO
from powerlens.errors import InputError
from powerlens.readers import reader_for
from powerlens.readers.googlechat import seconds

TAKEOUT = REPO / "tests" / "data" / "googlechat" / "Takeout"
GROUPS = TAKEOUT / "Google Chat" / "Groups"


def test_googlechat_takeout_gives_one_conversation_per_group() -> None:
    dm, space = powerlens.load(TAKEOUT)
    assert (dm.id, space.id) == ("Sam Rivera, Alex Kim", "Weekend plans")
    assert [(u.id, u.speaker, u.text, u.start, u.line) for u in dm.utterances] == [
        ("kx7AAAAE/t1/t1", "Sam Rivera", "Shall we book the flat in Lisbon?", 1704099900.0, 3),
        ("kx7AAAAE/t2/t2", "Alex Kim", "Yes, tonight.", 1704100050.0, 14),
    ]
    assert dm.utterances[1].meta == {"edited": True}
    assert [(r.line, r.reason) for r in dm.rejected] == [
        (36, "attachment without text"), (52, "deleted message"),
    ]
    assert dm.meta["left_out"] == {"reactions": 1}


def test_googlechat_threads_bots_and_namesakes() -> None:
    [space] = powerlens.load(GROUPS / "Space AAAAp1Qw")
    assert [(u.speaker, u.text, u.reply_to) for u in space.utterances] == [
        ("Alex Kim (alex@example.org)", "Who brings the tent?", None),
        ("Alex Kim (alex.k@example.net)", "I can.", "p1Qw/T1/T1"),
    ]
    assert [(r.line, r.reason) for r in space.rejected] == [
        (14, "message by a Bot, not a person"),
        (35, "date 'yesterday-ish' is not understood"),
    ]


def test_googlechat_is_recognised_as_file_and_folder() -> None:
    assert reader_for(GROUPS / "DM kx7AAAAE" / "messages.json")[1] == "googlechat"
    assert reader_for(TAKEOUT / "Google Chat")[1] == "googlechat"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thursday, November 3, 2016 at 11:59:50 AM UTC", (1478174390.0, None)),
        ("Thursday, November 3, 2016 at 11:59:50\u202fPM UTC", (1478217590.0, None)),
        ("Thursday, November 3, 2016 at 11:59:50 AM PST", (1478174390.0, "PST")),
        ("November 3, 2016 at 23:59:50 UTC", (1478217590.0, None)),
        ("Thursday, November 31, 2016 at 11:59:50 AM UTC", (None, None)),
        ("2016-11-03T11:59:50Z", (1478174390.0, None)),
        (None, (None, None)),
    ],
)
def test_googlechat_dates(text: object, expected: tuple[float | None, str | None]) -> None:
    assert seconds(text) == expected


def test_googlechat_zip_and_broken_files(tmp_path: Path) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "takeout-20240101"), "zip", TAKEOUT))
    assert [c.id for c in powerlens.load(archive)] == ["Sam Rivera, Alex Kim", "Weekend plans"]
    group = tmp_path / "Space X"
    group.mkdir()
    (group / "messages.json").write_text('{"messages": [\n  {"creator": ,}\n]}')
    with pytest.raises(InputError) as caught:
        powerlens.load(group / "messages.json", format="googlechat")
    assert (caught.value.code, caught.value.line) == ("PL188", 2)
    (group / "messages.json").write_text(json.dumps({"messages": [{"text": "who?"}, 3]}))
    with pytest.raises(InputError) as caught:
        powerlens.load(group, format="googlechat")
    assert caught.value.code == "PL189"
