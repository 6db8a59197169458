"""The three corpus engines give the same tables, and a killed worker's partition is retried."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from corpus_data import corpus
from powerlens.corpus import RunConfig, run_corpus
from powerlens.corpus.run import KILL_ONCE_ENV

MEASURES = ("talk", "accommodation", "pronoun_status", "deference", "moves")


def _table(folder: Path, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(folder / f"{name}.parquet").to_pylist()
    return sorted(rows, key=lambda r: (str(r.get("speaker")), str(r.get("target", r.get("group")))))


def _same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            if isinstance(x[key], float) and isinstance(y[key], float):
                assert math.isclose(x[key], y[key], rel_tol=1e-12, abs_tol=1e-12) or (
                    math.isnan(x[key]) and math.isnan(y[key])
                ), key
            else:
                assert x[key] == y[key], key


def _run(data: Path, out: Path, engine: str, **kw: Any) -> dict[str, Any]:
    config = RunConfig(
        str(data), out, measures=MEASURES, engine=engine, workers=2, partition_rows=50, **kw
    )
    return run_corpus(config)


def test_corpus_engines_identical_results(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl")
    manifests = {e: _run(data, tmp_path / e, e) for e in ("local", "processes", "dask")}
    assert (
        manifests["local"]["partitions"]["planned"] == 4
    )  # 240 rows: 3 conversations (60 rows) each
    for engine in ("processes", "dask"):
        assert manifests[engine]["counts"] == manifests["local"]["counts"]
        for name in ("speakers", "dyads", "groups", "group_coordination"):
            _same(_table(tmp_path / "local", name), _table(tmp_path / engine, name))
    speakers = _table(tmp_path / "local", "speakers")
    assert sum(r["talk.utterances"] for r in speakers) == 240
    assert manifests["dask"]["engine"] == {"name": "dask", "workers": 2, "scheduler": None}


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_corpus_engines_killed_worker_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    data = corpus(tmp_path / "c.jsonl", conversations=6)
    marker = tmp_path / "killed-once"
    monkeypatch.setenv(KILL_ONCE_ENV, str(marker))
    manifest = _run(data, tmp_path / engine, engine)
    assert marker.exists()  # a worker process did exit
    assert manifest["partitions"] == {"planned": 2, "analysed": 2, "resumed": 0, "failed": 0}
    assert manifest["counts"]["read"] == 120
    monkeypatch.delenv(KILL_ONCE_ENV)
    reference = _run(data, tmp_path / "local", "local")
    _same(_table(tmp_path / engine, "speakers"), _table(tmp_path / "local", "speakers"))
    assert reference["counts"] == manifest["counts"]


def test_corpus_engines_failed_partitions_exit_partial_and_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # issue 20: workers killed past the retry limit are not success: exit 3, the failed
    # partitions named with the command that resumes them, and a manifest marked partial
    import json

    from typer.testing import CliRunner

    from powerlens.cli import app
    from powerlens.corpus.run import KILL_PARTITIONS_ENV, PARTIAL_EXIT

    data = corpus(tmp_path / "c.jsonl", conversations=8)
    out = tmp_path / "out"
    command = [
        "corpus", "run", str(data), "--out", str(out), "--measures", "talk,accommodation",
        "--engine", "processes", "--workers", "2", "--partition-rows", "50", "--quiet",
    ]  # fmt: skip
    monkeypatch.setenv(KILL_PARTITIONS_ENV, "000001")
    partial = CliRunner().invoke(app, command)
    assert partial.exit_code == PARTIAL_EXIT == 3, partial.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False
    # only the partition whose worker always dies fails; those that shared its pool finish
    assert [s["partition"] for s in manifest["skipped"]] == ["000001"]
    assert manifest["partitions"] == {"planned": 3, "analysed": 2, "resumed": 0, "failed": 1}
    assert "partial:" in partial.output and "000001" in partial.output
    assert "Resume them with:" in partial.output
    assert manifest["counts"]["read"] < 160
    monkeypatch.delenv(KILL_PARTITIONS_ENV)
    resumed = CliRunner().invoke(app, command)
    assert resumed.exit_code == 0, resumed.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["resume"] is None
    assert manifest["partitions"] == {"planned": 3, "analysed": 1, "resumed": 2, "failed": 0}
    assert manifest["counts"]["read"] == 160
    clean = run_corpus(
        RunConfig(str(data), tmp_path / "clean", measures=("talk", "accommodation"),
                  partition_rows=50)
    )  # fmt: skip
    assert clean["counts"] == manifest["counts"]
    for name in ("speakers", "dyads", "groups", "group_coordination"):
        _same(_table(out, name), _table(tmp_path / "clean", name))


def test_corpus_engines_dask_at_a_scheduler_address_equals_local(tmp_path: Path) -> None:
    # issue 17: an existing cluster, named by its scheduler address as a user passes it,
    # gives the tables of the local engine
    from distributed import LocalCluster
    from typer.testing import CliRunner

    from powerlens.cli import app

    data = corpus(tmp_path / "c.jsonl")
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        result = CliRunner().invoke(
            app,
            [
                "corpus", "run", str(data), "--out", str(tmp_path / "remote"),
                "--measures", ",".join(MEASURES), "--partition-rows", "50", "--quiet",
                "--engine", "dask", "--scheduler", cluster.scheduler_address,
            ],
        )  # fmt: skip
    finally:
        cluster.close()
    assert result.exit_code == 0, result.output
    local = _run(data, tmp_path / "local", "local")
    import json

    remote = json.loads((tmp_path / "remote" / "manifest.json").read_text())
    assert remote["engine"]["scheduler"].startswith("tcp://")
    assert remote["engine"]["workers"] == 2
    assert remote["counts"] == local["counts"]
    for name in ("speakers", "dyads", "groups", "group_coordination"):
        _same(_table(tmp_path / "local", name), _table(tmp_path / "remote", name))
