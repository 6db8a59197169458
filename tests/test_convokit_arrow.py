"""A ConvoKit file read by Arrow gives the counts of the row reader, and any row the row reader
must handle or report sends the file back to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from powerlens.corpus import convokit_arrow
from powerlens.corpus.convokit_arrow import Atypical, arrow_batches
from powerlens.corpus.coordination import coordination_of
from powerlens.errors import InputError
from powerlens.measures.accommodation import MarkerMatcher, coordination_counts
from powerlens.readers import load

TYPICAL: list[dict[str, Any]] = [
    {"id": "u1", "conversation_id": "c1", "speaker": "ann", "text": "I'm sure we can't."},
    {"id": "u2", "conversation_id": "c1", "speaker": "bob", "text": "Y'all can", "reply-to": "u1"},
    {"id": "u3", "conversation_id": "c1", "speaker": "ann", "text": "so the", "reply-to": "u2"},
    {"id": "u4", "conversation_id": "c1", "speaker": "bob", "text": "the a", "reply-to": "u3"},
    {"id": "u5", "conversation_id": "c2", "speaker": "cy", "text": "Don’t you", "reply-to": ""},
    {"id": "u6", "conversation_id": "c2", "speaker": "ann", "text": "İs it", "reply-to": "u5"},
    {"id": "u7", "conversation_id": "c2", "speaker": "dé", "text": " the end", "reply-to": "u6"},
    {"id": "u8", "conversation_id": "c3", "speaker": "ann", "text": "a", "timestamp": 3},
    {"id": "u9", "conversation_id": "c3", "speaker": "bob", "text": "the", "reply_to": "u8"},
    {"id": "u10", "conversation_id": "c3", "speaker": "ann", "text": "so we", "reply-to": "u9"},
    {"id": "u11", "conversation_id": "c3", "speaker": "bob", "text": "we?", "meta": {"x": [1]}},
]
SPEAKERS = {"ann": {"is_high": True}, "bob": {"is_high": False}, "cy": {"is_high": False}}


def folder_with(folder: Path, lines: list[bytes]) -> Path:
    """A ConvoKit corpus folder whose utterances.jsonl holds ``lines`` as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "utterances.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    speakers = {name: {"meta": meta, "vectors": []} for name, meta in SPEAKERS.items()}
    (folder / "speakers.json").write_text(json.dumps(speakers), encoding="utf-8")
    (folder / "conversations.json").write_text("{}", encoding="utf-8")
    return folder


def encoded(rows: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in rows]


def assert_counts_equal_load(folder: Path) -> None:
    matcher = MarkerMatcher()
    for previous in (False, True):
        got = coordination_of(folder, matcher, reply_to_previous=previous)
        whole = coordination_counts(load(folder), markers=matcher, reply_to_previous=previous)
        assert got is not None
        assert got.counts.speakers == whole.speakers and got.counts.targets == whole.targets
        for name in ("n", "reply", "target", "both"):
            assert np.array_equal(getattr(got.counts, name), getattr(whole, name))


def test_convokit_arrow_counts_equal_the_row_reader(tmp_path: Path) -> None:
    folder = folder_with(tmp_path / "ck", encoded(TYPICAL))
    batches = list(arrow_batches(folder, {"ann": {"is_high": True}}))
    assert len(batches) == 1
    columns = batches[0].columns
    assert columns.starts.tolist() == [0, 4, 7]
    assert columns.reply_to.to_pylist()[3:6] == ["u3", None, "u5"]  # "" is no link
    assert columns.reply_to.to_pylist()[8] == "u8"  # reply_to, as the reader takes it
    assert batches[0].meta == {"ann": {"is_high": True}, "bob": {}, "cy": {}, "dé": {}}
    assert_counts_equal_load(folder)
    found = coordination_of(folder, MarkerMatcher())
    assert found is not None and found.counts.n_exchanges == 7 and found.linked


def test_convokit_arrow_batches_end_with_a_conversation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(convokit_arrow, "BLOCK_BYTES", 150)  # about two lines a block
    monkeypatch.setattr(convokit_arrow, "BATCH_ROWS", 2)
    folder = folder_with(tmp_path / "ck", encoded(TYPICAL))
    batches = list(arrow_batches(folder, {}))
    assert [len(b.columns) for b in batches] == [4, 3, 4]
    assert [b.columns.starts.tolist() for b in batches] == [[0], [0], [0]]
    assert [b.columns.ids.to_pylist()[0] for b in batches] == ["u1", "u5", "u8"]
    assert_counts_equal_load(folder)


ODD_LINES = {
    "blank line": b"",
    "spaces only": b"   ",
    "leading space": b' {"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a"}',
    "number id": b'{"id": 5, "conversation_id": "c3", "speaker": "ann", "text": "a"}',
    "empty speaker": b'{"id": "x1", "conversation_id": "c3", "speaker": "", "text": "a"}',
    "blank text": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": " \\u3000"}',
    "NaN time": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a", '
    b'"timestamp": NaN}',
    "huge time": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a", '
    b'"timestamp": 1180591620717411303424}',
    "end in meta": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a", '
    b'"meta": {"powerlens.end": 4}}',
    "end field": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a", '
    b'"powerlens.end": 4}',
    "two objects": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "a"} '
    b'{"id": "x2", "conversation_id": "c3", "speaker": "bob", "text": "the"}',
    "invalid UTF-8": b'{"id": "x1", "conversation_id": "c3", "speaker": "ann", "text": "\xff"}',
    "not an object": b"[1, 2]",
    "not JSON": b"{not json",
    "user, not speaker": b'{"id": "x1", "conversation_id": "c3", "user": "ann", "text": "a"}',
}


@pytest.mark.parametrize("name", sorted(ODD_LINES))
def test_convokit_arrow_odd_rows_go_to_the_row_reader(tmp_path: Path, name: str) -> None:
    lines = encoded(TYPICAL)
    lines.insert(9, ODD_LINES[name])
    folder = folder_with(tmp_path / "ck", lines)
    with pytest.raises(Atypical):
        list(arrow_batches(folder, {}))
    if name == "invalid UTF-8":  # the row reader names the line, as load does
        with pytest.raises(InputError) as error:
            coordination_of(folder, MarkerMatcher())
        assert error.value.line == 10
        return
    assert_counts_equal_load(folder)


def test_convokit_arrow_scattered_conversation_is_refused(tmp_path: Path) -> None:
    rows = [*TYPICAL, dict(TYPICAL[0], id="late")]  # c1 again after c3: load groups it
    folder = folder_with(tmp_path / "ck", encoded(rows))
    with pytest.raises(Atypical):
        list(arrow_batches(folder, {}))
    assert coordination_of(folder, MarkerMatcher()) is None


def test_convokit_arrow_empty_file_is_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path / "ck", [])
    (folder / "utterances.jsonl").write_bytes(b"")
    with pytest.raises(Atypical):
        list(arrow_batches(folder, {}))
