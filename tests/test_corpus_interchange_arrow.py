"""An interchange JSONL file read by Arrow gives the counts and groups of the row reader, and
any row the row reader must handle, reject or report sends the file back to it (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from powerlens.corpus import convokit_arrow
from powerlens.corpus.convokit_arrow import Atypical
from powerlens.corpus.coordination import coordination_of
from powerlens.corpus.interchange_arrow import interchange_batches
from powerlens.errors import InputError
from powerlens.measures.accommodation import (
    MarkerMatcher,
    coordination_counts,
    group_label,
    speaker_groups,
)
from powerlens.measures.accommodation import columns as coordination_columns
from powerlens.readers import load

ROWS: list[dict[str, Any]] = [
    {"id": "u1", "conversation_id": "c1", "speaker": "ann", "text": "I'm sure we can't.",
     "speaker.is_high": True, "timestamp": 1.5},
    {"id": "u2", "conversation_id": "c1", "speaker": "bob", "text": "Y'all can",
     "reply_to": "u1", "speaker.is_high": False, "meta.topic": "x"},
    {"id": "u3", "conversation_id": "c1", "speaker": "ann", "text": "so the", "reply_to": "u2"},
    {"id": "u4", "conversation_id": "c1", "speaker": "bob", "text": "the a", "reply_to": "u3",
     "start": 4, "end": 5.5},
    {"id": "u5", "conversation_id": "c2", "speaker": "cy", "text": "Don’t you", "reply_to": "",
     "speaker.is_high": False},
    {"id": "u6", "conversation_id": "c2", "speaker": "ann", "text": "İs it", "reply_to": "u5"},
    {"id": "u7", "conversation_id": "c2", "speaker": "dé", "text": " the end", "reply_to": "u6"},
    {"id": "u8", "conversation_id": "c3", "speaker": "ann", "text": "a", "timestamp": 3},
    {"id": "u9", "conversation_id": "c3", "speaker": "bob", "text": "the", "reply_to": "u8"},
    {"id": "u10", "conversation_id": "c3", "speaker": "ann", "text": "so we", "reply_to": "u9",
     "speaker.is_high": True},
    {"id": "u11", "conversation_id": "c3", "speaker": "bob", "text": "we?", "meta": {"x": [1]}},
]  # fmt: skip


def write(path: Path, rows: list[dict[str, Any]], extra: bytes | None = None) -> Path:
    lines = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in rows]
    if extra is not None:
        lines.insert(9, extra)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def assert_same_as_load(path: Path) -> None:
    matcher = MarkerMatcher()
    loaded = load(path)
    for previous in (False, True):
        got = coordination_of(path, matcher, reply_to_previous=previous, speaker_fields=("is_high",))
        whole = coordination_counts(loaded, markers=matcher, reply_to_previous=previous)
        assert got is not None
        assert got.counts.speakers == whole.speakers and got.counts.targets == whole.targets
        for name in ("n", "reply", "target", "both"):
            assert np.array_equal(getattr(got.counts, name), getattr(whole, name))
    groups = {n: group_label(m["is_high"]) for n, m in got.meta.items() if "is_high" in m}
    assert groups == speaker_groups(loaded, "is_high")


def test_corpus_interchange_arrow_counts_equal_the_row_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "t.jsonl", ROWS)
    [batch] = list(interchange_batches(path, ("speaker.is_high",)))
    assert batch.columns.starts.tolist() == [0, 4, 7]
    assert batch.columns.reply_to.to_pylist()[4:6] == [None, "u5"]  # "" is no link
    assert batch.meta["ann"] == {"is_high": True} and batch.meta["dé"] == {}
    assert_same_as_load(path)
    # many blocks and batches, pairs summed under shared codes and compacted on the way
    monkeypatch.setattr(convokit_arrow, "BLOCK_BYTES", 200)
    monkeypatch.setattr(convokit_arrow, "BATCH_ROWS", 2)
    monkeypatch.setattr(coordination_columns, "TALLY_ROWS", 3)
    assert len(list(interchange_batches(path, ("is_high",)))) == 3
    assert_same_as_load(path)


ODD_LINES = {
    "blank line": b"",
    "number id": b'{"id": 5, "conversation_id": "c3", "speaker": "ann", "text": "a"}',
    "no id": b'{"conversation_id": "c3", "speaker": "ann", "text": "a"}',
    "padded speaker": b'{"id": "x1", "conversation_id": "c3", "speaker": " ann", "text": "a"}',
    "blank text": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": " \\u3000"}',
    "date time": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a", '
    b'"timestamp": "2024-03-01T10:00:00Z"}',
    "bad time": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a", '
    b'"start": "soon"}',
    "NaN end": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a", '
    b'"end": NaN}',
    "number reply": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a", '
    b'"reply_to": 8}',
    "invalid UTF-8": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "\xff"}',
    "not JSON": b"{not json",
}


@pytest.mark.parametrize("name", sorted(ODD_LINES))
def test_corpus_interchange_arrow_odd_rows_go_to_the_row_reader(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "t.jsonl", ROWS, ODD_LINES[name])
    with pytest.raises(Atypical):
        list(interchange_batches(path, ("is_high",)))
    if name == "invalid UTF-8":  # the row reader names the line, as load does
        with pytest.raises(InputError) as error:
            coordination_of(path, MarkerMatcher())
        assert error.value.line == 10
        return
    assert_same_as_load(path)


def test_corpus_interchange_arrow_speaker_fields_read_as_the_row_reader(tmp_path: Path) -> None:
    clash = [*ROWS[:9], dict(ROWS[9], **{"speaker.is_high": False}), ROWS[10]]
    path = write(tmp_path / "clash.jsonl", clash)
    with pytest.raises(Atypical):
        list(interchange_batches(path, ("is_high",)))
    with pytest.raises(InputError, match="PL124"):  # the row reader's error, with its line
        coordination_of(path, MarkerMatcher(), speaker_fields=("is_high",))
    fraction = [dict(r, **{"speaker.rank": 1.0 if r["speaker"] == "ann" else 2}) for r in ROWS]
    path = write(tmp_path / "fraction.jsonl", fraction)
    with pytest.raises(Atypical):  # Arrow reads 2 as 2.0; the row reader keeps 2
        list(interchange_batches(path, ("rank",)))
    ranked = [dict(r, **{"speaker.rank": 1 if r["speaker"] == "ann" else "two"}) for r in ROWS]
    path = write(tmp_path / "mixed.jsonl", ranked)
    with pytest.raises(Atypical):
        list(interchange_batches(path, ("rank",)))
    found = coordination_of(path, MarkerMatcher(), speaker_fields=("rank",))
    assert found is not None and found.meta["ann"]["rank"] == 1 and found.meta["bob"]["rank"] == "two"
