"""signal-export's Markdown and JSON lines: quotes, reactions, calls, deleted messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import powerlens
from helpers import REPO
from powerlens.errors import InputError
from powerlens.readers import reader_for

DATA = REPO / "tests" / "data" / "signal" / "export"
SAM = DATA / "Sam Rivera"
EXPECTED = [
    ("Sam Rivera", "Shall we book the flat in Lisbon?", 1704099900.0),
    ("Me", "Yes, let's book it tonight.\nIt has a balcony.", 1704100050.0),
    ("Sam Rivera", "Great! See the photo", 1704100200.0),
]


def test_signal_markdown_takes_quotes_reactions_and_attachments_apart() -> None:
    [conv] = powerlens.load(SAM / "chat.md")
    assert [(u.speaker, u.text, u.start) for u in conv.utterances] == EXPECTED
    assert [u.line for u in conv.utterances] == [1, 5, 17]
    assert conv.utterances[1].meta == {"quote": "Shall we book the flat in Lisbon?"}
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (3, "call record: Incoming voice call (accepted, 2m 3s)"),
        (13, "attachment without text (1 file(s))"),
        (15, "deleted message"),
    ]
    assert conv.meta["left_out"] == {"media": 1, "quotes": 1, "reactions": 1}


def test_signal_json_lines_give_the_same_conversation() -> None:
    [from_json] = powerlens.load(SAM / "data.json")
    [from_md] = powerlens.load(SAM / "chat.md")
    assert [(u.speaker, u.text, u.start) for u in from_json.utterances] == EXPECTED
    assert from_json.meta == from_md.meta
    assert [r.reason for r in from_json.rejected] == [r.reason for r in from_md.rejected]


def test_signal_export_folder_gives_one_conversation_per_chat() -> None:
    sam, group = powerlens.load(DATA)
    assert (sam.id, sam.source) == ("Sam Rivera", str(SAM / "data.json"))
    assert group.id == "Weekend Group"
    assert [(u.speaker, u.text) for u in group.utterances] == [
        ("Dana", "Who brings the tent?"), ("Me", "I will."),
    ]
    assert [r.reason for r in group.rejected] == [
        "message without a known sender", "sticker without text",
    ]
    assert group.utterances[0].start == 1703959200.0  # the older [YYYY-MM-DD, HH:MM] form


def test_signal_is_recognised_not_taken_for_whatsapp() -> None:
    assert reader_for(SAM / "chat.md")[1] == "signal"
    assert reader_for(SAM / "data.json")[1] == "signal"
    assert reader_for(DATA)[1] == "signal"


def test_signal_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "chat.md"
    path.write_text(
        "stray line\n[2024-13-40 09:05:00] Ann: bad date\n\n[2024-01-01 09:05:00] Ann: fine\n",
        encoding="utf-8",
    )
    [conv] = powerlens.load(path, format="signal")
    assert [u.text for u in conv.utterances] == ["fine"]
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (1, "line before the first message"),
        (2, "date 2024-13-40 09:05:00 is not a valid date and time"),
    ]
    data = tmp_path / "data.json"
    rows = [{"date": "yesterday", "sender": "A", "body": "x"}, [1],
            {"date": "2024-01-01T00:00:00", "sender": "A", "body": None}]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n{oops\n")
    with pytest.raises(InputError) as caught:
        powerlens.load(data, format="signal")
    assert caught.value.code == "PL186"
    assert "date 'yesterday' is not an ISO date" in caught.value.message


def test_signal_folder_without_chats_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        powerlens.load(tmp_path, format="signal")
    assert caught.value.code == "PL186"
