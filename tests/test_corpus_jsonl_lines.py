"""The partition plan read from the raw bytes equals the plan from parsing every line."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from powerlens.corpus import jsonl_lines
from powerlens.corpus.partitions import Partition, plan


def _line(rng: random.Random, cid: str) -> str:
    """A line naming ``cid``, often plainly, sometimes in a way bytes alone misjudge."""
    odd = [
        json.dumps({"conversation_id": cid}, separators=(",", ":")),
        f'{{"conversation_id" : "{cid}"}}',
        json.dumps({"meta": {"conversation_id": cid}}),
        json.dumps({"meta": {"conversation_id": cid}, "conversation_id": rng.choice(["c1", cid])}),
        f'{{"conversation_id": "{cid}", "conversation_id": "c1"}}',
        f'{{"conversation\\u005fid": "{cid}"}}',
        f'{{"conversation_id": "{cid}", "text": "cut off',
        "",
        "   ",
        "\ufeff" + json.dumps({"conversation_id": cid}),
        json.dumps({"conversation_id": rng.choice([5, None, "", 1.5, True])}),
        json.dumps({"text": "no id"}),
        json.dumps([{"conversation_id": cid}]),
        json.dumps({"conversation_id": cid + "x" * rng.choice([61, 62, 63, 80])}),
        json.dumps({"t": 'a "conversation_id": "c9"', "conversation_id": cid}),
        f'{{"conversation_id": "{cid}"}}\r',
        f'{{"conversation_id": "{cid}\x00"}}',
        json.dumps({"conversation_id": cid + "é"}, ensure_ascii=False),
        f'{{"conversation_id": "{cid}\udcff"}}',
        '{"a": "x \\"conversation_id\\": \\"c7\\""}',
    ]
    if rng.random() < 0.5:
        return json.dumps({"id": "u", "conversation_id": cid, "text": "hi"})
    return rng.choice(odd)


def _plans(path: Path, rows: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Partition], ...]:
    fast = plan([path], rows)
    with monkeypatch.context() as patch:
        patch.setattr(jsonl_lines, "_scan_bytes", jsonl_lines._scan_every)
        slow = plan([path], rows)
    return fast, slow


@pytest.mark.parametrize("seed", range(8))
def test_corpus_plan_from_bytes_equals_parsing_every_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    monkeypatch.setattr(jsonl_lines, "BLOCK_BYTES", rng.choice([64, 300, 4096]))
    kinds: set[str] = set()
    for trial in range(25):
        cids = [f"c{i}" for i in range(rng.randint(1, 20))]
        lines = [_line(rng, c) for c in cids for _ in range(rng.randint(1, 10))]
        if rng.random() < 0.2:  # a conversation may come back: the plan groups the file
            lines.insert(rng.randint(0, len(lines)), _line(rng, rng.choice(cids)))
        path = tmp_path / f"t{trial}.jsonl"
        text = "\n".join(lines) + ("\n" if rng.random() < 0.7 else "")
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        rows = rng.choice([1, 3, 10, 1000])
        fast, slow = _plans(path, rows, monkeypatch)
        assert [(p.describe(), p.size) for p in fast] == [(p.describe(), p.size) for p in slow]
        kinds.update(p.kind for p in fast)
    assert "jsonl" in kinds


def test_corpus_plan_from_bytes_reads_runs_and_broken_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = '{"conversation_id": "b", "text": "cut off'
    rows = [json.dumps({"conversation_id": c, "text": "x"}) for c in "aaa"]
    rows += [broken, broken, *(json.dumps({"conversation_id": "b"}) for _ in range(3))]
    rows += [json.dumps({"conversation_id": "c"})]
    path = tmp_path / "runs.jsonl"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    parsed: list[bytes] = []
    original = jsonl_lines._conversation_id

    def spy(raw: bytes, kind: str) -> str | None:
        parsed.append(raw)
        found: str | None = original(raw, kind)
        return found

    monkeypatch.setattr(jsonl_lines, "_conversation_id", spy)
    parts = plan([path], 2)
    assert [(p.line, p.rows) for p in parts] == [(1, 5), (6, 3), (9, 1)]
    # the first line of each run, and the broken lines until one gives the run's id
    assert len(parsed) == 5
