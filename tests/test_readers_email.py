"""The email reader: mbox files and .eml folders, threads, quote stripping, bad input."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

import powerlens
from helpers import REPO
from powerlens.errors import InputError
from powerlens.model import Conversation
from powerlens.readers import reader_for
from powerlens.readers.email import html_to_text, normalise_subject, strip_quotes

DATA = REPO / "tests" / "data" / "email"
MAR_4 = 1709510400.0  # 2024-03-04 00:00 UTC
DAY = 86400.0


def team() -> list[Conversation]:
    return powerlens.load(DATA / "team.mbox")


def rejections(conversation: Conversation) -> tuple[tuple[int | None, str], ...]:
    return tuple((r.line, r.reason) for r in conversation.rejected)


def test_email_mbox_threads_by_headers() -> None:
    budget, _ = team()
    assert budget.id == "budget-for-q3-ea7aa987"
    assert budget.source == str(DATA / "team.mbox")
    assert budget.meta == {"subject": "Budget for Q3"}
    rows = [(u.id, u.speaker, u.start, u.reply_to, u.line) for u in budget.utterances]
    assert rows == [
        ("m1@example.com", "Ann Lee", MAR_4 + 9 * 3600, None, 1),
        ("m2@example.com", "Ben Okafor", MAR_4 + 9.5 * 3600, "m1@example.com", 14),
        # References only (no In-Reply-To): the nearest referenced message is the parent.
        ("m3@example.com", "cara@example.com", MAR_4 + 11.25 * 3600, "m2@example.com", 30),
        ("m4@example.com", "Ann Lee", MAR_4 + 12 * 3600, "m3@example.com", 49),
    ]
    assert budget.speakers["Ben Okafor"].meta == {"address": "ben@example.com"}


def test_email_mbox_texts_have_quotes_and_signatures_removed() -> None:
    budget, _ = team()
    assert [u.text for u in budget.utterances] == [
        "Can we agree the Q3 budget by Friday?",  # signature after "-- " removed
        "Friday works for me.\nI will send numbers tomorrow.",  # Gmail, wrapped attribution
        "Not before I see the travel line.",  # Outlook From:/Sent: block
        # bottom-posted under a ">" quote; ">From" unescaped; "Sent from my iPhone" dropped
        "It is on page 2.\nFrom now on, please use the shared sheet.",
    ]


def test_email_threads_by_subject_and_html_only_mail() -> None:
    _, offsite = team()
    assert offsite.id == "offsite-plan-03b9d28f"
    rows = [(u.id, u.speaker, u.text, u.start, u.reply_to) for u in offsite.utterances]
    assert rows == [
        # multipart/alternative: the text/plain part wins over the HTML one
        ("m5@example.com", "Dan Ruiz", "Shall we go to the lake house?", MAR_4 + DAY + 8 * 3600,
         None),
        # "AW: Re: offsite   PLAN" joins by subject; HTML only, quoted-printable, blockquote
        # and its "On ... wrote:" header removed, style/title/script hidden
        ("m6@example.com", "Eve", "Yes \u2013 the lake house & a boat.\nBook it\ntoday.",
         MAR_4 + DAY + 9 * 3600, None),
    ]
    assert offsite.utterances[0].meta["body"] == "text/plain"
    assert offsite.utterances[1].meta["body"] == "text/html"


def test_email_malformed_messages_are_rejections_with_lines() -> None:
    budget, offsite = team()
    assert rejections(budget) == (
        (116, "duplicate of message m1@example.com (line 1)"),
        (124, "malformed From header '<>': no name or address"),
    )
    # The header-less message belongs to no thread: it goes to the conversation before it.
    assert rejections(offsite) == (
        (100, "malformed message: no headers (expected 'Name: value' lines first)"),
        (104, "no text left after removing quoted replies and signature"),
    )


def test_email_counts_balance() -> None:
    conversations = team()
    assert [(c.read_count, len(c.utterances), len(c.rejected)) for c in conversations] == [
        (6, 4, 2),
        (4, 2, 2),
    ]
    assert sum(c.read_count for c in conversations) == 10  # "From " lines in the file


def test_email_report_is_valid_json_contract() -> None:
    report = json.loads(powerlens.render(powerlens.analyze(team()), "json"))
    schema = json.loads(resources.files("powerlens").joinpath("schema/report-1.json").read_text())
    jsonschema.validate(report, schema)
    counts = report["conversations"][0]["counts"]
    assert (counts["read"], counts["analysed"]) == (6, 4)


def test_email_folder_of_eml_files() -> None:
    [room] = powerlens.load(DATA / "folder")
    assert room.id == "room-booking-7a596401"
    assert room.source == str(DATA / "folder")
    rows = [(u.id, u.speaker, u.text, u.start, u.reply_to, u.meta["file"]) for u in
            room.utterances]
    assert rows == [
        ("q1@example.org", "Gil Tan", "Could you book the big room for Thursday?",
         MAR_4 + 2 * DAY + 14 * 3600, None, "01-question.eml"),
        ("q2@example.org", "Hana Berg", "Done, it is yours from 10 to 12.",
         MAR_4 + 2 * DAY + 15.5 * 3600, "q1@example.org", "02-answer.eml"),
        # no Message-ID: a stable generated id; bare address takes its display name
        ("noid-18a91b6fee19", "Gil Tan", "Merci, \u00e7a marche.", MAR_4 + 2 * DAY + 16 * 3600,
         None, "04-no-id.eml"),
    ]
    assert rejections(room) == ((None, "notes/03-empty.eml: file is empty"),)
    assert room.read_count == 4


def test_email_undeclared_8bit_body_is_noted_in_meta() -> None:
    [room] = powerlens.load(DATA / "folder")
    note = "body is not valid 'us-ascii'; decoded as utf-8"
    assert room.utterances[2].meta["charset"] == note
    assert room.meta["charset"] == [{"utterance": "noid-18a91b6fee19", "note": note}]


def test_email_unknown_charset_falls_back_and_says_so() -> None:
    [lunch] = powerlens.load(DATA / "bad-charset.eml")
    [u] = lunch.utterances
    assert (lunch.id, u.speaker, u.text) == ("lunch-c438bfb4", "Zo\u00eb Kim", "Caf\u00e9 at noon?")
    assert u.start == MAR_4 + 3 * DAY + 17 * 3600  # 12:00 -0500
    assert u.meta["charset"] == "declared charset 'x-klingon' is unknown; decoded as cp1252"


def test_email_empty_mbox_is_input_error(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        powerlens.load(write("empty.mbox", "\n\n"))
    assert (caught.value.code, caught.value.line) == ("PL101", 1)


def test_email_mbox_without_from_line_names_the_line(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        powerlens.load(write("bad.mbox", "\nSubject: hi\n\nbody\n"))
    assert (caught.value.code, caught.value.line) == ("PL160", 2)
    assert "'From '" in caught.value.message


def test_email_mbox_with_nothing_usable_is_input_error(write) -> None:  # type: ignore[no-untyped-def]
    text = "From x Mon Mar  4 09:00:00 2024\nSubject: hi\n\nno sender\n"
    with pytest.raises(InputError) as caught:
        powerlens.load(write("nosender.mbox", text))
    assert (caught.value.code, caught.value.line) == ("PL161", 1)
    assert "no From header" in caught.value.message


def test_email_binary_mbox_is_input_error(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        powerlens.load(write("bin.mbox", b"From x\n\x00\x01\x02"))
    assert (caught.value.code, caught.value.line) == ("PL102", 2)


def test_email_undated_message_keeps_file_order(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "From a Mon Mar  4 09:00:00 2024\nFrom: A <a@x>\nSubject: S\n"
        "Date: Mon, 04 Mar 2024 10:00:00 +0000\nMessage-ID: <1@x>\n\nfirst\n\n"
        "From b Mon Mar  4 09:00:00 2024\nFrom: B <b@x>\nSubject: Re: S\nDate: whenever\n"
        "Message-ID: <2@x>\nIn-Reply-To: <1@x>\n\nsecond\n"
    )
    [conv] = powerlens.load(write("undated.mbox", text))
    assert [(u.id, u.start, u.reply_to) for u in conv.utterances] == [
        ("1@x", MAR_4 + 10 * 3600, None),
        ("2@x", None, "1@x"),
    ]
    assert conv.meta["order"] == "file order: some messages have no readable date"
    assert conv.utterances[1].meta["date"] == "unreadable Date header 'whenever'"


def test_email_attachment_only_message_is_rejected(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "From a Mon Mar  4 09:00:00 2024\nFrom: A <a@x>\nSubject: S\nMessage-ID: <1@x>\n\nhi\n\n"
        "From a Mon Mar  4 09:00:00 2024\nFrom: A <a@x>\nSubject: S\nMessage-ID: <2@x>\n"
        "Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n"
    )
    [conv] = powerlens.load(write("pdf.mbox", text))
    assert rejections(conv) == ((8, "no text body (only attachments or other content types)"),)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Gmail top-posting, one-line attribution
        ("Sounds good.\n\nOn Tue, 5 Mar 2024 at 10:00, Bo <bo@x.org> wrote:\n> old\n> older\n",
         "Sounds good."),
        # Gmail attribution with unquoted text after it (HTML converted): cut from there
        ("Yes.\nOn Tue, Mar 5, 2024 at 10:00 AM Bo wrote:\nthe old text\n", "Yes."),
        # Outlook desktop
        ("Agreed.\n\n-----Original Message-----\nFrom: Bo\nSent: Tuesday\nSubject: x\n\nold\n",
         "Agreed."),
        # Outlook web: underscore rule then a header block
        ("Fine.\n________________________________\nFrom: Bo\nSent: Tuesday\n\nold\n", "Fine."),
        # a From:/Date: block without a separator line
        ("Ok.\n\nFrom: Bo <bo@x.org>\nDate: Tuesday\nTo: me\n\nold\n", "Ok."),
        # interleaved ">" quoting keeps the author's lines
        ("> question one?\nanswer one\n> question two?\nanswer two\n",
         "answer one\nanswer two"),
        # German client attribution
        ("Passt.\n\nAm 05.03.2024 um 10:00 schrieb Bo:\n> alt\n", "Passt."),
        # forwarded message only
        ("---------- Forwarded message ---------\nFrom: Bo\nhello\n", ""),
        # signature with and without the trailing space
        ("Thanks!\n-- \nBo\n", "Thanks!"),
        ("Thanks!\n--\nBo Smith | CEO\n", "Thanks!"),
        # not quotes: a sentence starting "On" and an inline "From:" with no Sent line
        ("On Monday we ship.\nFrom: the release notes\n",
         "On Monday we ship.\nFrom: the release notes"),
        ("On Monday we wrote the plan and decided:\nship it\n",
         "On Monday we wrote the plan and decided:\nship it"),
    ],
)
def test_email_strip_quotes_styles(body: str, expected: str) -> None:
    assert strip_quotes(body) == expected


def test_email_html_to_text_quotes_blockquotes_and_hides_scripts() -> None:
    html = (
        "<html><head><title>T</title></head><body><p>Hi&nbsp;all,</p><p>see   below<br/>now"
        "</p><blockquote><p>old</p></blockquote><script>x()</script><pre> a\n  b</pre></body>"
    )
    assert html_to_text(html) == "Hi all,\nsee below\nnow\n> old\n a\n  b"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Budget", "budget"),
        ("RE: re:  Fwd: BUDGET ", "budget"),
        ("AW: SV: Wg: budget", "budget"),
        ("Re[2]: budget", "budget"),
        ("Regarding budget", "regarding budget"),
        ("", ""),
    ],
)
def test_email_normalise_subject(subject: str, expected: str) -> None:
    assert normalise_subject(subject) == expected


def test_email_sniffing(write) -> None:  # type: ignore[no-untyped-def]
    headers = "From: A <a@x>\nDate: Mon, 4 Mar 2024 09:00:00 +0000\nSubject: s\n\nhi\n"
    mbox = write("mail", f"From a@x Mon Mar  4 09:00:00 2024\n{headers}")
    eml = write("message", headers)
    assert reader_for(mbox)[1] == "mbox"
    assert reader_for(eml)[1] == "eml"
    assert reader_for(DATA / "folder")[1] == "eml"
    assert reader_for(write("chat.txt", "Ann: hi\nBen: hello\n"))[1] != "eml"
