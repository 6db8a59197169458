"""The plain transcript reader on good, tricky and malformed input."""

from __future__ import annotations

import pytest

import powerlens
from powerlens.errors import InputError


def test_plain_reads_names_and_continuations(write) -> None:  # type: ignore[no-untyped-def]
    [conv] = powerlens.load(write("chat.txt", "Ann: Hello\nthis continues\n\nBen Smith: Hi Ann!\n"))
    assert [(u.speaker, u.text) for u in conv.utterances] == [
        ("Ann", "Hello\nthis continues"),
        ("Ben Smith", "Hi Ann!"),
    ]
    assert [u.line for u in conv.utterances] == [1, 4]
    assert conv.read_count == 2 and conv.rejected == ()


@pytest.mark.parametrize(
    ("line", "speaker", "start"),
    [
        ("[00:01:02] Ann: hi", "Ann", 62.0),
        ("[01:02] Ann: hi", "Ann", 62.0),
        ("00:01:02 Ann: hi", "Ann", 62.0),
        ("12:03 Ann: hi", "Ann", 12 * 3600 + 3 * 60.0),
        ("Ann (00:01:02): hi", "Ann", 62.0),
        ("Ann [00:01:02.5]: hi", "Ann", 62.5),
    ],
)
def test_plain_timestamp_shapes(write, line: str, speaker: str, start: float) -> None:  # type: ignore[no-untyped-def]
    [conv] = powerlens.load(write("t.txt", f"{line}\n"))
    [u] = conv.utterances
    assert (u.speaker, u.text, u.start) == (speaker, "hi", start)


def test_plain_header_lines_are_rejected_with_reason(write) -> None:  # type: ignore[no-untyped-def]
    text = "Weekly sync\n2024-03-01\n[00:00:01] Ann: hi\n[00:00:03] Ben: hello\n"
    [conv] = powerlens.load(write("t.txt", text))
    assert [r.line for r in conv.rejected] == [1, 2]
    assert conv.read_count == len(conv.utterances) + len(conv.rejected) == 4
    assert conv.utterances[0].end == 3.0 and conv.utterances[1].end is None


def test_plain_clock_times_wrap_past_midnight(write) -> None:  # type: ignore[no-untyped-def]
    [conv] = powerlens.load(write("t.txt", "23:59 Ann: late\n00:01 Ben: later\n"))
    assert conv.utterances[1].start == 24 * 3600 + 60.0


def test_plain_empty_text_is_rejected_not_dropped(write) -> None:  # type: ignore[no-untyped-def]
    [conv] = powerlens.load(write("t.txt", "Ann: hi\nBen:\nAnn: bye\n"))
    assert [u.text for u in conv.utterances] == ["hi", "bye"]
    assert conv.rejected[0].line == 2 and "no text" in conv.rejected[0].reason


@pytest.mark.parametrize(
    ("content", "code", "line"),
    [
        (b"", "PL101", 1),
        (b"  \n\n", "PL101", 1),
        (b"Ann: hi\n\x00\x01\x02binary", "PL102", 2),
        (b"Ann: hi\nBen: caf\xe9\n", "PL103", 2),
        (b"[00:99:99] Ann: hi\n", "PL110", 1),
        (b"no\nspeaker\nhere\nat\nall\nreally\nnone\n", "PL111", 6),
    ],
)
def test_plain_bad_input_names_file_and_line(write, content: bytes, code: str, line: int) -> None:  # type: ignore[no-untyped-def]
    path = write("bad.txt", content)
    with pytest.raises(InputError) as info:
        powerlens.load(path, format="plain")
    assert info.value.code == code
    assert info.value.line == line
    assert str(path) in str(info.value)


def test_plain_encoding_option_reads_latin1(write) -> None:  # type: ignore[no-untyped-def]
    path = write("latin.txt", "Ann: café\n".encode("latin-1"))
    [conv] = powerlens.load(path, encoding="latin-1")
    assert conv.utterances[0].text == "café"


def test_plain_utf16_bom_and_crlf(write) -> None:  # type: ignore[no-untyped-def]
    path = write("w.txt", "Ann: hi\r\nBen: yo\r\n".encode("utf-16"))
    [conv] = powerlens.load(path)
    assert [u.text for u in conv.utterances] == ["hi", "yo"]


def test_plain_oversized_file_is_refused(write) -> None:  # type: ignore[no-untyped-def]
    from powerlens.readers import budgets

    with budgets.use(budgets.Budgets(input_bytes=10)), pytest.raises(InputError) as info:
        powerlens.load(write("big.txt", "Ann: " + "word " * 10), format="plain")
    assert info.value.code == "PL104"
    assert "--limit input-mb=" in str(info.value)


def test_load_missing_file_and_unknown_format(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        powerlens.load(tmp_path / "nope.txt")
    assert info.value.code == "PL106"
    (tmp_path / "x.txt").write_text("Ann: hi\n")
    with pytest.raises(powerlens.UsageError):
        powerlens.load(tmp_path / "x.txt", format="klingon")
