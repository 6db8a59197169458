"""The ConvoKit corpus-folder reader and writer on good, tricky and malformed input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerlens
from powerlens.errors import InputError, UsageError
from powerlens.model import Conversation, Rejection, Speaker, Utterance
from powerlens.readers.convokit import iter_conversations, read, sniff, write

COURT = Path(__file__).parent / "data" / "convokit" / "court"


def corpus(folder: Path, lines: list[object], **files: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    (folder / "utterances.jsonl").write_text(text, encoding="utf-8")
    for name, data in files.items():
        (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_convokit_reads_a_corpus_folder_with_all_its_metadata() -> None:
    first, second = powerlens.load(COURT)
    assert (first.id, second.id) == ("u1", "v1")
    assert [(u.id, u.speaker, u.start, u.reply_to, u.line) for u in first.utterances] == [
        ("u1", "j_roberts", 1000.0, None, 1),
        ("u2", "a_lee", 1004.0, "u1", 2),
        ("u3", "j_kagan", 1011.0, "u2", 3),
    ]
    assert first.utterances[1].meta == {"case_id": "22-100", "speaker_type": "A", "side": 1}
    assert first.speakers == {
        "j_roberts": Speaker("j_roberts", {"name": "John Roberts", "type": "J"}),
        "a_lee": Speaker("a_lee", {"name": "Ms. Lee", "type": "A"}),
        "j_kagan": Speaker("j_kagan", {"name": "Elena Kagan", "type": "J"}),
    }
    assert first.meta == {"case_id": "22-100", "win_side": 1}
    # the older field names: user, root, reply_to
    assert [(u.id, u.speaker, u.reply_to) for u in second.utterances] == [
        ("v1", "j_roberts", None),
        ("v2", "a_park", "v1"),
    ]
    assert second.speakers["a_park"].meta == {}
    assert second.meta == {"case_id": "22-200", "win_side": None}
    assert first.source == str(COURT)


def test_convokit_sniffs_folders_only(tmp_path: Path) -> None:
    assert sniff(COURT, None) == "convokit"
    assert sniff(tmp_path, None) is None
    assert sniff(COURT / "utterances.jsonl", "{}") is None


def test_convokit_missing_utterances_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "speakers.json").write_text("{}")
    with pytest.raises(InputError) as error:
        read(tmp_path)
    assert error.value.code == "PL131" and "utterances.jsonl" in str(error.value)


def test_convokit_bad_lines_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    folder = corpus(
        tmp_path / "c",
        [
            {"id": "a", "speaker": "s", "conversation_id": "a", "text": "hello", "timestamp": 5},
            '{"id": "b", "speaker": ',
            {"id": "c", "conversation_id": "a", "text": "no speaker"},
            {"id": "d", "speaker": "t", "conversation_id": "a", "text": ""},
            {"id": "e", "speaker": "t", "conversation_id": "a", "text": "x", "meta": [1]},
            {"id": "f", "speaker": "t", "conversation_id": "a", "text": "ok", "timestamp": "later"},
            {"id": "g", "speaker": "t", "conversation_id": "a", "text": "fine"},
        ],
    )
    [conv] = read(folder)
    assert [u.id for u in conv.utterances] == ["a", "g"]
    assert [r.line for r in conv.rejected] == [2, 3, 4, 5, 6]
    assert conv.rejected[1:] == (
        Rejection(3, "missing 'speaker'"),
        Rejection(4, "utterance has no text"),
        Rejection(5, "'meta' must be an object"),
        Rejection(6, "timestamp 'later' is neither seconds nor an ISO 8601 date-time"),
    )
    assert conv.rejected[0].reason.startswith("not valid JSON")
    assert conv.read_count == 7


def test_convokit_every_line_bad_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        read(corpus(tmp_path / "c", ["{nope", {"id": "x"}]))
    assert (error.value.code, error.value.line) == ("PL133", 1)


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "PL101"), (b"\x00\x01binary", "PL102"), ('{"text": "Zoë"}\n'.encode("cp1252"), "PL103")],
)
def test_convokit_empty_binary_and_misencoded_files(
    tmp_path: Path, content: bytes, code: str
) -> None:
    (tmp_path / "utterances.jsonl").write_bytes(content)
    with pytest.raises(InputError) as error:
        read(tmp_path)
    assert error.value.code == code


def test_convokit_bad_speakers_json_names_file_and_line(tmp_path: Path) -> None:
    folder = corpus(tmp_path / "c", [{"id": "a", "speaker": "s", "text": "hi"}])
    (folder / "speakers.json").write_text('{\n"s": {"meta": {}},\n}\n')
    with pytest.raises(InputError) as error:
        read(folder)
    assert error.value.code == "PL132" and error.value.line == 2  # the trailing comma
    assert "speakers.json" in str(error.value)


def test_convokit_missing_conversation_id_follows_reply_chain(tmp_path: Path) -> None:
    folder = corpus(
        tmp_path / "c",
        [
            {"id": "r2", "speaker": "s", "text": "child first", "reply_to": "r1"},
            {"id": "r1", "speaker": "t", "text": "root", "conversation_id": "thread"},
            {"id": "x", "speaker": "s", "text": "alone"},
        ],
    )
    convs = read(folder)
    assert [(c.id, [u.id for u in c.utterances]) for c in convs] == [
        ("thread", ["r2", "r1"]),
        ("x", ["x"]),
    ]


def test_convokit_streams_and_refuses_reappearing_conversation(tmp_path: Path) -> None:
    assert [c.id for c in iter_conversations(COURT)] == ["u1", "v1"]
    folder = corpus(
        tmp_path / "c",
        [
            {"id": "a", "speaker": "s", "conversation_id": "A", "text": "1"},
            {"id": "b", "speaker": "s", "conversation_id": "B", "text": "2"},
            {"id": "c", "speaker": "s", "conversation_id": "A", "text": "3"},
        ],
    )
    with pytest.raises(InputError) as error:
        list(iter_conversations(folder))
    assert (error.value.code, error.value.line) == ("PL123", 3)


def test_convokit_writes_the_files_convokit_dumps(tmp_path: Path) -> None:
    out = write(powerlens.load(COURT), tmp_path / "copy")
    names = {"utterances.jsonl", "speakers.json", "conversations.json", "corpus.json", "index.json"}
    assert {p.name for p in out.iterdir()} == names
    first = json.loads((out / "utterances.jsonl").read_text().splitlines()[1])
    assert first == {
        "id": "u2",
        "conversation_id": "u1",
        "text": "Mr. Chief Justice, and may it please the Court.",
        "speaker": "a_lee",
        "meta": {"case_id": "22-100", "speaker_type": "A", "side": 1},
        "reply-to": "u1",
        "timestamp": 1004.0,
        "vectors": [],
    }
    speakers = json.loads((out / "speakers.json").read_text())
    assert speakers["a_lee"] == {"meta": {"name": "Ms. Lee", "type": "A"}, "vectors": []}
    index = json.loads((out / "index.json").read_text())
    assert index["utterances-index"]["side"] == ["<class 'int'>"]
    assert index["speakers-index"] == {"name": ["<class 'str'>"], "type": ["<class 'str'>"]}
    assert index["conversations-index"]["win_side"] == ["<class 'int'>", "<class 'NoneType'>"]
    assert set(index) == {
        "utterances-index",
        "speakers-index",
        "conversations-index",
        "overall-index",
        "version",
        "vectors",
    }


def essentials(conversations: list[Conversation]) -> list[tuple[object, ...]]:
    return [
        (
            c.id,
            [
                (u.id, u.speaker, u.text, u.start, u.end, u.reply_to, dict(u.meta))
                for u in c.utterances
            ],
            {n: dict(s.meta) for n, s in c.speakers.items()},
            dict(c.meta),
        )
        for c in conversations
    ]


def test_convokit_round_trips_the_sample(tmp_path: Path) -> None:
    original = powerlens.load(COURT)
    assert essentials(read(write(original, tmp_path / "copy"))) == essentials(original)


def test_convokit_round_trips_end_times(tmp_path: Path) -> None:
    conv = Conversation(
        "m",
        (Utterance("1", "A", "hi", 0.0, 2.5), Utterance("2", "B", "yo", 2.5, None, "1")),
        speakers={"A": Speaker("A", {"role": "lead"}), "B": Speaker("B")},
        meta={"title": "standup"},
    )
    folder = write([conv], tmp_path / "c")
    assert json.loads((folder / "utterances.jsonl").read_text().splitlines()[0])["meta"] == {
        "powerlens.end": 2.5
    }
    assert essentials(read(folder)) == essentials([conv])


def test_convokit_writer_refuses_duplicate_ids(tmp_path: Path) -> None:
    a = Conversation("a", (Utterance("1", "A", "x"),))
    b = Conversation("b", (Utterance("1", "A", "y"),))
    with pytest.raises(UsageError):
        write([a, b], tmp_path / "c")


TEXT = st.text(alphabet="abcdef XYZ.?\n'\"—", min_size=1, max_size=20).filter(
    lambda s: not s.isspace()
)
META = st.dictionaries(
    st.sampled_from(["a", "b"]),
    st.text(max_size=5) | st.integers(-5, 5) | st.booleans() | st.lists(st.integers(), max_size=2),
    max_size=2,
)


@st.composite
def corpora(draw: st.DrawFn) -> list[Conversation]:
    conversations = []
    uid = 0
    speaker_meta: dict[str, dict[str, object]] = {}
    for c in range(draw(st.integers(1, 3))):
        utterances = []
        for _ in range(draw(st.integers(1, 4))):
            uid += 1
            name = draw(st.sampled_from(["ann", "bo", "cy"]))
            speaker_meta.setdefault(name, draw(META))
            start = draw(st.none() | st.floats(0, 1e9, allow_nan=False))
            utterances.append(
                Utterance(
                    f"u{uid}",
                    name,
                    draw(TEXT),
                    start,
                    draw(st.none() | st.floats(0, 1e9, allow_nan=False)),
                    f"u{uid - 1}" if len(utterances) else None,
                    meta=draw(META),
                )
            )
        names = dict.fromkeys(u.speaker for u in utterances)
        conversations.append(
            Conversation(
                f"c{c}",
                tuple(utterances),
                speakers={n: Speaker(n, speaker_meta[n]) for n in names},
                meta=draw(META),
            )
        )
    return conversations


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(conversations=corpora())
def test_convokit_round_trip_property(tmp_path: Path, conversations: list[Conversation]) -> None:
    folder = tmp_path / "prop"
    shutil.rmtree(folder, ignore_errors=True)
    assert essentials(read(write(conversations, folder))) == essentials(conversations)
