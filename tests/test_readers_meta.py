"""Messenger and Instagram downloads: mojibake repaired, threads across files, left-outs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import powerlens
from helpers import REPO
from powerlens.errors import InputError
from powerlens.readers import reader_for
from powerlens.readers.meta import fix_mojibake

DATA = REPO / "tests" / "data" / "meta"
THREAD = DATA / "your_facebook_activity" / "messages" / "inbox" / "samrivera_10158"
INSTAGRAM = DATA / "your_instagram_activity" / "messages" / "inbox" / "sam.r_4512"


def test_meta_mojibake_is_repaired_and_plain_text_left_alone() -> None:
    assert fix_mojibake("Zo\u00c3\u00ab \u00f0\u009f\u0098\u008a") == "Zoë 😊"
    assert fix_mojibake("café") == "café"  # é alone is not UTF-8 bytes: left as it is
    assert fix_mojibake("日本") == "日本"


def test_meta_thread_reads_every_file_in_time_order() -> None:
    [conv] = powerlens.load(THREAD)
    assert (conv.id, conv.meta["platform"], conv.meta["participants"]) == (
        "Sam Rivera", "messenger", ["Sam Rivera", "Zoë Adler"],
    )
    assert [(u.id, u.speaker, u.text, u.start, u.line) for u in conv.utterances] == [
        ("message_2:3", "Sam Rivera", "Shall we go to Lisbon in May?", 1704099600.0, 31),
        ("message_2:1", "Sam Rivera", "Look at this café: https://example.org/cafe",
         1704099900.0, 11),
        ("message_1:4", "Zoë Adler", "Ça me va, on réserve ce soir 😊", 1704100020.0, 34),
    ]
    assert conv.utterances[1].meta == {
        "file": "message_2.json", "attachment": "photos", "link": "https://example.org/cafe",
    }


def test_meta_records_reactions_unsent_media_calls_and_events() -> None:
    [conv] = powerlens.load(THREAD)
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (11, "message_1.json: reaction written as a message: Zoë Adler reacted ❤ to your message"),
        (17, "message_1.json: unsent message (removed by the sender)"),
        (23, "message_1.json: media without text (photos)"),
        (25, "message_2.json: event, not a message: Zoë Adler named the group Weekend."),
        (50, "message_1.json: call record"),
    ]
    assert conv.meta["left_out"] == {"media": 1, "reactions": 2}
    assert conv.read_count == 8


def test_meta_instagram_is_told_by_its_folder() -> None:
    [conv] = powerlens.load(INSTAGRAM / "message_1.json")
    assert (conv.id, conv.meta["platform"]) == ("zoe.adler", "instagram")
    assert [u.text for u in conv.utterances] == ["you free saturday? 🙂"]
    assert [r.reason for r in conv.rejected] == [
        "message_1.json: reaction written as a message: Liked a message",
        "message_1.json: shared post or link without text",
    ]
    assert reader_for(INSTAGRAM / "message_1.json")[1] == "instagram"


def test_meta_whole_download_folder_and_zip(tmp_path: Path) -> None:
    from_folder = powerlens.load(DATA)
    assert [(c.id, c.meta["platform"]) for c in from_folder] == [
        ("Sam Rivera", "messenger"), ("zoe.adler", "instagram"),
    ]
    archive = Path(shutil.make_archive(str(tmp_path / "facebook-download"), "zip", DATA))
    from_zip = powerlens.load(archive)
    assert [[u.text for u in c.utterances] for c in from_zip] == [
        [u.text for u in c.utterances] for c in from_folder
    ]
    assert from_zip[0].source.startswith(str(archive) + "/")
    assert not list(tmp_path.glob(".powerlens-*"))  # the unpacked copy is gone


def test_meta_new_camel_case_download(tmp_path: Path) -> None:
    data = {
        "participants": ["Ann", "Bo"],
        "threadName": "Ann and Bo",
        "messages": [
            {"isUnsent": False, "media": [], "reactions": [{"actor": "Bo", "reaction": "😂"}],
             "senderName": "Bo", "text": "Ça va", "timestamp": 1704099660000, "type": "text"},
            {"isUnsent": True, "media": [], "reactions": [], "senderName": "Ann", "text": "",
             "timestamp": 1704099630000, "type": "text"},
            {"isUnsent": False, "media": [], "reactions": [], "senderName": "Ann",
             "text": "Dinner?", "timestamp": 1704099600000, "type": "text"},
        ],
    }
    path = tmp_path / "message_1.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    [conv] = powerlens.load(path)
    assert conv.id == "Ann and Bo"
    assert [(u.speaker, u.text, u.start) for u in conv.utterances] == [
        ("Ann", "Dinner?", 1704099600.0), ("Bo", "Ça va", 1704099660.0),
    ]
    assert conv.meta["left_out"] == {"reactions": 1}


def test_meta_broken_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "message_1.json"
    path.write_text('{\n  "participants": [],\n  "messages": [\n    {"sender_name": "A",,}\n]}')
    with pytest.raises(InputError) as caught:
        powerlens.load(path, format="messenger")
    assert (caught.value.code, caught.value.line) == ("PL184", 4)


def test_meta_wrong_shape_and_empty_thread(tmp_path: Path) -> None:
    path = tmp_path / "message_1.json"
    path.write_text('{"participants": [], "messages": {"sender_name": "A"}}')
    with pytest.raises(InputError) as caught:
        powerlens.load(path, format="messenger")
    assert caught.value.code == "PL185"
    path.write_text('{"participants": [], "messages": [{"sender_name": "A"}, 4, null]}')
    with pytest.raises(InputError) as caught:
        powerlens.load(path, format="messenger")
    assert caught.value.code == "PL185"
    assert "first left out: message_1.json: not a message object" in caught.value.message
