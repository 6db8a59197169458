"""The Telegram Desktop JSON reader: one chat, the whole account, and broken exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import powerlens
from helpers import REPO
from powerlens.errors import InputError
from powerlens.readers import budgets, reader_for
from powerlens.readers.telegram import repair

DATA = REPO / "tests" / "data" / "telegram"
CHAT = DATA / "ChatExport_2024-01-05"


def test_telegram_chat_export_reads_text_entities_replies_and_edits() -> None:
    [conv] = powerlens.load(CHAT)
    assert conv.id == "Sam Rivera"
    assert [(u.id, u.speaker, u.text, u.start, u.reply_to, u.line) for u in conv.utterances] == [
        ("102", "Alex Kim", "Shall we book the flat in Lisbon?", 1704099900.0, None, 19),
        ("103", "Sam Rivera", "I already looked: https://example.org/flat", 1704100050.0, "102", 34),
        ("104", "Sam Rivera", "This one, with the balcony", 1704100080.0, None, 80),
        ("106", "Alex Kim", "Let's decide tonight, OK?", 1704100200.0, None, 113),
        ("108", "Sam Rivera", "Fine\x01 book it", 1704100380.0, None, 146),
    ]
    assert conv.utterances[2].meta == {"attachment": "photo"}
    assert conv.utterances[3].meta == {"edited": True}


def test_telegram_records_what_it_left_out() -> None:
    [conv] = powerlens.load(CHAT / "result.json")
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (6, "service message: phone_call by Alex Kim"),
        (98, "media without text (sticker)"),
        (130, "forwarded from Lisbon Flats: not the sender's own words"),
    ]
    assert conv.meta["left_out"] == {"media": 1, "reactions": 2}
    assert conv.read_count == 8  # every message object in the chat


def test_telegram_account_export_gives_one_conversation_per_chat() -> None:
    conversations = powerlens.load(DATA / "account" / "result.json")
    assert [(c.id, c.meta["chat_type"], len(c.utterances)) for c in conversations] == [
        ("Family (900)", "private_group", 3),
        ("Saved Messages", "saved_messages", 1),
        ("Family (901)", "private_supergroup", 1),
    ]
    family = conversations[0]
    assert [(u.speaker, u.reply_to) for u in family.utterances] == [
        ("Mum", None), ("Alex Kim", "2"), ("Deleted Account", None),
    ]


def test_telegram_is_recognised_without_input_format() -> None:
    module, fmt = reader_for(CHAT / "result.json")
    assert fmt == "telegram" and module.__name__.endswith("telegram")
    assert reader_for(CHAT)[1] == "telegram"


def test_telegram_repair_keeps_escaped_backslashes() -> None:
    assert repair(rb'"a\x01b"') == rb'"a\u0001b"'
    assert repair(rb'"a\\x01b"') == rb'"a\\x01b"'  # an escaped backslash, then text "x01b"
    assert repair(rb'"a\\\x01"') == rb'"a\\\u0001"'


def test_telegram_same_name_senders_are_told_apart(tmp_path: Path) -> None:
    messages = [
        {"id": 1, "type": "message", "date_unixtime": "10", "from": "Jo", "from_id": "user1",
         "text": "hi"},
        {"id": 2, "type": "message", "date_unixtime": "20", "from": "Jo", "from_id": "user2",
         "text": "hello"},
    ]
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "Jos", "type": "private_group", "messages": messages}))
    [conv] = powerlens.load(path)
    assert [u.speaker for u in conv.utterances] == ["Jo (user1)", "Jo (user2)"]


def test_telegram_truncated_export_names_the_line(tmp_path: Path) -> None:
    text = (CHAT / "result.json").read_text(encoding="utf-8")
    path = tmp_path / "result.json"
    path.write_text(text[: text.index('"id": 106')], encoding="utf-8")
    with pytest.raises(InputError) as caught:
        powerlens.load(path, format="telegram")
    assert caught.value.code == "PL180"
    assert caught.value.line == 114  # where the data ends
    assert "is not valid JSON" in caught.value.message


def test_telegram_chat_without_any_words_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    messages = [{"id": 1, "type": "service", "date_unixtime": "1", "action": "pin_message"}]
    path.write_text(json.dumps({"name": "X", "type": "personal_chat", "messages": messages}))
    with pytest.raises(InputError) as caught:
        powerlens.load(path)
    assert caught.value.code == "PL181"
    assert "first left out: service message: pin_message" in caught.value.message


def test_telegram_wrong_shape_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"chats": 3, "personal_information": {}}')
    with pytest.raises(InputError) as caught:
        powerlens.load(path, format="telegram")
    assert caught.value.code == "PL181"


def test_telegram_odd_messages_are_rejected_not_crashed(tmp_path: Path) -> None:
    messages = [
        3, None, "text", [], {"type": "message"},
        {"id": 5, "type": "message", "from": "A", "text": {"odd": 1}},
        {"id": 6, "type": "message", "from": "A", "text": ["ok ", {"type": "bold"}, 7]},
        {"id": 7, "type": "mystery"},
    ]
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "Odd", "type": "personal_chat", "messages": messages}))
    [conv] = powerlens.load(path, format="telegram")
    assert [u.text for u in conv.utterances] == ["ok"]
    assert [r.reason for r in conv.rejected] == [
        "not a message object", "not a message object", "not a message object",
        "not a message object", "message names no sender", "message has no text",
        "not a message (type 'mystery')",
    ]
    assert conv.read_count == len(messages)


def test_telegram_deep_nesting_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    deep = "[" * 5000 + "]" * 5000
    path.write_text('{"name": "X", "type": "personal_chat", "id": 1, "messages": [\n' + deep + "]}")
    with pytest.raises(InputError) as caught:
        powerlens.load(path, format="telegram")
    assert (caught.value.code, caught.value.line) == ("PL115", 2)
    assert "--limit depth=" in str(caught.value)
    with budgets.limits(depth=6000), pytest.raises(InputError) as caught:
        powerlens.load(path, format="telegram")
    assert caught.value.code == "PL180"  # past orjson's own limit: still a clean error
