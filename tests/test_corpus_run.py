"""Corpus runs: manifest, tables, resume, faults and the CLI, on hand-written data."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from corpus_data import corpus
from powerlens.cli import app
from powerlens.corpus import LocalExecutor, RunConfig, run_corpus
from powerlens.corpus.partitions import inputs, plan
from powerlens.corpus.run import merged_partials
from powerlens.errors import InputError, UsageError
from powerlens.readers.interchange import iter_conversations, write

SMALL = "\n".join(
    [
        '{"id":"u1","conversation_id":"a","speaker":"Ann","text":"We should go now.","speaker.is_justice":true}',
        '{"id":"u2","conversation_id":"a","speaker":"Bob","text":"I think so too","reply_to":"u1","speaker.is_justice":false}',
        "not json",
        '{"id":"u3","conversation_id":"b","speaker":"Ann","text":"Fine","speaker.is_justice":true}',
    ]
)


def _rows(path: Path) -> dict[str, dict[str, Any]]:
    return {r["speaker"]: r for r in pq.read_table(path).to_pylist()}


def test_corpus_run_manifest_and_tables(tmp_path: Path) -> None:
    data = tmp_path / "small.jsonl"
    data.write_text(SMALL + "\n", encoding="utf-8")
    manifest = run_corpus(RunConfig(str(data), tmp_path / "out", measures=("talk",), csv=True))
    assert manifest["schema"] == "powerlens.corpus-manifest/1"
    assert manifest["counts"] == {
        "conversations": 2,
        "read": 4,
        "analysed": 3,
        "rejected": 1,
        "signals": 0,
        "speakers": 2,
    }
    assert manifest["rejections"] == [{"path": str(data), "line": 3, "reason": "not valid JSON"}]
    assert manifest["inputs"] == [
        {"path": str(data), "bytes": data.stat().st_size, "mtime_ns": data.stat().st_mtime_ns}
    ]
    assert manifest["parameters"]["measures"] == ["talk"]
    assert {"python", "powerlens", "numpy", "pyarrow", "dask"} <= manifest["versions"].keys()
    assert manifest["partition_plan"][0]["kind"] == "jsonl"
    assert set(manifest["timings"]) == {"plan", "analyse", "merge", "write", "total"}
    speakers = _rows(tmp_path / "out" / "speakers.parquet")
    assert speakers["Ann"]["talk.words"] == 5 and speakers["Bob"]["talk.words"] == 4
    assert speakers["Ann"]["talk.opened"] == 2 and speakers["Ann"]["speaker.is_justice"] is True
    groups = {r["group"]: r for r in pq.read_table(tmp_path / "out" / "groups.parquet").to_pylist()}
    assert groups["true"]["speakers"] == 1 and groups["true"]["talk.words"] == 5.0
    assert (tmp_path / "out" / "speakers.csv").read_text().startswith('"speaker"')
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert on_disk["counts"] == manifest["counts"]


def test_corpus_run_partitions_follow_conversations(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl", conversations=5, per=10)
    parts = plan(inputs(data), rows=15)
    assert [(p.line, p.rows) for p in parts] == [(1, 20), (21, 20), (41, 10)]
    assert parts[1].offset == sum(len(x) for x in data.read_bytes().splitlines(True)[:20])


class _Interrupted(Exception):
    pass


class _StopAfter(LocalExecutor):
    """Runs ``n`` jobs, then interrupts the run as a kill would."""

    def __init__(self, n: int) -> None:
        self.n = n

    def run(self, fn: Callable[[Any], Any], jobs: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        for i, item in enumerate(super().run(fn, jobs)):
            if i == self.n:
                raise _Interrupted
            yield item


def test_corpus_run_resume_skips_completed_partitions(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl", conversations=8, per=10)
    config = RunConfig(
        str(data), tmp_path / "out", measures=("talk", "accommodation"), partition_rows=20
    )
    with pytest.raises(_Interrupted):
        run_corpus(config, executor=_StopAfter(2))
    resumed = run_corpus(config)
    # the third partition finished (its done-marker is on disk) before the driver was stopped
    assert resumed["partitions"] == {"planned": 4, "analysed": 1, "resumed": 3, "failed": 0}
    straight = run_corpus(RunConfig(**{**vars(config), "out": tmp_path / "straight"}))
    assert resumed["counts"] == straight["counts"]
    assert _rows(tmp_path / "out" / "speakers.parquet") == _rows(
        tmp_path / "straight" / "speakers.parquet"
    )
    again = run_corpus(config)
    assert again["partitions"]["resumed"] == 4 and again["partitions"]["analysed"] == 0
    with pytest.raises(UsageError, match="different run"):
        run_corpus(RunConfig(**{**vars(config), "measures": ("talk",)}))
    fresh = run_corpus(RunConfig(**{**vars(config), "measures": ("talk",), "fresh": True}))
    assert fresh["partitions"]["analysed"] == 4


def test_corpus_run_corrupt_partition_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    good = corpus(folder / "a.jsonl", conversations=2, per=5)
    write(list(iter_conversations(good)), folder / "b.parquet")
    whole = (folder / "b.parquet").read_bytes()
    (folder / "b.parquet").write_bytes(whole[: len(whole) // 2])
    config = RunConfig(str(folder), tmp_path / "out", measures=("talk",))
    manifest = run_corpus(config)
    assert manifest["partitions"]["failed"] == 1 and manifest["counts"]["read"] == 10
    [skipped] = manifest["skipped"]
    assert skipped["path"] == str(folder / "b.parquet") and "PL126" in skipped["reason"]
    with pytest.raises(InputError, match="b.parquet"):
        run_corpus(RunConfig(**{**vars(config), "strict": True, "out": tmp_path / "strict"}))


def test_corpus_run_cli_end_to_end(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl", conversations=6, per=10)
    out = tmp_path / "results"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "corpus",
            "run",
            str(data),
            "--out",
            str(out),
            "--measures",
            "talk,accommodation",
            "--csv",
            "--quiet",
            "--group",
            "speaker.is_justice",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "utterances read" in result.output and "60" in result.output
    for name in ("speakers", "dyads", "groups", "group_coordination"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    assert (out / "signals.csv").is_file()
    result = runner.invoke(
        app,
        [
            "corpus",
            "compare",
            str(out),
            "--group",
            "speaker.is_justice",
            "--columns",
            "talk.words",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    compared = json.loads(result.output)
    speakers = pq.read_table(out / "speakers.parquet").to_pylist()
    justices = [r["talk.words"] for r in speakers if r["speaker.is_justice"]]
    [entry] = compared["columns"]
    assert compared["groups"] == ["false", "true"]
    assert entry["groups"]["true"]["mean"] == pytest.approx(sum(justices) / len(justices))
    assert entry["groups"]["true"]["n"] == 3
    bad = runner.invoke(app, ["corpus", "run", str(data), "--out", str(out), "--engine", "spark"])
    assert bad.exit_code == 2 and "unknown engine" in bad.output


def test_corpus_run_merged_partials_give_the_raw_counts(tmp_path: Path) -> None:
    data = tmp_path / "small.jsonl"
    data.write_text(SMALL + "\n", encoding="utf-8")
    run_corpus(RunConfig(str(data), tmp_path / "out", measures=("talk", "accommodation")))
    partials, meta = merged_partials(tmp_path / "out", ("accommodation",))
    counts = partials["accommodation"].counts
    assert (counts.speakers, counts.targets, counts.n.tolist()) == (("Bob",), ("Ann",), [1])
    assert meta.meta["Ann"] == {"is_justice": True}
