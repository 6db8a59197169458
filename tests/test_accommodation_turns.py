"""Turns, units and reply chains of coordination (issue 17): each choice an option, the same
counts whichever path reads the data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from powerlens.cli import app
from powerlens.corpus.coordination import coordination_of, coordination_report
from powerlens.errors import UsageError
from powerlens.measures.accommodation import (
    UNIT_SEP,
    CoordinationCounts,
    MarkerMatcher,
    Turns,
    coordination_counts,
    speaker_counts,
)
from powerlens.model import Conversation, Speaker, Utterance
from powerlens.readers import load

MARKERS = {"article": ["the", "a"], "ppron": ["i", "you", "we"]}


def _pairs(counts: CoordinationCounts) -> list[tuple[str, str, int]]:
    return list(zip(counts.speakers, counts.targets, counts.n.tolist(), strict=True))


def _conversation(rows: list[tuple[str, str, dict[str, Any]]], reply: bool = False) -> Conversation:
    utterances = tuple(
        Utterance(
            id=f"u{i}",
            speaker=speaker,
            text=text,
            reply_to=f"u{i - 1}" if reply and i else None,
            meta=meta,
        )
        for i, (speaker, text, meta) in enumerate(rows)
    )
    speakers = {
        name: Speaker(name, {"group": name.startswith("j")}) for name in {r[0] for r in rows}
    }
    return Conversation(id="c1", utterances=utterances, speakers=speakers)


ROWS: list[tuple[str, str, dict[str, Any]]] = [
    ("j1", "the case", {"side": "p"}),
    ("a1", "we say the law", {"side": "p", "open": True}),
    ("a1", "and a rule", {"side": "p"}),
    ("j1", "you the", {"side": "r"}),
    ("j2", "i a", {"side": "r", "open": True}),
    ("a1", "the the", {"side": "r"}),
]


def test_accommodation_turns_default_changes_nothing() -> None:
    conversation = _conversation(ROWS)
    plain = coordination_counts([conversation], markers=MARKERS, reply_to_previous=True)
    # a1 answering a1 is no exchange
    assert _pairs(plain) == [("a1", "j1", 1), ("a1", "j2", 1), ("j1", "a1", 1), ("j2", "j1", 1)]
    assert plain.target[2].tolist() == [1, 0]  # j1 answers "and a rule"


def test_accommodation_turns_merge_and_boundaries() -> None:
    conversation = _conversation(ROWS)
    merged = coordination_counts(
        [conversation], markers=MARKERS, reply_to_previous=True, turns=Turns(merge=True)
    )
    # a1's two utterances are one turn: j1 answers "we say the law and a rule"
    assert _pairs(merged) == [("a1", "j1", 1), ("a1", "j2", 1), ("j1", "a1", 1), ("j2", "j1", 1)]
    assert merged.target[2].tolist() == [1, 1]
    chained = coordination_counts(
        [conversation],
        markers=MARKERS,
        reply_to_previous=True,
        turns=Turns(merge=True, boundaries=("meta.open",)),
    )
    # a1's first turn and j2's start chains: they answer no one
    assert _pairs(chained) == [("a1", "j2", 1), ("j1", "a1", 1)]


def test_accommodation_turns_merge_follows_reply_links() -> None:
    rows = [
        Utterance(id="x", speaker="j", text="the"),
        Utterance(id="y", speaker="a", text="a", reply_to="x"),
        Utterance(id="z", speaker="a", text="the", reply_to="y"),  # goes on: merged
        Utterance(id="w", speaker="a", text="we", reply_to="x"),  # answers x again: a new turn
        Utterance(id="v", speaker="j", text="you", reply_to="z"),  # names the merged turn
    ]
    conversation = Conversation(id="c", utterances=tuple(rows))
    counts = coordination_counts([conversation], markers=MARKERS, turns=Turns(merge=True))
    assert _pairs(counts) == [("a", "j", 2), ("j", "a", 1)]
    assert counts.target[1].tolist() == [1, 0]  # j answers the turn "a the": an article


def test_accommodation_turns_units_split_speakers() -> None:
    conversation = _conversation(ROWS)
    by_side = coordination_counts(
        [conversation], markers=MARKERS, reply_to_previous=True, turns=Turns(unit="meta.side")
    )
    assert _pairs(by_side) == [
        (f"a1{UNIT_SEP}p", f"j1{UNIT_SEP}p", 1),
        (f"a1{UNIT_SEP}r", f"j2{UNIT_SEP}r", 1),
        (f"j1{UNIT_SEP}r", f"a1{UNIT_SEP}p", 1),
        (f"j2{UNIT_SEP}r", f"j1{UNIT_SEP}r", 1),
    ]
    per_conversation = coordination_counts(
        [conversation],
        markers=MARKERS,
        reply_to_previous=True,
        turns=Turns(unit="speaker-per-conversation"),
    )
    assert per_conversation.speakers[0] == f"a1{UNIT_SEP}c1"
    # units add up to their speakers, pair for pair
    plain = coordination_counts([conversation], markers=MARKERS, reply_to_previous=True)
    for split in (by_side, per_conversation):
        summed = speaker_counts(split)
        assert _pairs(summed) == _pairs(plain)
        assert summed.both.tolist() == plain.both.tolist()


def test_accommodation_turns_name_a_field() -> None:
    with pytest.raises(UsageError, match="names no field"):
        Turns(unit="meta.")
    with pytest.raises(UsageError, match="names no field"):
        Turns(boundaries=("",))


def _interchange(path: Path) -> Path:
    lines = []
    for c in range(4):
        for i, (speaker, text, meta) in enumerate(ROWS * 3):
            row: dict[str, Any] = {
                "id": f"c{c}u{i}",
                "conversation_id": f"c{c}",
                "speaker": speaker,
                "text": text,
                "speaker.is_justice": speaker.startswith("j"),
            }
            row.update({f"meta.{k}": v for k, v in meta.items()})
            lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SETUP = Turns(unit="speaker-per-conversation", merge=True, boundaries=("open",))


def test_accommodation_turns_streamed_equals_loaded(tmp_path: Path) -> None:
    data = _interchange(tmp_path / "t.jsonl")
    matcher = MarkerMatcher(MARKERS)
    streamed = coordination_of(data, matcher, reply_to_previous=True, turns=SETUP)
    loaded = coordination_counts(load(data), markers=matcher, reply_to_previous=True, turns=SETUP)
    assert streamed is not None
    assert _pairs(streamed.counts) == _pairs(loaded)
    assert streamed.counts.both.tolist() == loaded.both.tolist()


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_accommodation_turns_cli_options_and_corpus_run_agree(tmp_path: Path) -> None:
    data = _interchange(tmp_path / "t.jsonl")
    options = [
        "--reply-to",
        "previous",
        "--merge-turns",
        "--boundary",
        "open",
        "--unit",
        "speaker-per-conversation",
        "--target-threshold",
        "2",
    ]
    shown = _cli(
        "corpus", "coordination", data, "--group-field", "speaker.is_justice",
        "--format", "json", "--bootstrap", "50", "--permutations", "50", *options,
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    result = json.loads(shown.output)
    assert result["thresholds"]["target"] == 2
    assert result["turns"]["merge_turns"] is True
    out = tmp_path / "out"
    ran = _cli(
        "corpus", "run", data, "--out", out, "--measures", "talk,accommodation", "--quiet",
        "--group", "speaker.is_justice", *options,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    table = pq.read_table(out / "group_coordination.parquet").to_pylist()
    by = {(r["speakers"], r["targets"]): r for r in table}
    for entry in result["directed"]:
        row = by[(entry["speakers"], entry["targets"])]
        assert row["n_speakers"] == entry["n_speakers"]  # units: speaker x conversation
        assert row["aggregate.agg3"] == pytest.approx(entry["aggregate"]["agg3"])
    assert by[("false", "true")]["n_speakers"] == 4
    speakers = {r["speaker"] for r in pq.read_table(out / "speakers.parquet").to_pylist()}
    assert speakers == {"a1", "j1", "j2"}  # tables stay per speaker
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["extra"]["coordination"]["unit"] == "speaker-per-conversation"
    texts = {f"c{c}u{i}": r[1] for c in range(4) for i, r in enumerate(ROWS * 3)}
    signals = pq.read_table(out / "signals").to_pylist()
    for s in signals:  # evidence points into the utterance it names
        assert s["span_end"] <= len(texts[s["utterance_id"]])


def test_accommodation_turns_unknown_unit_field_is_a_usage_error(tmp_path: Path) -> None:
    data = _interchange(tmp_path / "t.jsonl")
    with pytest.raises(UsageError, match="--unit meta.case"):
        coordination_report(data, "speaker.is_justice", reply_to_previous=True,
                            turns=Turns(unit="meta.case"))  # fmt: skip
