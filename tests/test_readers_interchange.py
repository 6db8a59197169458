"""The interchange reader and writer (JSONL, CSV, Parquet) on good, tricky and malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerlens
from powerlens.errors import InputError, UsageError
from powerlens.model import Conversation, Rejection, Speaker, Utterance
from powerlens.readers import budgets, interchange, jsonlines
from powerlens.readers.interchange import iter_conversations, iter_rows, read, write

DATA = Path(__file__).parent / "data" / "interchange"
MARCH_1_10AM = 1709287200.0  # 2024-03-01T10:00:00Z


def jsonl(*rows: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def test_interchange_jsonl_groups_unsorted_rows_with_iso_times_and_speaker_meta() -> None:
    case1, case2 = powerlens.load(DATA / "hearing.jsonl")
    assert [case1.id, case2.id] == ["case-1", "case-2"]
    assert [(u.id, u.speaker, u.start, u.reply_to, u.line) for u in case1.utterances] == [
        ("h1", "Chief Justice", MARCH_1_10AM, None, 1),
        ("h2", "Ms. Lee", MARCH_1_10AM + 4, "h1", 2),
        ("h3", "Chief Justice", MARCH_1_10AM + 9, "h2", 5),
    ]
    assert case1.utterances[1].text == "Mr. Chief Justice, and may it please the Court --"
    assert case1.utterances[1].meta == {"side": "petitioner"}
    assert case1.utterances[0].meta == {}
    assert case1.speakers == {
        "Chief Justice": Speaker("Chief Justice", {"is_justice": True}),
        "Ms. Lee": Speaker("Ms. Lee", {"is_justice": False}),
    }
    assert [(u.id, u.start) for u in case2.utterances] == [
        ("k1", 1709290800.0),
        ("k2", 1709290803.5),
    ]
    assert case2.speakers["Mr. Park"].meta == {"is_justice": False}
    assert case1.source == str(DATA / "hearing.jsonl")
    assert all(c.rejected == () for c in (case1, case2))


def test_interchange_csv_bom_quoted_newlines_and_typed_cells() -> None:
    [conv] = powerlens.load(DATA / "standup.csv")
    assert conv.id == "standup"
    assert [
        (u.id, u.speaker, u.text, u.start, u.end, u.reply_to, u.line) for u in conv.utterances
    ] == [
        ("1", "Ann", "Morning, all.\nQuick one today.", 0.0, 2.5, None, 2),
        ("2", "Ben", 'She said "ship it".', 2.5, 4.0, "1", 4),
        ("3", "Ann", "Great.", 4.0, 5.25, "2", 5),
    ]
    assert [u.meta for u in conv.utterances] == [
        {"topic": "status", "turn": 1},
        {"topic": "status", "turn": 2},
        {"turn": 3},
    ]
    assert conv.speakers["Ann"].meta == {"role": "lead"}
    assert conv.speakers["Ben"].meta == {"role": "engineer"}


def test_interchange_parquet_reads_rows_and_nulls() -> None:
    [conv] = powerlens.load(DATA / "chat.parquet")
    assert conv.id == "c"
    assert [(u.id, u.speaker, u.text, u.start, u.line) for u in conv.utterances] == [
        ("1", "Ann", "Hi Ben.", 0.0, 1),
        ("2", "Ben", "Hi. Can we talk?", 1.5, 2),
        ("3", "Ann", "Sure.", 3.0, 3),
    ]
    assert [dict(u.meta) for u in conv.utterances] == [{"score": 1}, {}, {"score": 3}]


def test_interchange_truncated_parquet_names_the_file() -> None:
    with pytest.raises(InputError) as error:
        powerlens.load(DATA / "truncated.parquet")
    assert error.value.code == "PL126"
    assert "truncated.parquet" in str(error.value) and "Parquet" in str(error.value)
    assert "\n" not in error.value.message and len(error.value.message) < 300


def test_interchange_defaults_id_to_line_and_conversation_to_stem(write) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "team.jsonl", jsonl({"speaker": "Ann", "text": "hi"}, "", {"speaker": 7, "text": "yo"})
    )
    [conv] = read(path)
    assert conv.id == "team"
    assert [(u.id, u.speaker, u.line, u.start) for u in conv.utterances] == [
        ("1", "Ann", 1, None),
        ("3", "7", 3, None),
    ]


def test_interchange_bad_rows_are_rejected_and_attached_where_read(write) -> None:  # type: ignore[no-untyped-def]
    text = jsonl(
        '{"speaker": "Ann", "text": ',  # line 1: before any good row -> first conversation
        {"conversation_id": "a", "speaker": "Ann", "text": "one"},
        {"conversation_id": "a", "text": "no speaker"},
        {"conversation_id": "b", "speaker": "Ben", "text": "two"},
        {"conversation_id": "b", "speaker": "Ben", "text": "three", "start": "soon"},
        ["not", "an", "object"],
        {"conversation_id": "a", "speaker": "Ann", "text": "   "},
        {"conversation_id": "a", "speaker": "Ann", "text": "four", "timestamp": "yesterday"},
    )
    a, b = read(write("mixed.jsonl", text))
    assert [u.text for u in a.utterances] == ["one"]
    assert [u.text for u in b.utterances] == ["two"]
    assert [r.line for r in a.rejected] == [1, 3]
    assert a.rejected[0].reason.startswith("not valid JSON")
    assert a.rejected[1] == Rejection(3, "missing 'speaker'")
    assert b.rejected == (
        Rejection(5, "start 'soon' is not a number of seconds"),
        Rejection(6, "expected a JSON object, found list"),
        Rejection(7, "utterance has no text"),
        Rejection(8, "timestamp 'yesterday' is neither seconds nor an ISO 8601 date-time"),
    )
    assert a.read_count + b.read_count == 8
    assert all(c.read_count == len(c.utterances) + len(c.rejected) for c in (a, b))


def test_interchange_every_row_bad_is_an_error(write) -> None:  # type: ignore[no-untyped-def]
    path = write("bad.jsonl", jsonl({"speaker": "Ann"}, "{oops"))
    with pytest.raises(InputError) as error:
        read(path)
    assert error.value.code == "PL122" and error.value.line == 1
    assert "missing 'text'" in str(error.value)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.jsonl", b"", "PL101"),
        ("blank.csv", b"\n \n", "PL101"),
        ("binary.jsonl", b'{"speaker": "A", "text": "x"}\n\x00\x01\x02', "PL102"),
        ("latin.jsonl", '{"speaker": "Zoë", "text": "x"}\n'.encode("cp1252"), "PL103"),
        ("latin.csv", "speaker,text\nZoë,x\n".encode("cp1252"), "PL103"),
        ("header.csv", b"speaker,text\n", "PL121"),
        ("nocol.csv", b"name,text\nAnn,hi\n", "PL125"),
        ("dup.csv", b"speaker,text,text\nAnn,hi,ho\n", "PL125"),
    ],
)
def test_interchange_malformed_files_raise_clear_errors(
    write,
    name: str,
    content: bytes,
    code: str,  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(InputError) as error:
        read(write(name, content))
    assert error.value.code == code
    assert name in str(error.value)


def test_interchange_missing_column_names_the_columns(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=r"missing column\(s\) speaker; found name, text"):
        read(write("nocol.csv", "name,text\nAnn,hi\n"))


def test_interchange_late_invalid_utf8_names_the_line(write) -> None:  # type: ignore[no-untyped-def]
    good = jsonl(*({"speaker": "A", "text": f"row {i}"} for i in range(3)))
    path = write("late.jsonl", good.encode() + '{"speaker": "Zoë", "text": "x"}\n'.encode("cp1252"))
    with pytest.raises(InputError) as error:
        read(path)
    assert (error.value.code, error.value.line) == ("PL103", 4)


def test_interchange_named_encoding_reads_cp1252(write) -> None:  # type: ignore[no-untyped-def]
    path = write("latin.jsonl", '{"speaker": "Zoë", "text": "café"}\n'.encode("cp1252"))
    [conv] = read(path, encoding="cp1252")
    assert (conv.utterances[0].speaker, conv.utterances[0].text) == ("Zoë", "café")


def test_interchange_utf16_with_bom(write) -> None:  # type: ignore[no-untyped-def]
    path = write("wide.csv", "speaker,text\r\nZoë,héllo\r\n".encode("utf-16"))
    [conv] = read(path)
    assert (conv.utterances[0].speaker, conv.utterances[0].text) == ("Zoë", "héllo")


def test_interchange_jsonl_bom_and_crlf(write) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "bom.jsonl",
        b'\xef\xbb\xbf{"speaker": "A", "text": "x"}\r\n{"speaker": "B", "text": "y"}\r\n',
    )
    [conv] = read(path)
    assert [(u.speaker, u.text, u.line) for u in conv.utterances] == [("A", "x", 1), ("B", "y", 2)]


def test_interchange_disagreeing_speaker_meta_names_the_line(write) -> None:  # type: ignore[no-untyped-def]
    text = jsonl(
        {"speaker": "Ann", "text": "a", "speaker.is_justice": True},
        {"speaker": "Ann", "text": "b"},
        {"speaker": "Ann", "text": "c", "speaker.is_justice": False},
    )
    with pytest.raises(InputError) as error:
        read(write("court.jsonl", text))
    assert (error.value.code, error.value.line) == ("PL124", 3)
    assert "speaker.is_justice = False here but True on line 1" in str(error.value)


def test_interchange_csv_ragged_row_is_rejected(write) -> None:  # type: ignore[no-untyped-def]
    [conv] = read(write("r.csv", "speaker,text\nAnn,hi\nBen,yo,extra\nCal,\n"))
    assert [u.speaker for u in conv.utterances] == ["Ann"]
    assert conv.rejected == (
        Rejection(3, "row has 3 fields; the header has 2"),
        Rejection(4, "utterance has no text"),
    )


def test_interchange_start_wins_and_timestamp_is_kept_in_meta(write) -> None:  # type: ignore[no-untyped-def]
    row = {"speaker": "A", "text": "x", "start": 12.5, "timestamp": "2024-03-01T10:00:00Z"}
    [conv] = read(write("t.jsonl", jsonl(row)))
    [u] = conv.utterances
    assert (u.start, dict(u.meta)) == (12.5, {"timestamp": "2024-03-01T10:00:00Z"})


def test_interchange_nested_meta_and_unknown_columns_go_to_meta(write) -> None:  # type: ignore[no-untyped-def]
    row = {"speaker": "A", "text": "x", "meta": {"a": 1, "b": None}, "meta.c": [1, 2], "mood": "ok"}
    [conv] = read(write("m.jsonl", jsonl(row)))
    assert dict(conv.utterances[0].meta) == {"a": 1, "c": [1, 2], "mood": "ok"}


def test_interchange_long_line_is_rejected_without_holding_it(write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(jsonlines, "CHUNK_BYTES", 64)
    long = {"speaker": "A", "text": "x" * 500}
    text = jsonl({"speaker": "A", "text": "short"}, long, {"speaker": "B", "text": "after"})
    with budgets.use(budgets.Budgets(line_bytes=100)):
        [conv] = read(write("long.jsonl", text))
    assert [(u.text, u.line) for u in conv.utterances] == [("short", 1), ("after", 3)]
    [(line, reason)] = [(r.line, r.reason) for r in conv.rejected]
    assert line == 2 and reason.startswith("line is longer than 100 bytes (line-mb)")
    assert "--limit line-mb=" in reason


def test_interchange_sniffs_jsonl_and_csv_without_extension(write) -> None:  # type: ignore[no-untyped-def]
    [a] = powerlens.load(write("rows.txt", jsonl({"speaker": "A", "text": "x"})))
    [b] = powerlens.load(write("rows.dat", "id,speaker,text\n1,B,y\n"))
    assert (a.utterances[0].speaker, b.utterances[0].speaker) == ("A", "B")
    assert interchange.sniff(Path("x"), "Ann: hello") is None


def test_interchange_streams_contiguous_conversations(write) -> None:  # type: ignore[no-untyped-def]
    text = jsonl(
        "{broken",
        {"conversation_id": "a", "speaker": "A", "text": "1"},
        {"conversation_id": "a", "speaker": "B", "text": "2"},
        {"conversation_id": "b", "speaker": "A", "text": "3"},
    )
    path = write("s.jsonl", text)
    got = [
        (c.id, [u.text for u in c.utterances], [r.line for r in c.rejected])
        for c in iter_conversations(path)
    ]
    assert got == [("a", ["1", "2"], [1]), ("b", ["3"], [])]
    rows = list(iter_rows(path))
    assert [cid for cid, _ in rows] == [None, "a", "a", "b"]


def test_interchange_streaming_rejects_reappearing_conversation(write) -> None:  # type: ignore[no-untyped-def]
    text = jsonl(
        {"conversation_id": "a", "speaker": "A", "text": "1"},
        {"conversation_id": "b", "speaker": "A", "text": "2"},
        {"conversation_id": "a", "speaker": "A", "text": "3"},
    )
    stream = iter_conversations(write("s.jsonl", text))
    assert next(stream).id == "a"
    with pytest.raises(InputError) as error:
        list(stream)
    assert (error.value.code, error.value.line) == ("PL123", 3)


def sample() -> list[Conversation]:
    ann = Speaker("Ann", {"is_justice": True, "seat": 2})
    return [
        Conversation(
            id="case 1",
            utterances=(
                Utterance("a1", "Ann", 'Hello,\n"world"', 0.0, 1.5, None, meta={"k": "v", "n": 3}),
                Utterance(
                    "a2", "Bo", "Hi — ça va?", 1.5, None, "a1", meta={"ok": False, "x": 0.25}
                ),
            ),
            speakers={"Ann": ann, "Bo": Speaker("Bo")},
        ),
        Conversation(
            id="2",
            utterances=(Utterance("b1", "Ann", "Bye.", None, None, None),),
            speakers={"Ann": ann},
        ),
    ]


def essentials(conversations: list[Conversation]) -> list[tuple[object, ...]]:
    return [
        (
            c.id,
            [
                (u.id, u.speaker, u.text, u.start, u.end, u.reply_to, dict(u.meta))
                for u in c.utterances
            ],
            {n: dict(s.meta) for n, s in c.speakers.items()},
        )
        for c in conversations
    ]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_interchange_writers_round_trip(tmp_path: Path, suffix: str) -> None:
    path = write(sample(), tmp_path / f"out{suffix}")
    assert essentials(read(path)) == essentials(sample())
    assert essentials(list(iter_conversations(path))) == essentials(sample())


def test_interchange_parquet_writer_keeps_mixed_meta_types(tmp_path: Path) -> None:
    convs = [
        Conversation(
            "c",
            (
                Utterance("1", "A", "x", meta={"v": 1, "d": {"a": [1]}}),
                Utterance("2", "A", "y", meta={"v": "one"}),
            ),
        )
    ]
    [back] = read(write(convs, tmp_path / "m.parquet"))
    assert [dict(u.meta) for u in back.utterances] == [{"v": 1, "d": {"a": [1]}}, {"v": "one"}]


def test_interchange_writer_refuses_conflicting_speaker_meta(tmp_path: Path) -> None:
    convs = [
        Conversation("a", (Utterance("1", "A", "x"),), speakers={"A": Speaker("A", {"r": 1})}),
        Conversation("b", (Utterance("2", "A", "y"),), speakers={"A": Speaker("A", {"r": 2})}),
    ]
    with pytest.raises(UsageError):
        write(convs, tmp_path / "x.jsonl")
    with pytest.raises(UsageError):
        write(convs, tmp_path / "x.txt")


WORDS = st.text(alphabet="abcdefghij XYZ.,?\"'-\n", min_size=1, max_size=20).filter(
    lambda s: not s.isspace()
)
NAMES = st.text(alphabet="ABCDEFGH", min_size=1, max_size=4)
TIMES = st.none() | st.floats(min_value=0, max_value=1e6, allow_nan=False)
META = st.dictionaries(
    st.sampled_from(["topic", "n", "flag"]),
    st.text(alphabet="abcxyz", min_size=1, max_size=5) | st.integers(-1000, 1000) | st.booleans(),
    max_size=3,
)


@st.composite
def corpora(draw: st.DrawFn) -> list[Conversation]:
    count = draw(st.integers(1, 3))
    conversations = []
    uid = 0
    for c in range(count):
        utterances = []
        for _ in range(draw(st.integers(1, 4))):
            uid += 1
            utterances.append(
                Utterance(
                    f"u{uid}",
                    draw(NAMES),
                    draw(WORDS),
                    draw(TIMES),
                    draw(TIMES),
                    draw(st.none() | st.just(f"u{uid - 1}")),
                    meta=draw(META),
                )
            )
        conversations.append(
            Conversation(
                f"c{c}",
                tuple(utterances),
                speakers={u.speaker: Speaker(u.speaker) for u in utterances},
            )
        )
    return conversations


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(conversations=corpora())
def test_interchange_round_trip_property(
    tmp_path: Path, suffix: str, conversations: list[Conversation]
) -> None:
    path = write(conversations, tmp_path / f"prop{suffix}")
    assert essentials(read(path)) == essentials(conversations)
