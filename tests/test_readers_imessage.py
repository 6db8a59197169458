"""imessage-exporter's text export: replies written inside messages, tapbacks, edits, events."""

from __future__ import annotations

from pathlib import Path

import pytest

import powerlens
from helpers import REPO
from powerlens.errors import InputError
from powerlens.readers import reader_for

CHAT = REPO / "tests" / "data" / "imessage" / "Sam Rivera.txt"


def test_imessage_messages_replies_and_edits() -> None:
    [conv] = powerlens.load(CHAT)
    assert [(u.id, u.speaker, u.text, u.start, u.reply_to) for u in conv.utterances] == [
        ("Sam Rivera:1", "Me", "Shall we book the flat in Lisbon?", 1652808582.0, None),
        ("Sam Rivera:7", "Sam Rivera", "Yes! Tonight?", 1652808660.0, "Sam Rivera:1"),
        ("Sam Rivera:16", "Sam Rivera", "Look at the balcony", 1652808780.0, None),
        ("Sam Rivera:24", "Me", "Let's decide tonight", 1652809260.0, None),
        ("Sam Rivera:39", "Me", "Good night.\nSee you", 1652828700.0, None),
    ]
    assert [dict(u.meta) for u in conv.utterances[1:4]] == [
        {"reply": True}, {"effect": "Confetti", "attachments": 1}, {"edited": True},
    ]


def test_imessage_records_what_it_left_out() -> None:
    [conv] = powerlens.load(CHAT)
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (12, "attachment without text (1 file(s))"),
        (22, "group event: You named the conversation Lisbon trip"),
        (29, "deleted message"),
        (34, "notice, not a message: SharePlay Message Ended"),
    ]
    assert conv.meta["left_out"] == {"media": 1, "reactions": 2}
    assert conv.read_count == 9


def test_imessage_is_recognised_before_plain() -> None:
    assert reader_for(CHAT)[1] == "imessage"


def test_imessage_older_reactions_block_and_odd_lines(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "stray header\n\n"
        "Jan 02, 2021  9:00:00 AM\nAnn\nMorning\nReactions:\nLiked by Bo\n\n"
        "Feb 30, 2021  9:00:00 AM\nBo\nimpossible date\n\n"
        "Jan 02, 2021  9:05:00 AM\nBo\n\nMorning!\n"
    )
    [conv] = powerlens.load(write("Ann.txt", text), format="imessage")
    assert [(u.speaker, u.text) for u in conv.utterances] == [("Ann", "Morning"), ("Bo", "Morning!")]
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (1, "line before the first message"),
        (9, "date 'Feb 30, 2021  9:00:00 AM' is not a valid date"),
    ]
    assert conv.meta["left_out"] == {"reactions": 1}


def test_imessage_without_messages_is_an_error(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        powerlens.load(write("x.txt", "hello\nthere\n"), format="imessage")
    assert caught.value.code == "PL187"
    only_events = "May 17, 2022  5:40:00 PM You left the conversation.\n"
    with pytest.raises(InputError) as caught:
        powerlens.load(write("y.txt", only_events), format="imessage")
    assert caught.value.code == "PL187"
    assert "group event" in caught.value.message


def test_imessage_export_folder(tmp_path: Path) -> None:
    (tmp_path / "Sam Rivera.txt").write_bytes(CHAT.read_bytes())
    (tmp_path / "orphaned.txt").write_text(
        "Jan 02, 2021  9:00:00 AM\n+15555550100\nWho is this?\n", encoding="utf-8"
    )
    conversations = powerlens.load(tmp_path)
    assert [(c.id, len(c.utterances)) for c in conversations] == [
        ("Sam Rivera", 5), ("orphaned", 1),
    ]
