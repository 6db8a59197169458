"""The WebVTT / SRT reader on Zoom, Teams, Meet and Otter exports, tricky and malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import powerlens
from helpers import EXAMPLES, REPO
from powerlens.errors import InputError
from powerlens.model import Conversation
from powerlens.readers import reader_for
from powerlens.readers.subtitles import sniff

DATA = REPO / "tests" / "data" / "subtitles"


def one(path: Path, **kwargs: object) -> Conversation:
    [conversation] = powerlens.load(path, **kwargs)  # type: ignore[arg-type]
    assert conversation.read_count == len(conversation.utterances) + len(conversation.rejected)
    return conversation


def rows(conversation: Conversation) -> list[tuple[str, str, str, float | None, float | None]]:
    return [(u.id, u.speaker, u.text, u.start, u.end) for u in conversation.utterances]


def test_subtitles_teams_voice_tags() -> None:
    conv = one(DATA / "teams.vtt")
    assert rows(conv) == [
        ("teams:4", "Okafor, Ngozi", "Morning all. Can everyone hear me?", 3.12, 6.48),
        ("teams:8", "Okafor, Ngozi", "Good. Let's start with the budget.", 6.48, 9.9),
        (
            "teams:12",
            "Tom Berg",
            "Yes, loud and clear. I have the spreadsheet open and the numbers & the forecast.",
            10.2,
            14.05,
        ),
        ("teams:17", "Okafor, Ngozi", "Perfect.", 13.6, 15.0),
    ]
    assert [u.line for u in conv.utterances] == [4, 8, 12, 17]
    assert conv.utterances[0].meta["cue_id"] == "8a7cd1f4-3b0e-4c5e-9a1e-2f6d1c9b7a10/12-0"
    assert conv.meta["speaker_labels"] == "voice tags"
    assert conv.rejected == ()


def test_subtitles_zoom_name_prefixes_and_cue_numbers() -> None:
    conv = one(DATA / "zoom.vtt")
    assert rows(conv) == [
        ("zoom:1", "Hannah Lee", "Hi everyone, thanks for coming.", 0.54, 4.21),
        ("zoom:2", "Hannah Lee", "I'll share my screen in a second.", 4.9, 9.02),
        ("zoom:3", "Raj Patel", "Sure, go ahead.", 9.5, 11.0),
        (
            "zoom:4",
            "Hannah Lee",
            "Okay. Can you see the roadmap? The first item is the mobile app, which is about two "
            "weeks late.",
            11.3,
            16.75,
        ),
    ]
    assert conv.meta["speaker_labels"] == "name prefixes"


def test_subtitles_otter_srt_crlf_and_unlabelled_cue_continues_speaker() -> None:
    conv = one(DATA / "otter.srt")
    assert rows(conv) == [
        ("otter:1", "Speaker 1", "So the first thing is the lease.", 1.0, 4.5),
        ("otter:2", "Speaker 1", "It ends in March and we haven't heard back.", 4.5, 7.25),
        ("otter:3", "Dana Cruz", "Have you called them?", 7.8, 9.0),
        ("otter:4", "Speaker 1", "Twice.", 62.0, 63.1),
    ]
    assert conv.utterances[1].meta["speaker_from"] == "previous cue"
    assert "speaker_from" not in conv.utterances[0].meta
    assert conv.meta["format"] == "srt" and conv.meta["speaker_from_previous_cue"] == 1


def test_subtitles_meet_short_times_without_cue_ids() -> None:
    conv = one(DATA / "meet.vtt")
    assert rows(conv) == [
        ("meet:3", "Aiko Tanaka", "Shall we begin?", 1.0, 3.5),
        ("meet:6", "Luis Ortega", "Yes. I sent the draft last night.", 4.0, 8.25),
        ("meet:9", "Aiko Tanaka", "Thanks, I read it on the train.", 62.0, 65.0),
    ]


def test_subtitles_voice_class_markup_entities_and_settings(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "WEBVTT - meeting captions\nKind: captions\nLanguage: en\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "REGION\nid:left width:40%\n\n"
        "NOTE written by hand\nfor this test\n\n"
        "intro\n"
        "01:00:01.250 --> 01:00:04.000 align:start position:10% line:0\n"
        "<v.loud.first Esme Brown><b>Stop</b> &amp; <i>listen</i>, "
        "<c.yellow>please</c> &lt;now&gt;!</v>\n\n"
        "NOTE another comment\n\n"
        "01:00:04.000 --> 01:00:06.000\n"
        "<v Jo>Fine <00:00:04.500>fine.\n"
    )
    conv = one(write("m.vtt", text))
    assert rows(conv) == [
        ("m:15", "Esme Brown", "Stop & listen, please <now>!", 3601.25, 3604.0),
        ("m:20", "Jo", "Fine fine.", 3604.0, 3606.0),
    ]
    assert conv.utterances[0].meta["cue_id"] == "intro"
    assert conv.meta["skipped_blocks"] == {"STYLE": 1, "REGION": 1, "NOTE": 2}


def test_subtitles_two_speakers_in_one_cue_share_its_time(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "WEBVTT\n\n1\n00:00:10.000 --> 00:00:14.000\n"
        "<v Ann>Ready?</v>\n<v Bo>Yes, go ahead.</v>\n"
    )
    conv = one(write("two.vtt", text))
    # Times split 6 : 14 characters over the cue's 4 seconds.
    assert rows(conv) == [
        ("two:1", "Ann", "Ready?", 10.0, 11.2),
        ("two:1.2", "Bo", "Yes, go ahead.", 11.2, 14.0),
    ]
    assert conv.utterances[1].meta["timing"].startswith("estimated")


def test_subtitles_two_name_prefixes_in_one_srt_cue(write) -> None:  # type: ignore[no-untyped-def]
    text = "1\n00:00:00,000 --> 00:00:02,000\nAl: Hi.\nBea: Hello.\n"
    conv = one(write("x.srt", text))
    assert [(u.id, u.speaker, u.text) for u in conv.utterances] == [
        ("x:1", "Al", "Hi."),
        ("x:1.2", "Bea", "Hello."),
    ]


def test_subtitles_first_unlabelled_cue_is_unknown(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "WEBVTT\n\n00:00.000 --> 00:01.000\nHello and welcome.\n\n"
        "00:01.000 --> 00:02.000\n(music)\n\n"
        "00:02.000 --> 00:03.000\n<v Kim>Welcome back.\n\n"
        "00:03.000 --> 00:04.000\nToday we talk about rent.\n"
    )
    conv = one(write("u.vtt", text))
    assert [(u.speaker, u.text) for u in conv.utterances] == [
        ("Unknown", "Hello and welcome."),
        ("Kim", "Welcome back."),
        ("Kim", "Today we talk about rent."),
    ]
    assert [(r.line, r.reason) for r in conv.rejected] == [(6, "non-speech cue: (music)")]


def test_subtitles_non_speech_cues_are_not_given_to_the_previous_speaker(write) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: [laughter], (music) and sung lines are recorded as non-speech."""
    text = (
        "1\n00:00:01,000 --> 00:00:04,000\nAnn: We should sell the car.\n\n"
        "2\n00:00:04,000 --> 00:00:09,000\n[laughter]\n\n"
        "3\n00:00:09,000 --> 00:00:10,000\n♪ la la la ♪\n\n"
        "4\n00:00:10,000 --> 00:00:11,000\n[door closes] (applause)\n\n"
        "5\n00:00:11,000 --> 00:00:12,000\nand buy bikes [laughs]\n\n"
        "6\n00:00:12,000 --> 00:00:13,000\nBo: [sighs]\n"
    )
    conv = one(write("n.srt", text))
    assert [(u.id, u.speaker, u.text, u.start) for u in conv.utterances] == [
        ("n:1", "Ann", "We should sell the car.", 1.0),
        ("n:5", "Ann", "and buy bikes [laughs]", 11.0),
        ("n:6", "Bo", "[sighs]", 12.0),
    ]
    assert [r.reason for r in conv.rejected] == [
        "non-speech cue: [laughter]",
        "non-speech cue: ♪ la la la ♪",
        "non-speech cue: [door closes] (applause)",
    ]
    assert conv.read_count == 6


