"""Partitions read straight into columns equal what the row readers give, and corpus runs of
accommodation give the signals and counts of the conversation-by-conversation map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.dataset as ds
import pytest

from powerlens.corpus import RunConfig, run_corpus
from powerlens.corpus.codec import loads
from powerlens.corpus.columns import read_partition
from powerlens.corpus.coordination import coordination_of
from powerlens.corpus.partitions import conversations, inputs, plan
from powerlens.language import tokenize_conversation
from powerlens.measures import Options, fold
from powerlens.measures.accommodation import (
    ACCOMMODATION,
    MarkerMatcher,
    coordination_counts,
)
from powerlens.readers import load

ROWS = [
    {"id": "u1", "conversation_id": "c1", "speaker": "ann", "text": "I'm sure we can't."},
    {"id": "u2", "conversation_id": "c1", "speaker": "bob", "text": "Y'all can", "reply-to": "u1"},
    "",  # a blank line
    {"id": "u3", "conversation_id": "c1", "speaker": "ann", "text": "   ", "reply-to": "u2"},
    "not json",
    {"id": "u4", "conversation_id": "c1", "speaker": "ann", "text": "the the", "reply-to": "u2"},
    {"id": 5, "conversation_id": "c1", "speaker": "bob", "text": "so the", "reply-to": "u4"},
    {"id": "u6", "conversation_id": "c1", "speaker": "bob", "text": "we", "reply-to": "u6"},
    [1, 2],
    {"id": "u7", "conversation_id": "c2", "speaker": "cy", "text": "Don’t you", "reply-to": ""},
    {"id": "u8", "conversation_id": "c2", "speaker": "ann", "text": "İs it", "reply-to": "u7"},
    {"id": "u9", "conversation_id": "c2", "speaker": "cy", "text": "x", "timestamp": "soon"},
    {"id": "u10", "conversation_id": "c2", "speaker": "cy", "text": "ok", "meta": 3},
    {"id": "u11", "conversation_id": "c2", "speaker": "", "text": "who?"},
    {"id": "u12", "conversation_id": "c2", "speaker": "dé", "text": "the end", "reply-to": "nope"},
    {"id": "u13", "conversation_id": "c3", "speaker": "ann", "text": "a", "timestamp": 3},
    {"id": "u14", "conversation_id": "c3", "speaker": 7, "text": "the", "reply_to": "u13"},
    {"id": "u15", "conversation_id": "c3", "speaker": "bob", "text": "so", "reply_to": "u14"},
]
SPEAKERS = {"ann": {"is_high": True}, "bob": {"is_high": False}, "cy": {"is_high": False}}


def convokit_folder(folder: Path, rows: list[Any]) -> Path:
    """A ConvoKit corpus folder whose utterances.jsonl holds ``rows`` (strings as they are)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    (folder / "utterances.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    speakers = {name: {"meta": meta, "vectors": []} for name, meta in SPEAKERS.items()}
    (folder / "speakers.json").write_text(json.dumps(speakers), encoding="utf-8")
    (folder / "conversations.json").write_text("{}", encoding="utf-8")
    return folder


def _as_columns(part: Any) -> dict[str, Any]:
    """What the row readers give for a partition, in the shape of ``read_partition``."""
    ids, speakers, texts, replies, cids, starts, rejected, meta = [], [], [], [], [], [], [], {}
    for conv in conversations(part):
        cids.append(conv.id)
        starts.append(len(ids))
        rejected.append([(r.line, r.reason) for r in conv.rejected])
        for name, speaker in conv.speakers.items():
            meta.setdefault(name, dict(speaker.meta))
        for u in conv.utterances:
            ids.append(u.id)
            speakers.append(u.speaker)
            texts.append(u.text)
            replies.append(u.reply_to)
    return {
        "ids": ids,
        "speakers": speakers,
        "texts": texts,
        "reply_to": replies,
        "conversation_ids": cids,
        "starts": starts,
        "rejected": rejected,
        "meta": meta,
    }


def _read(part: Any) -> dict[str, Any]:
    found = read_partition(part)
    c = found.columns
    return {
        "ids": c.ids,
        "speakers": c.speakers,
        "texts": c.texts,
        "reply_to": c.reply_to,
        "conversation_ids": c.conversation_ids,
        "starts": c.starts,
        "rejected": [[(r.line, r.reason) for r in rs] for rs in found.rejected],
        "meta": found.meta,
    }


@pytest.mark.parametrize("rows_per_part", [1, 4, 100])
def test_corpus_columns_read_partition_matches_readers(tmp_path: Path, rows_per_part: int) -> None:
    folder = convokit_folder(tmp_path / "ck", ROWS)
    parts = plan(inputs(folder), rows_per_part)
    assert {p.kind for p in parts} == {"convokit"}
    for part in parts:
        assert _read(part) == _as_columns(part)
    whole = _read(plan(inputs(folder), 100)[0])
    assert whole["conversation_ids"] == ["c1", "c2", "c3"]
    assert whole["ids"][:4] == ["u1", "u2", "u4", "5"]  # u3 has no text; the id 5 is read as text
    assert whole["reply_to"][whole["ids"].index("u7")] is None  # "" is no link
    assert whole["rejected"][0] == [
        (4, "utterance has no text"),
        (5, "not valid JSON"),
        (9, "expected a JSON object, found list"),
    ]


def test_corpus_columns_interchange_speaker_metadata_as_readers(tmp_path: Path) -> None:
    rows = [
        {"id": "a1", "conversation_id": "a", "speaker": "ann", "text": "the"},
        {"id": "a2", "conversation_id": "a", "speaker": " bob ", "text": "a", "reply_to": "a1"},
        # ann's field appears first here, in the next conversation's first row
        {"id": "b1", "conversation_id": "b", "speaker": "ann", "text": "x", "speaker.g": 1},
        {"id": "b2", "conversation_id": "b", "speaker": "cy", "text": "", "speaker.g": 2},
        {"id": "b3", "conversation_id": "b", "speaker": "cy", "text": "y", "speaker.g": 2},
    ]
    path = tmp_path / "i.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    for rows_per_part in (1, 100):
        for part in plan(inputs(path), rows_per_part):
            assert part.kind == "jsonl"
            assert _read(part) == _as_columns(part)
    assert _read(plan(inputs(path), 100)[0])["meta"] == {"ann": {"g": 1}, "bob": {}, "cy": {"g": 2}}


def test_corpus_columns_rows_without_conversation_id_use_the_row_reader(tmp_path: Path) -> None:
    rows = [dict(r) for r in ROWS if isinstance(r, dict)]
    del rows[1]["conversation_id"]  # ConvoKit takes u2's conversation from u1, its parent
    folder = convokit_folder(tmp_path / "ck", rows)
    for part in plan(inputs(folder), 100):
        assert _read(part) == _as_columns(part)


def _reference(folder: Path, rows_per_part: int, options: Options) -> tuple[Any, list[Any]]:
    """Counts and signals by the measure's map, conversation by conversation."""
    partials, signals = [], []
    for part in plan(inputs(folder), rows_per_part):
        for conv in conversations(part):
            if conv.has_reply_links() or options.reply_to_previous:
                partial = ACCOMMODATION.map(conv, tokenize_conversation(conv), options)
                partials.append(partial)
                signals += [(conv.id, s.utterance_id, s.span, s.score) for s in partial.echoes]
    return fold(ACCOMMODATION, partials).counts, signals


@pytest.mark.parametrize("measures", [("accommodation",), ("talk", "accommodation")])
def test_corpus_columns_run_gives_the_map_counts_and_signals(
    tmp_path: Path, measures: tuple[str, ...]
) -> None:
    text = "I think the plan is on the table and we can do it all"
    rows: list[Any] = [*ROWS]
    for c in range(4):
        for i in range(6):
            reply = f"e{c}-{i - 1}" if i else None
            speaker = ("ann", "bob", "cy")[(i + c) % 3]
            words = text.split()[: 4 + (i * 3 + c) % 10]
            row = {"id": f"e{c}-{i}", "conversation_id": f"e{c}", "speaker": speaker}
            rows.append({**row, "text": " ".join(words), "reply-to": reply})
    rows += [  # a conversation without reply links: accommodation skips it
        {"id": "n1", "conversation_id": "n", "speaker": "ann", "text": "the plan"},
        {"id": "n2", "conversation_id": "n", "speaker": "bob", "text": "the plan is on"},
    ]
    folder = convokit_folder(tmp_path / "ck", rows)
    options = Options(extra={"marker_mode": "convokit"})
    out = tmp_path / "out"
    manifest = run_corpus(
        RunConfig(str(folder), out, measures=measures, partition_rows=10, extra=options.extra)
    )
    counts, signals = _reference(folder, 10, options)
    keys = [p["key"] for p in manifest["partition_plan"]]
    partials = [loads((out / "parts" / f"{k}.accommodation.json").read_bytes()) for k in keys]
    merged = fold(ACCOMMODATION, [p for p in partials if p is not None]).counts
    assert merged.speakers == counts.speakers and merged.targets == counts.targets
    for name in ("n", "reply", "target", "both"):
        assert np.array_equal(getattr(merged, name), getattr(counts, name))
    table = ds.dataset(out / "signals").to_table().to_pylist()
    got = [
        (r["conversation_id"], r["utterance_id"], (r["span_start"], r["span_end"]), r["score"])
        for r in table
        if r["family"] == "accommodation"
    ]
    assert got == signals and len(signals) >= 5
    assert manifest["counts"]["rejected"] == 6 and manifest["measures_skipped"] == {
        "accommodation": 1
    }
    skipped_rows = 2 if measures == ("accommodation",) else 0  # talk reads conversation n
    assert manifest["counts"]["read"] - manifest["counts"]["analysed"] == 6 + skipped_rows


def test_corpus_columns_coordination_of_equals_load(tmp_path: Path) -> None:
    folder = convokit_folder(tmp_path / "ck", ROWS)
    matcher = MarkerMatcher()
    for previous in (False, True):
        got = coordination_of(folder, matcher, reply_to_previous=previous)
        assert got is not None and got.linked
        whole = coordination_counts(load(folder), markers=matcher, reply_to_previous=previous)
        assert got.counts.speakers == whole.speakers and got.counts.targets == whole.targets
        assert np.array_equal(got.counts.both, whole.both)
        assert np.array_equal(got.counts.n, whole.n)
    assert got.meta["ann"] == {"is_high": True} and got.meta["dé"] == {}
    shuffled = [r for r in ROWS if isinstance(r, dict)]
    shuffled.append(dict(shuffled[0], id="late"))  # c1 again after c3: load groups it
    assert coordination_of(convokit_folder(tmp_path / "s", shuffled), matcher) is None
