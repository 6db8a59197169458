"""A chat history as one relationship: merging exports, weeks, contact, undated input (issue 16)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from helpers import REPO
from powerlens.errors import MissingRequirementError
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.timeline import read_history
from powerlens.timeline.history import merge, session_starts, spans_days, week_of, week_start

DATA = REPO / "tests" / "data"
T0 = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC).timestamp()  # a Monday


def _chat(id: str, *rows: tuple[float, str, str], source: str = "") -> Conversation:
    utterances = tuple(
        Utterance(id=f"{id}:{i + 1}", speaker=who, text=text, start=t, line=i + 1)
        for i, (t, who, text) in enumerate(rows)
    )
    return Conversation(id=id, utterances=utterances, source=source or f"{id}.txt")


def test_history_weeks_start_on_monday() -> None:
    assert week_start(week_of(T0)) == dt.date(2024, 3, 4)
    sunday_night = T0 + 6 * 86400 + 14 * 3600  # Sunday 23:00
    assert week_of(sunday_night) == week_of(T0)
    assert week_of(sunday_night + 3600) == week_of(T0) + 1


def test_history_merges_files_in_time_order_and_drops_overlap() -> None:
    older = _chat("a", (T0, "Sam", "hi"), (T0 + 60, "Alex", "ok"), (T0 + 60, "Alex", "ok"))
    newer = _chat("b", (T0 + 60, "Alex", "ok"), (T0 + 60, "Alex", "ok"), (T0 + 30, "Sam", "x"))
    merged = merge([newer, older])
    assert [u.text for u in merged.utterances] == ["hi", "x", "ok", "ok"]
    assert merged.read_count == 6  # nothing lost: 4 analysed + 2 rejected
    assert [r.reason for r in merged.rejected] == ["a.txt: the same message as in b.txt"] * 2


def test_history_keeps_repeats_inside_one_file() -> None:
    one = _chat("a", (T0, "Alex", "ok"), (T0, "Alex", "ok"), (T0, "Alex", "ok"))
    assert len(merge([one]).utterances) == 3


def test_history_ids_that_clash_between_files_get_a_prefix() -> None:
    first = _chat("chat", (T0, "Sam", "one"))
    second = _chat("chat", (T0 + 5, "Sam", "two"), source="other/chat.txt")
    ids = [u.id for u in merge([first, second]).utterances]
    assert ids == ["chat:1", "2/chat:1"]


def test_history_rejects_undated_messages_among_dated_ones() -> None:
    mixed = _chat("a", (T0, "Sam", "hi"))
    mixed = Conversation(
        id="a",
        source="a.mbox",
        utterances=(*mixed.utterances, Utterance(id="n", speaker="Eve", text="?", line=9)),
        rejected=(Rejection(3, "system line"),),
    )
    merged = merge([mixed])
    assert len(merged.utterances) == 1
    assert [(r.line, r.reason) for r in merged.rejected] == [
        (3, "system line"),
        (9, "a.mbox: no time: it cannot be placed in a week"),
    ]


def test_history_without_times_is_an_error_with_the_fix() -> None:
    with pytest.raises(MissingRequirementError) as error:
        read_history([DATA / "everyday" / "dinner_plans.txt"])
    text = str(error.value)
    assert text.startswith("[PL310]") and "dinner_plans.txt" in text and "Fix:" in text


def test_history_of_a_recording_is_an_error_not_a_guess() -> None:
    with pytest.raises(MissingRequirementError) as error:
        read_history([DATA / "subtitles" / "teams.vtt"])
    assert str(error.value).startswith("[PL311]") and "recording" in str(error.value)


def test_history_with_nothing_read_is_an_error() -> None:
    with pytest.raises(MissingRequirementError, match=r"\[PL312\]"):
        merge([])


def test_history_contact_opens_after_the_gap() -> None:
    chat = _chat(
        "a",
        (T0, "Sam", "morning"),
        (T0 + 600, "Alex", "hi"),
        (T0 + 4 * 3600 + 600, "Alex", "lunch?"),  # 4 h after the last message: opens
        (T0 + 5 * 3600, "Sam", "yes"),
    )
    assert session_starts(chat.utterances, 4.0) == [0, 2]
    assert session_starts(chat.utterances, 6.0) == [0]


def test_history_spans_days_only_with_dates() -> None:
    chat = _chat("a", (T0, "Sam", "a"), (T0 + 4 * 86400, "Alex", "b"))
    assert spans_days(chat, 3) and not spans_days(chat, 5)
    offsets = _chat("b", (1.0, "Sam", "a"), (900000.0, "Alex", "b"))
    assert not spans_days(offsets, 3)


def test_history_reads_several_files_of_one_chat(tmp_path: Path) -> None:
    part = (DATA / "whatsapp" / "android_us.txt").read_text(encoding="utf-8")
    (tmp_path / "one.txt").write_text(part, encoding="utf-8")
    (tmp_path / "two.txt").write_text(part, encoding="utf-8")
    merged = read_history([tmp_path / "one.txt", tmp_path / "two.txt"])
    single = read_history([tmp_path / "one.txt"])
    assert [u.text for u in merged.utterances] == [u.text for u in single.utterances]
    assert merged.read_count == 2 * single.read_count