def test_subtitles_unlabelled_file_keeps_colons_as_text(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nNote: the shop closes at five.\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nWe should hurry.\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\nAgreed.\n"
    )
    conv = one(write("film.srt", text))
    assert [(u.speaker, u.text) for u in conv.utterances] == [
        ("Unknown", "Note: the shop closes at five."),
        ("Unknown", "We should hurry."),
        ("Unknown", "Agreed."),
    ]
    assert conv.meta["speaker_labels"] == "none"


def test_subtitles_empty_cue_is_rejected_and_counts_balance(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hi</v>\n\n"
        "2\n00:00:02.000 --> 00:00:03.000\n<i> </i>\n\n"
        "3\n00:00:03.000 --> 00:00:03.500\n\n"
        "4\n00:00:04.000 --> 00:00:05.000\n<v Bo>Hello</v>\n"
    )
    conv = one(write("e.vtt", text))
    assert [u.id for u in conv.utterances] == ["e:1", "e:4"]
    assert [(r.line, r.reason) for r in conv.rejected] == [
        (8, "cue has no text"),
        (12, "cue has no text"),
    ]
    assert conv.read_count == 4
    report = json.loads(powerlens.render(powerlens.analyze([conv]), "json"))
    assert report["conversations"][0]["counts"]["read"] == 4
    assert report["conversations"][0]["counts"]["analysed"] == 2


