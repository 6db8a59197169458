"""The Slack export reader: channels, threads, names, markup, events and bad files."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import powerlens
from helpers import REPO
from powerlens.errors import InputError
from powerlens.model import Conversation
from powerlens.readers import reader_for
from powerlens.readers.slack import decode_markup

DATA = REPO / "tests" / "data" / "slack"
EXPORT = DATA / "export"
THREAD = "1709542920.000300"


def rejections(conversation: Conversation) -> list[tuple[int | None, str]]:
    return [(r.line, r.reason) for r in conversation.rejected]


def general() -> Conversation:
    general, _ = powerlens.load(EXPORT)
    return general


def write_channel(root: Path, messages: list[object], users: list[object] | None = None) -> Path:
    channel = root / "team"
    channel.mkdir(parents=True)
    (channel / "2024-01-01.json").write_text(json.dumps(messages), encoding="utf-8")
    if users is not None:
        (root / "users.json").write_text(json.dumps(users), encoding="utf-8")
    return channel


def test_slack_export_root_gives_one_conversation_per_channel() -> None:
    conversations = powerlens.load(EXPORT)
    assert [(c.id, c.source, dict(c.meta)) for c in conversations] == [
        ("general", str(EXPORT / "general"),
         {"platform": "slack", "channel": "general", "channel_id": "C1"}),
        ("random", str(EXPORT / "random"),
         {"platform": "slack", "channel": "random", "channel_id": "C2"}),
    ]
    random = conversations[1]
    assert [(u.speaker, u.text, u.meta.get("subtype")) for u in random.utterances] == [
        ("Cy Park", "Anyone for lunch?", None),
        ("Ann Lee", "waves", "me_message"),
    ]


def test_slack_threads_keep_their_place_in_time() -> None:
    rows = [(u.id, u.speaker, u.start, u.reply_to, u.line, u.meta["file"])
            for u in general().utterances]
    assert rows == [
        ("1709542860.000200", "Ann Lee", 1709542860.0002, None, 3, "2024-03-04.json"),
        (THREAD, "Bo", 1709542920.0003, None, 10, "2024-03-04.json"),
        # written after the reply in the file, but earlier in time
        ("1709543000.000400", "Ann Lee", 1709543000.0004, None, 12, "2024-03-04.json"),
        ("1709543100.000500", "Cy Park", 1709543100.0005, THREAD, 11, "2024-03-04.json"),
        # a reply on the next day, also sent to the channel
        ("1709629200.000100", "Bo", 1709629200.0001, THREAD, 2, "2024-03-05.json"),
        ("1709629260.000200", "U4", 1709629260.0002, None, 3, "2024-03-05.json"),
    ]


def test_slack_text_markup_is_decoded() -> None:
    assert [u.text for u in general().utterances] == [
        "Morning @here! Plan is in the plan doc & #random",
        "Thanks @Ann Lee, starting a thread",
        "Unrelated channel message https://example.org",
        "Reply one: 3 < 5",
        "Late reply to the thread",
        "Who is @U9?",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi <@U1>", "hi @Ann"),
        ("hi <@U7|sam>", "hi @sam"),
        ("see <#C1>", "see #general"),
        ("<!channel> <!everyone> <!subteam^S1|@devs>", "@channel @everyone @devs"),
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        ("<mailto:a@b.org> and <https://x.org/a?b=1&amp;c=2|link>", "a@b.org and link"),
        ("a &lt;b&gt; &amp;lt;", "a <b> &lt;"),
    ],
)
def test_slack_decode_markup(text: str, expected: str) -> None:
    assert decode_markup(text, {"U1": "Ann"}, {"C1": "general"}) == expected


def test_slack_speaker_names_from_profiles_users_and_ids() -> None:
    conv = general()
    # U1: message profile; U2: users.json display name (real name empty); U4: unknown id
    assert {name: s.meta["slack_id"] for name, s in conv.speakers.items()} == {
        "Ann Lee": "U1",
        "Bo": "U2",
        "Cy Park": "U3",
        "U4": "U4",
    }


def test_slack_events_and_bad_messages_are_rejected_with_reasons() -> None:
    conv = general()
    assert rejections(conv) == [
        (2, "2024-03-04.json: channel_join event, not a message by a person"),
        (13, "2024-03-04.json: bot or app message, not written by a person"),
        (14, "2024-03-04.json: message has no 'ts' timestamp"),
        (15, "2024-03-04.json: file shared without text"),
        (4, "2024-03-05.json: channel_leave event, not a message by a person"),
    ]
    assert (conv.read_count, len(conv.utterances), len(conv.rejected)) == (11, 6, 5)


def test_slack_report_is_valid_json_contract() -> None:
    report = json.loads(powerlens.render(powerlens.analyze(powerlens.load(EXPORT)), "json"))
    schema = json.loads(resources.files("powerlens").joinpath("schema/report-1.json").read_text())
    jsonschema.validate(report, schema)
    counts = report["conversations"][0]["counts"]
    assert (counts["read"], counts["analysed"], len(counts["rejected"])) == (11, 6, 5)


def test_slack_channel_folder_never_looks_above_it(tmp_path: Path) -> None:
    """Issue 20: a planted users.json beside an uploaded channel is ignored."""
    messages = [{"user": "U1", "text": "hi", "ts": "1.0"},
                {"user": "U2", "text": "yo", "ts": "2.0",
                 "user_profile": {"real_name": "Bo Day"}}]
    channel = write_channel(tmp_path, messages, [{"id": "U1", "real_name": "Planted"}])
    (tmp_path / "channels.json").write_text("not json", encoding="utf-8")
    [conv] = powerlens.load(channel)
    assert [u.speaker for u in conv.utterances] == ["U1", "Bo Day"]
    [day] = powerlens.load(channel / "2024-01-01.json")
    assert [u.speaker for u in day.utterances] == ["U1", "Bo Day"]


def test_slack_single_day_file() -> None:
    day = EXPORT / "general" / "2024-03-05.json"
    [conv] = powerlens.load(day)
    assert (conv.id, conv.source) == ("general-2024-03-05", str(day))
    # the thread parent is in another day file: the link is kept in meta only
    first = conv.utterances[0]
    assert (first.reply_to, first.meta["thread_ts"]) == (None, THREAD)
    assert (conv.read_count, len(conv.utterances)) == (3, 2)


def test_slack_corrupt_day_file_names_file_and_line() -> None:
    with pytest.raises(InputError) as caught:
        powerlens.load(DATA / "corrupt" / "general")
    error = caught.value
    assert (error.code, error.line) == ("PL172", 4)
    assert error.path == str(DATA / "corrupt" / "general" / "2024-03-04.json")
    assert "is not valid JSON" in error.message and "(column 3)" in error.message


def test_slack_day_file_that_is_not_an_array(tmp_path: Path) -> None:
    channel = tmp_path / "team"
    channel.mkdir()
    (channel / "2024-01-01.json").write_text('\n{"ts": "1"}', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        powerlens.load(channel, format="slack")
    assert (caught.value.code, caught.value.line) == ("PL173", 2)


def test_slack_bad_users_json_is_input_error(tmp_path: Path) -> None:
    channel = write_channel(tmp_path, [{"user": "U1", "text": "hi", "ts": "1.0"}])
    assert channel.parent == tmp_path
    (tmp_path / "users.json").write_text("[\n  {\"id\": \"U1\",,}\n]", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        powerlens.load(tmp_path, format="slack")
    assert caught.value.path == str(tmp_path / "users.json")
    assert (caught.value.code, caught.value.line) == ("PL172", 2)


def test_slack_same_names_are_told_apart(tmp_path: Path) -> None:
    users = [{"id": "U1", "real_name": "Sam"}, {"id": "U2", "real_name": "Sam"}]
    messages = [
        {"user": "U1", "text": "hi <@U2>", "ts": "1.0"},
        {"user": "U2", "text": "hello", "ts": "2.0"},
    ]
    write_channel(tmp_path, messages, users)
    [conv] = powerlens.load(tmp_path, format="slack")
    assert [(u.speaker, u.text) for u in conv.utterances] == [
        ("Sam (U1)", "hi @Sam (U2)"),
        ("Sam (U2)", "hello"),
    ]


def test_slack_bad_and_repeated_ts_are_rejected(tmp_path: Path) -> None:
    messages = [
        {"user": "U1", "text": "one", "ts": "5.0"},
        {"user": "U1", "text": "again", "ts": "5.0"},
        {"user": "U1", "text": "odd", "ts": "soon"},
        {"text": "who?", "ts": "6.0"},
        "not an object",
    ]
    [conv] = powerlens.load(write_channel(tmp_path, messages))
    assert [(u.id, u.speaker, u.start) for u in conv.utterances] == [("5.0", "U1", 5.0)]
    assert rejections(conv) == [
        (1, "2024-01-01.json: repeats the ts 5.0 of an earlier message"),
        (1, "2024-01-01.json: 'ts' 'soon' is not a Slack timestamp"),
        (1, "2024-01-01.json: message names no user"),
        (1, "2024-01-01.json: not a message object"),
    ]


def test_slack_only_events_is_input_error(tmp_path: Path) -> None:
    messages = [{"subtype": "channel_join", "user": "U1", "text": "joined", "ts": "1.0"}]
    with pytest.raises(InputError) as caught:
        powerlens.load(write_channel(tmp_path, messages))
    assert caught.value.code == "PL171"
    assert "channel_join event" in caught.value.message


def test_slack_sniffing(tmp_path: Path) -> None:
    assert reader_for(EXPORT)[1] == "slack"
    assert reader_for(EXPORT / "general")[1] == "slack"
    assert reader_for(EXPORT / "general" / "2024-03-04.json")[1] == "slack"
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.json").write_text("[]", encoding="utf-8")
    with pytest.raises(InputError):
        reader_for(other)
