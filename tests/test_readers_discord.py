"""DiscordChatExporter JSON and CSV: nicknames, replies, events, bots, forwarded messages."""

from __future__ import annotations

from pathlib import Path

import pytest

import powerlens
from helpers import REPO
from powerlens.errors import InputError
from powerlens.readers import reader_for

DATA = REPO / "tests" / "data" / "discord"
JSON = DATA / "Weekend Raiders - Text Channels - planning [9101].json"
CSV = DATA / "planning.csv"


def test_discord_json_nicknames_replies_and_edits() -> None:
    [conv] = powerlens.load(JSON)
    assert (conv.id, conv.meta["guild"], conv.meta["category"]) == (
        "planning", "Weekend Raiders", "Text Channels",
    )
    assert [(u.id, u.speaker, u.text, u.start, u.reply_to, u.line) for u in conv.utterances] == [
        ("5002", "Ana", "Shall we raid at nine?", 1704484800.0, None, 47),
        ("5003", "Ben", "Nine is too late for me.", 1704484890.0, "5002", 85),
        ("5006", "Ana", "Then eight.", 1704485040.0, None, 176),
    ]
    assert conv.utterances[2].meta == {"edited": True, "attachments": 1}


def test_discord_json_records_events_bots_and_forwards() -> None:
    [conv] = powerlens.load(JSON)
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (21, "GuildMemberJoin event: Joined the server."),
        (117, "bot or app message, not written by a person"),
        (143, "attachment without text"),
        (209, "ChannelPinnedMessage event: Pinned a message."),
        (241, "forwarded message: not the sender's own words"),
    ]
    assert conv.meta["left_out"] == {"media": 1, "reactions": 3}
    assert conv.read_count == 8


def test_discord_csv_is_claimed_before_interchange_csv() -> None:
    assert reader_for(CSV)[1] == "discord"
    [conv] = powerlens.load(CSV)
    assert [(u.speaker, u.text, u.start, u.line) for u in conv.utterances] == [
        ("ana_m", "Shall we raid at nine?", 1704484800.0, 2),
        ("benji", "Nine is too late for me.\nCan we do eight?", 1704484860.0, 3),
        ("ana_m", "Eight it is.", 1705136400.0, 7),
    ]
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (5, "event, not a message: Joined the server."),
        (6, "attachment without text"),
    ]
    assert conv.meta["date_order"].startswith("month-first")
    assert conv.meta["left_out"] == {"reactions": 6}


@pytest.mark.parametrize(
    ("date", "start"),
    [
        ("2024-01-05T20:00:00.000+01:00", 1704481200.0),
        ("05/01/2024 20:00", 1704484800.0),
        ("05-Jan-24 08:00 PM", 1704484800.0),
        ("1704484800", 1704484800.0),
        ("1704484800000", 1704484800.0),
        ("13.01.2024 20:00", 1705176000.0),
    ],
)
def test_discord_csv_dates_in_the_exporters_formats(tmp_path: Path, date: str, start: float) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "AuthorID,Author,Date,Content,Attachments,Reactions\n"
        f'"1","a","{date}","hi","",""\n"2","b","13/01/2024 20:00","yo","",""\n',
        encoding="utf-8",
    )
    [conv] = powerlens.load(path)
    assert conv.utterances[0].start == start


def test_discord_csv_bad_rows_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "AuthorID,Author,Date,Content,Attachments,Reactions\n"
        '"1","a","someday","hi","",""\n"1","a","1/5/2024 8:00 PM","ok",""\n'
        '"","a","1/5/2024 8:00 PM","who?","",""\n"1","a","1/5/2024 9:00 PM","fine","",""\n',
        encoding="utf-8",
    )
    [conv] = powerlens.load(path)
    assert [u.text for u in conv.utterances] == ["fine"]
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (2, "date 'someday' is not understood"),
        (3, "row has 5 fields, not 6"),
        (4, "message names no author"),
    ]


def test_discord_broken_exports(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"guild": {}, "channel": {}, "messages": [\n{"author": }]}')
    with pytest.raises(InputError) as caught:
        powerlens.load(path, format="discord")
    assert (caught.value.code, caught.value.line) == ("PL182", 2)
    path.write_text('{"guild": {}, "channel": {}, "messages": [{"type": "Call"}, 7]}')
    with pytest.raises(InputError) as caught:
        powerlens.load(path, format="discord")
    assert caught.value.code == "PL183"
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputError) as caught:
        powerlens.load(other, format="discord")
    assert (caught.value.code, caught.value.line) == ("PL183", 1)