def test_subtitles_bom_crlf_and_blank_line_inside_srt_cue(write) -> None:  # type: ignore[no-untyped-def]
    text = "1\r\n00:00:01,000 --> 00:00:03,000\r\nMia: First part\r\n\r\nsecond part\r\n\r\n"
    text += "2\r\n00:00:03,000 --> 00:00:04,000\r\nNed: Ok\r\n"
    conv = one(write("b.srt", b"\xef\xbb\xbf" + text.encode("utf-8")))
    assert rows(conv) == [
        ("b:1", "Mia", "First part second part", 1.0, 3.0),
        ("b:2", "Ned", "Ok", 3.0, 4.0),
    ]
    assert conv.meta["warnings"] == [
        {"line": 5, "message": "text without a timing line; kept as more text of the cue before"}
    ]


def test_subtitles_header_without_blank_line_and_dot_in_srt(write) -> None:  # type: ignore[no-untyped-def]
    conv = one(write("h.vtt", "WEBVTT\n00:00:01.5 --> 00:00:02,25\nAnn: hi\n"))
    assert rows(conv) == [("h:2", "Ann", "hi", 1.5, 2.25)]


def test_subtitles_sniffs_content_without_extension(write) -> None:  # type: ignore[no-untyped-def]
    vtt = write("captions.txt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>x\n")
    srt = write("subs.txt", "\n1\n00:00:01,000 --> 00:00:02,000\nx\n")
    assert reader_for(vtt)[1] == "vtt"
    assert reader_for(srt)[1] == "srt"
    assert sniff(Path("a.txt"), "Ann: WEBVTT is a format\n") is None
    assert sniff(Path("a.txt"), "1\nAnn: hello\n") is None
    assert sniff(Path("folder"), None) is None


