"""A corpus run's columnar path (``corpus.columnar``: typical interchange JSONL read as columns,
talk counted over columns) against the conversation-by-conversation path, output for output."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from powerlens.corpus import RunConfig, run_corpus
from powerlens.corpus import worker as worker_module
from powerlens.corpus.jsonl_columns import read_typical
from powerlens.corpus.partitions import conversations, plan
from powerlens.language import tokenize, tokenize_conversation
from powerlens.measures import Options, fold
from powerlens.measures.talk import TALK
from powerlens.measures.talk.columns import talk_columns, word_counts

TEXTS = [
    "I think we should decide now.",
    "Can you send the plan?",
    "No. Why not?",
    "ok thanks bye",
    "Well I was going to say--",
    "That's not what I — ",
    "don't you'd'd isn't 'quoted' it's",
    "Café naïve’s résumé, über-cool!",
    "a''b __ x_y 12'34 A'B'C",
    "Sure. I'll do it?",
    "Why? Because.",
    "thanks",
    "Mm-hm... right!!",
    "日本語 テキスト です?",
]


def _rows(seed: int, conversations: int, per: int, *, timed: bool) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for c in range(conversations):
        linked = c % 3 != 2
        people = [f"s{(c + k) % 7}" for k in range(3)]
        clock = 0.0
        for i in range(per):
            speaker = rng.choice(people)
            row: dict[str, Any] = {
                "id": f"c{c}u{i}" if rng.random() > 0.05 else f"c{c}u0",  # a few duplicate ids
                "conversation_id": f"c{c}",
                "speaker": speaker,
                "text": rng.choice(TEXTS),
            }
            if linked and i:
                row["reply_to"] = f"c{c}u{rng.randrange(i + 1)}"  # earlier, or itself
            if timed and rng.random() > 0.1:
                start = clock + rng.choice([-1.5, 0.0, 0.25, 2.0])
                row["start"] = start
                if rng.random() > 0.2:
                    row["end"] = start + rng.choice([0.1, 1.3, 2.7, 0.0])
                clock = start + 1.0
            elif rng.random() > 0.5:
                row["timestamp"] = float(i) if rng.random() > 0.5 else i
            if int(speaker[1:]) % 2 == 0 or i > per // 2:  # some speakers' fields set later
                row["speaker.is_high"] = int(speaker[1:]) % 3 == 0
            if int(speaker[1:]) == 3:
                row["speaker.role"] = "lead"
            rows.append(row)
    return rows


def _write(path: Path, rows: list[dict[str, Any]], extra: str = "") -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n" + extra)
    return path


def _run(data: Path, out: Path, measures: tuple[str, ...], **kw: Any) -> dict[str, Any]:
    return run_corpus(RunConfig(data=str(data), out=out, measures=measures, fresh=True, **kw))


def _outputs(out: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(out))
        if path.suffix == ".parquet":
            found[name] = pq.read_table(path).to_pylist()
        elif path.name == "manifest.json":
            manifest = json.loads(path.read_text())
            for key in ("timings", "plan_id", "inputs", "command", "parameters"):
                manifest.pop(key)
            found[name] = manifest
        elif path.name.endswith(".done.json"):
            done = json.loads(path.read_text())
            done.pop("seconds")
            found[name] = done
        elif path.name != "plan.json":
            found[name] = path.read_text()
    return found


def _both(
    tmp_path: Path, data: Path, measures: tuple[str, ...], monkeypatch: Any, **kw: Any
) -> tuple[dict[str, Any], dict[str, Any], list[bool]]:
    taken: list[bool] = []
    real = worker_module.analyse_columns

    def spy(*args: Any) -> Any:
        result = real(*args)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(worker_module, "analyse_columns", spy)
    _run(data, tmp_path / "columns", measures, **kw)
    monkeypatch.setattr(worker_module, "analyse_columns", lambda *args: None)
    _run(data, tmp_path / "rows", measures, **kw)
    return _outputs(tmp_path / "columns"), _outputs(tmp_path / "rows"), taken


@pytest.mark.parametrize(
    ("measures", "timed", "partition_rows", "reply_to_previous"),
    [
        (("talk", "accommodation"), False, 50, False),
        (("accommodation", "talk"), True, 40, False),
        (("talk",), True, 1, False),
        (("talk", "accommodation"), True, 10_000, True),
    ],
)
def test_corpus_columnar_run_equals_the_conversation_loop(
    tmp_path: Path,
    monkeypatch: Any,
    measures: tuple[str, ...],
    timed: bool,
    partition_rows: int,
    reply_to_previous: bool,
) -> None:
    data = _write(tmp_path / "corpus.jsonl", _rows(7, 18, 25, timed=timed))
    columns, rows, taken = _both(
        tmp_path,
        data,
        measures,
        monkeypatch,
        partition_rows=partition_rows,
        reply_to_previous=reply_to_previous,
        groups=("speaker.is_high",),
    )
    assert taken and all(taken)
    assert columns == rows
    manifest = columns["manifest.json"]
    assert manifest["counts"]["read"] == 18 * 25 == manifest["counts"]["analysed"]
    assert manifest["counts"]["signals"] > 0


def test_corpus_columnar_odd_rows_fall_back_to_the_row_reader(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """A partition with a row the columnar path cannot take as it is (blank text, a number
    as speaker, invalid JSON, a blank line) is read row by row: every rejection counted."""
    good = _rows(3, 6, 10, timed=True)
    odd = [dict(good[12], text="   "), dict(good[25], speaker=7)]
    data = _write(
        tmp_path / "corpus.jsonl",
        good[:12] + odd[:1] + good[12:25] + odd[1:] + good[25:],
        extra='{"id": "broken", \n\n[1, 2]\n',
    )
    columns, rows, taken = _both(tmp_path, data, ("talk", "accommodation"), monkeypatch)
    assert columns == rows
    assert taken == [False]
    counts = columns["manifest.json"]["counts"]
    assert counts["read"] == counts["analysed"] + counts["rejected"]
    assert counts["rejected"] == 3  # blank text, invalid JSON, not an object
    assert counts["analysed"] == 61  # the speaker 7 is read as "7"


def test_corpus_columnar_takes_typical_partitions_only(tmp_path: Path) -> None:
    rows = _rows(1, 4, 8, timed=False)
    typical = _write(tmp_path / "typical.jsonl", rows)
    found = read_typical(plan([typical], 100)[0])
    assert found is not None
    assert found.columns.conversation_ids == ["c0", "c1", "c2", "c3"]
    assert len(found.columns) == 32
    nested = [*rows[:5], {**rows[5], "meta": {"a": {"b": [1]}}}, *rows[6:]]
    assert read_typical(plan([_write(tmp_path / "nested.jsonl", nested)], 100)[0]) is not None
    for change in (
        {"speaker": " s1"},
        {"id": ""},
        {"conversation_id": 5},
        {"reply_to": 3},
        {"start": True},
        {"end": "1.5"},
        {"text": "x" * 100_001},
        {"speaker.is_high": "maybe"},
        {"meta": json.loads("[" * 70 + "]" * 70)},  # past the depth budget
    ):
        odd = [*rows[:5], {**rows[5], **change}, *rows[6:]]
        part = plan([_write(tmp_path / "odd.jsonl", odd)], 100)[0]
        assert read_typical(part) is None, change


def test_corpus_columnar_speaker_metadata_as_the_row_reader_builds_it(tmp_path: Path) -> None:
    rows = _rows(5, 8, 12, timed=False)
    part = plan([_write(tmp_path / "c.jsonl", rows)], 1000)[0]
    found = read_typical(part)
    assert found is not None
    expected: dict[str, dict[str, Any]] = {}
    for conversation in conversations(part):
        for name, speaker in conversation.speakers.items():
            expected.setdefault(name, dict(speaker.meta))
    assert found.meta == expected
    assert [list(m) for m in found.meta.values()] == [list(m) for m in expected.values()]


def test_talk_columns_equal_folding_the_map(tmp_path: Path) -> None:
    rows = _rows(11, 9, 30, timed=True)
    part = plan([_write(tmp_path / "c.jsonl", rows)], 1000)[0]
    found = read_typical(part)
    assert found is not None
    cols = found.columns
    got = talk_columns(
        cols.starts, cols.ids, cols.speakers, cols.texts, cols.reply_to, found.start, found.end
    )
    partials = []
    signals = []
    for conversation in conversations(part):
        partial = TALK.map(conversation, tokenize_conversation(conversation), Options())
        signals += TALK.finalize(partial).signals
        partial.interruptions, partial.questions = [], []
        partials.append(partial)
    expected = fold(TALK, partials)
    assert got.partial == expected
    assert sum(t.questions_answered for t in expected.speakers.values()) > 0
    assert sum(t.seconds for t in expected.speakers.values()) > 0
    kinds = [f"rule:talk.{k}" for k in got.interruptions.kinds]
    assert {"rule:talk.overlap", "rule:talk.cut_off"} <= set(kinds)
    assert [(cols.ids[i], cols.speakers[j], k) for i, j, k in zip(
        got.interruptions.row.tolist(), got.interruptions.previous.tolist(), kinds, strict=True
    )] == [(s.utterance_id, s.target, s.source) for s in signals]


@pytest.mark.parametrize("seed", range(4))
def test_talk_word_counts_equal_tokenize(seed: int) -> None:
    import pyarrow as pa

    rng = random.Random(seed)
    alphabet = "ab Z9'’_-.?!\t\né—日"
    texts = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(2000)
    ] + TEXTS
    counts = word_counts(pa.array(texts, pa.string()), texts)
    assert counts.tolist() == [len(tokenize(t)) for t in texts]
    sliced = pa.array(texts, pa.string()).slice(7, 50)
    assert word_counts(sliced, texts[7:57]).tolist() == [len(tokenize(t)) for t in texts[7:57]]
