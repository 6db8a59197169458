"""The WhatsApp export reader: Android and iOS, 12- and 24-hour clocks, system and media lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import powerlens
from helpers import EXAMPLES, REPO
from powerlens.errors import InputError
from powerlens.model import Conversation
from powerlens.readers import reader_for
from powerlens.readers.whatsapp import sniff

DATA = REPO / "tests" / "data" / "whatsapp"
NNBSP = "\u202f"
LRM = "\u200e"


def one(path: Path, **kwargs: object) -> Conversation:
    [conversation] = powerlens.load(path, **kwargs)  # type: ignore[arg-type]
    assert conversation.read_count == len(conversation.utterances) + len(conversation.rejected)
    return conversation


def at(*fields: int) -> float:
    return datetime(*fields, tzinfo=UTC).timestamp()  # type: ignore[misc]


def test_whatsapp_android_us_12_hour_month_first() -> None:
    conv = one(DATA / "android_us.txt")
    assert [(u.id, u.speaker, u.text, u.start, u.end) for u in conv.utterances] == [
        ("android_us:2", "Ray Dunn", "Are we still on for Sunday?", at(2023, 12, 29, 21, 1), None),
        (
            "android_us:3",
            "+1 555 0100",
            "Yes! Bring the board games\nand the folding chairs if you can",
            at(2023, 12, 29, 21, 3),
            None,
        ),
        ("android_us:6", "Ray Dunn", "Happy new year", at(2023, 12, 31, 0, 15), None),
    ]
    assert [r.line for r in conv.rejected] == [1, 5, 7]
    reasons = [r.reason for r in conv.rejected]
    assert reasons[0].startswith("system message: Messages and calls are end-to-end encrypted")
    assert reasons[1] == "media left out of the export (Ray Dunn: <Media omitted>)"
    assert reasons[2] == "deleted message (+1 555 0100: This message was deleted)"
    assert conv.meta["date_order"].startswith("month-first")
    assert conv.meta["platform"] == "android"
    assert "treated as UTC" in conv.meta["timezone"]


def test_whatsapp_ios_24_hour_with_direction_marks() -> None:
    conv = one(DATA / "ios_uk.txt")
    assert [(u.speaker, u.text, u.start) for u in conv.utterances] == [
        ("Anna", "Who is cooking tomorrow?", at(2023, 12, 31, 21, 6, 2)),
        ("Ben", "Me. Lasagne", at(2023, 12, 31, 21, 7, 15)),
        ("Anna", "Perfect \U0001f44d", at(2023, 12, 31, 21, 9)),
    ]
    assert [(r.line, r.reason) for r in conv.rejected][1:] == [
        (2, "system message: Anna created this group"),
        (5, "media left out of the export (Ben: image omitted)"),
    ]
    assert conv.rejected[0].reason.startswith("system message: Messages and calls")
    assert conv.meta["platform"] == "ios"
    assert conv.meta["date_order"].startswith("day-first")


def test_whatsapp_ios_12_hour_with_narrow_space(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        f"[12/31/23, 9:05:33{NNBSP}PM] Kai: Are you coming?\n"
        f"[12/31/23, 12:01:00{NNBSP}AM] Lu: Yes\n"
        f"[1/1/24, 12:30:00{NNBSP}PM] Kai: {LRM}video omitted\n"
        f"{LRM}[1/1/24, 12:31:00 pm] Kai: {LRM}Missed voice call\n"
    )
    conv = one(write("ios12.txt", text))
    assert [(u.speaker, u.text, u.start) for u in conv.utterances] == [
        ("Kai", "Are you coming?", at(2023, 12, 31, 21, 5, 33)),
        ("Lu", "Yes", at(2023, 12, 31, 0, 1)),
    ]
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (3, "media left out of the export (Kai: video omitted)"),
        (4, "system message: Missed voice call"),
    ]


def test_whatsapp_android_24_hour_day_first_and_dotted_dates(write) -> None:  # type: ignore[no-untyped-def]
    text = "31.12.23, 21:05 - Jana: Guten Rutsch!\n01.01.24, 00:02 - Tom: Dir auch\n"
    conv = one(write("de.txt", text))
    assert [(u.speaker, u.start) for u in conv.utterances] == [
        ("Jana", at(2023, 12, 31, 21, 5)),
        ("Tom", at(2024, 1, 1, 0, 2)),
    ]


def test_whatsapp_ambiguous_dates_default_day_first(write) -> None:  # type: ignore[no-untyped-def]
    conv = one(write("a.txt", "03/04/2024, 10:00 - Ann: hi\n05/04/2024, 11:30 - Bo: hey\n"))
    assert conv.utterances[0].start == at(2024, 4, 3, 10, 0)
    assert conv.meta["date_order"] == "ambiguous: no date field above 12, read day-first"


def test_whatsapp_year_first_dates(write) -> None:  # type: ignore[no-untyped-def]
    conv = one(write("y.txt", "2024-02-29, 07:15 - Ann: leap day\n"))
    assert conv.utterances[0].start == at(2024, 2, 29, 7, 15)
    assert conv.meta["date_order"] == "year-first"


def test_whatsapp_multiline_and_blank_lines_inside_a_message(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "10/05/2024, 18:00 - Ann: List:\n- milk\n\n- eggs\n"
        "10/05/2024, 18:01 - Bo: got it\n\n"
    )
    conv = one(write("m.txt", text))
    assert [(u.id, u.text) for u in conv.utterances] == [
        ("m:1", "List:\n- milk\n\n- eggs"),
        ("m:5", "got it"),
    ]


def test_whatsapp_system_lines_are_rejected_with_reasons(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "20/05/2024, 09:00 - Ann created group \"Trip\"\n"
        "20/05/2024, 09:00 - Ann added Bo\n"
        "20/05/2024, 09:01 - Ann changed the subject from \"Trip: June\" to \"Trip: July\"\n"
        "20/05/2024, 09:02 - Bo: Who booked the hut?\n"
        "20/05/2024, 09:03 - Bo left\n"
        "20/05/2024, 09:04 - Ann: \n"
    )
    conv = one(write("s.txt", text))
    assert [(u.speaker, u.text) for u in conv.utterances] == [("Bo", "Who booked the hut?")]
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (1, 'system message: Ann created group "Trip"'),
        (2, "system message: Ann added Bo"),
        (3, 'system message: Ann changed the subject from "Trip: June" to "Trip: July"'),
        (5, "system message: Bo left"),
        (6, "message has no text (Ann)"),
    ]
    assert conv.read_count == 6


def test_whatsapp_attachments_deleted_and_edited(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "20/05/2024, 10:00 - Ann: IMG-20240520-WA0001.jpg (file attached)\n"
        "20/05/2024, 10:01 - Ann: IMG-20240520-WA0002.jpg (file attached)\nthe view!\n"
        "20/05/2024, 10:02 - Bo: You deleted this message\n"
        "20/05/2024, 10:03 - Bo: Gorgeous <This message was edited>\n"
        "20/05/2024, 10:04 - Bo: sticker omitted\n"
    )
    conv = one(write("att.txt", text))
    assert [(u.speaker, u.text, dict(u.meta)) for u in conv.utterances] == [
        ("Ann", "the view!", {"attachment": "IMG-20240520-WA0002.jpg (file attached)"}),
        ("Bo", "Gorgeous", {"edited": True}),
    ]
    assert [r.reason.split(" (")[0] for r in conv.rejected] == [
        "attachment without text",
        "deleted message",
        "media left out of the export",
    ]


def test_whatsapp_bom_and_crlf(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "\ufeff[05/06/2024, 08:00:00] Ann: morning\r\nstill here\r\n"
        "[05/06/2024, 08:01:00] Bo: hi\r\n"
    )
    conv = one(write("bom.txt", text.encode("utf-8")))
    assert [(u.speaker, u.text) for u in conv.utterances] == [
        ("Ann", "morning\nstill here"),
        ("Bo", "hi"),
    ]


def test_whatsapp_header_lines_before_first_message(write) -> None:  # type: ignore[no-untyped-def]
    text = "Chat with Bo\nexported today\n05/06/2024, 08:00 - Ann: hi\n"
    conv = one(write("hdr.txt", text), format="whatsapp")
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (1, "line before the first message"),
        (2, "line before the first message"),
    ]
    assert len(conv.utterances) == 1


def test_whatsapp_sniffed_before_plain(write) -> None:  # type: ignore[no-untyped-def]
    assert reader_for(write("c.txt", "12/31/23, 9:05 PM - Ann: hi\n"))[1] == "whatsapp"
    assert reader_for(write("p.txt", "Ann: hi\nBo: 12/31/23, 9:05 PM - no\n"))[1] == "plain"
    assert sniff(Path("x.txt"), f"{LRM}[31/12/2023, 21:05:33] Ann: hi") == "whatsapp"
    assert sniff(Path("x.txt"), "[00:00:01] Ann: hi") is None
    assert sniff(Path("folder"), None) is None


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("31/02/2024, 10:00 - Ann: hi", "'31/02/2024, 10:00'"),
        ("15/01/2024, 25:00 - Ann: hi", "'15/01/2024, 25:00'"),
        ("01/15/2024, 13:00 PM - Ann: hi", "'01/15/2024, 13:00 PM'"),
    ],
)
def test_whatsapp_invalid_dates_name_line_and_expected(write, line: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    path = write("bad.txt", f"14/01/2024, 09:00 - Bo: ok\n{line}\n")
    with pytest.raises(InputError) as caught:
        powerlens.load(path)
    assert caught.value.line == 2 and caught.value.code == "PL110"
    assert f"{path}:2" in str(caught.value) and shown in str(caught.value)
    assert "expected e.g. '31/12/2023, 21:05'" in str(caught.value)


def test_whatsapp_file_of_no_messages(write) -> None:  # type: ignore[no-untyped-def]
    path = write("none.txt", "\n".join(f"line {i}" for i in range(8)))
    with pytest.raises(InputError) as caught:
        powerlens.load(path, format="whatsapp")
    assert caught.value.line == 6 and caught.value.code == "PL111"
    assert "starts like a WhatsApp message" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("", "PL101"),
        (b"\x00\x01PK\x03\x04 zip", "PL102"),
        ("05/06/2024, 08:00 - Jos\xe9: ol\xe1\n".encode("latin-1"), "PL103"),
    ],
)
def test_whatsapp_malformed_files(write, content: bytes | str, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        powerlens.load(write("chat.txt", content), format="whatsapp")
    assert caught.value.code == code and "chat.txt" in str(caught.value)


def test_whatsapp_latin1_with_named_encoding(write) -> None:  # type: ignore[no-untyped-def]
    data = "05/06/2024, 08:00 - Jos\xe9: ol\xe1\n".encode("latin-1")
    conv = one(write("chat.txt", data), format="whatsapp", encoding="latin-1")
    assert [(u.speaker, u.text) for u in conv.utterances] == [("Jos\xe9", "ol\xe1")]


def test_whatsapp_family_chat_example() -> None:
    conv = one(EXAMPLES / "family_chat.txt")
    assert len(conv.utterances) == 30 and len(conv.rejected) == 3
    assert [r.line for r in conv.rejected] == [1, 18, 24]
    assert conv.speaker_names() == ["Mum", "Maya", "Leo"]
    plan = conv.utterances[3]
    assert (plan.id, plan.speaker, plan.text.count("\n")) == ("family_chat:5", "Mum", 3)
    assert plan.start == at(2024, 6, 14, 18, 7)
    speakers = powerlens.analyze([conv]).conversations[0].speakers
    # Leo: "yesss climbing" 2, "9??" 1, "nearly. it's due monday" 4,
    # "can we get chips on the way back at least" 10, "deal" 1, "im up" 2, "coming!!" 1.
    assert speakers["Leo"]["words"] == 21
    assert speakers["Leo"]["seconds"] is None