@pytest.mark.parametrize(
    ("timing", "message"),
    [
        ("00:00:xx --> 00:00:04.000", "invalid start time '00:00:xx'"),
        ("00:00:01.000 --> 00:00:61.000", "invalid end time '00:00:61.000'"),
        ("00:00:01.000 -->", "invalid end time ''"),
        ("1 00:00:01.000 --> 00:00:02.000", "invalid start time"),
    ],
)
def test_subtitles_broken_times_name_line_and_expected(write, timing: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = write("bad.vtt", f"WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\nok\n\n2\n{timing}\nx\n")
    with pytest.raises(InputError) as caught:
        powerlens.load(path)
    error = caught.value
    assert error.line == 8 and error.code == "PL110"
    assert message in str(error)
    assert f"{path}:8" in str(error)
    assert "hh:mm:ss.mmm --> hh:mm:ss.mmm" in str(error)


def test_subtitles_end_before_start_is_an_error(write) -> None:  # type: ignore[no-untyped-def]
    path = write("rev.srt", "1\n00:00:05,000 --> 00:00:03,000\nAnn: hi\n")
    with pytest.raises(InputError) as caught:
        powerlens.load(path)
    assert caught.value.line == 2 and caught.value.code == "PL112"
    assert "before it starts" in str(caught.value)
    assert "hh:mm:ss,mmm --> hh:mm:ss,mmm" in str(caught.value)


def test_subtitles_line_fitting_no_pattern_before_first_cue(write) -> None:  # type: ignore[no-untyped-def]
    path = write("junk.vtt", "WEBVTT\n\nthis is not a cue\n\n00:00:01.000 --> 00:00:02.000\nhi\n")
    with pytest.raises(InputError) as caught:
        powerlens.load(path)
    assert caught.value.line == 3 and caught.value.code == "PL111"
    assert "'this is not a cue' fits no caption pattern" in str(caught.value)


def test_subtitles_cue_number_without_timing_line(write) -> None:  # type: ignore[no-untyped-def]
    text = "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\nno timing here\n"
    with pytest.raises(InputError) as caught:
        powerlens.load(write("gap.srt", text))
    assert caught.value.line == 5 and "cue 2 has no timing line" in str(caught.value)


def test_subtitles_timing_line_too_deep_in_block(write) -> None:  # type: ignore[no-untyped-def]
    text = "WEBVTT\n\nid\nstray\n00:00:01.000 --> 00:00:02.000\nhi\n"
    with pytest.raises(InputError) as caught:
        powerlens.load(write("deep.vtt", text))
    assert caught.value.line == 5 and "first or second line" in str(caught.value)


def test_subtitles_header_only_has_no_cue(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        powerlens.load(write("h.vtt", "WEBVTT\n\nNOTE nothing else\n"))
    assert "no cue found" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("", "PL101"),
        ("\n  \n", "PL101"),
        (b"WEBVTT\n\x00\x01\x02binary", "PL102"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Zo\xeb>Ol\xe9\n".encode("latin-1"), "PL103"),
    ],
)
def test_subtitles_malformed_files(write, content: str | bytes, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        powerlens.load(write("m.vtt", content))
    assert caught.value.code == code
    assert "m.vtt" in str(caught.value)


def test_subtitles_latin1_with_named_encoding(write) -> None:  # type: ignore[no-untyped-def]
    data = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Zo\xeb>Ol\xe9\n".encode("latin-1")
    conv = one(write("l.vtt", data), encoding="latin-1")
    assert rows(conv) == [("l:3", "Zo\xeb", "Ol\xe9", 1.0, 2.0)]


def test_subtitles_team_meeting_example_talk_measures() -> None:
    conversations = powerlens.load(EXAMPLES / "team_meeting.vtt")
    [conv] = conversations
    assert conv.read_count == len(conv.utterances) == 30 and conv.rejected == ()
    assert conv.speaker_names() == ["Martin", "Priya", "Sam", "Lena"]
    report = powerlens.analyze(conversations)
    speakers = report.conversations[0].speakers
    # Sam, counted by hand: 11 + 21 + 9 + 4 words over cues 7, 12, 20, 28;
    # 2.6 + 7.2 + 3.4 + 1.7 seconds.
    assert speakers["Sam"]["words"] == 45
    assert speakers["Sam"]["turns"] == 4
    assert speakers["Sam"]["seconds"] == pytest.approx(14.9)
    assert speakers["Sam"]["questions_asked"] == 2
    assert speakers["Sam"]["interruptions_received"] == 1
    assert speakers["Sam"]["interruptions_made"] == 0
    # Martin cuts in on Priya (cue 6 overlaps 5), Sam (cue 12 ends "--") and Lena (23 overlaps 22).
    assert speakers["Martin"]["interruptions_made"] == 3
    assert speakers["Martin"]["interruptions_received"] == 0
    assert [speakers[n]["interruptions_received"] for n in ("Priya", "Lena")] == [1, 1]
    events = report.conversations[0].sections["talk"]["interruptions"]
    assert [(e["utterance_id"], e["kind"]) for e in events] == [
        ("team_meeting:6", "overlap"),
        ("team_meeting:13", "cut_off"),
        ("team_meeting:23", "overlap"),
    ]
    assert speakers["Martin"]["word_share"] > 0.5


def test_subtitles_team_meeting_json_fits_schema() -> None:
    report = powerlens.analyze(powerlens.load(EXAMPLES / "team_meeting.vtt"))
    data = json.loads(powerlens.render(report, "json"))
    schema_path = REPO / "src" / "powerlens" / "schema" / "report-1.json"
    jsonschema.validate(data, json.loads(schema_path.read_text(encoding="utf-8")))
    assert data["conversations"][0]["meta"]["skipped_blocks"] == {"NOTE": 1}
