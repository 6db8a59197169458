"""The dyads table built as columns equals the table built from one dict per row."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from powerlens.corpus import codec, tables
from powerlens.model import MeasureResult


def _result(section: str, entries: list[dict[str, Any]]) -> MeasureResult:
    return MeasureResult(sections={section: {"dyads": entries}})


def _both(tmp_path: Path, results: dict[str, MeasureResult], signals: Counter[Any]) -> None:
    rows = tables.write_table(tables.dyad_rows(results, signals), tmp_path / "rows")
    cols = tables.write_columns(tables.dyad_columns(results, signals), tmp_path / "cols")
    a, b = pq.read_table(rows[0]), pq.read_table(cols[0])
    assert a.schema == b.schema
    assert a.to_pylist() == b.to_pylist()


def test_corpus_tables_dyad_columns_match_rows(tmp_path: Path) -> None:
    results = {
        "pronoun_status": _result(
            "pronoun_status",
            [
                {"speaker": "b", "target": "a", "status_index": 0.5},
                {"speaker": "a", "target": "c", "status_index": -1.0, "extra": [1, 2]},
            ],
        ),
        "accommodation": _result(
            "accommodation",
            [
                {"speaker": "a", "target": "b", "n_exchanges": 3, "markers": {"x": 0.1, "y": None}},
                {"speaker": "b", "target": "a", "n_exchanges": 1, "markers": {"x": None}},
                {"speaker": "a", "target": "c", "aggregate": 0.2},
                "not an entry",
            ],
        ),
    }
    signals = Counter(
        {("z", "a", "tactic"): 2, ("a", "b", "accommodation"): 1, ("b", "a", "abc"): 4}
    )
    _both(tmp_path, results, signals)
    columns = tables.dyad_columns(results, signals)
    assert list(columns)[:2] == ["speaker", "target"]
    assert columns["speaker"] == ["a", "a", "b", "z"]


@pytest.mark.parametrize(
    "entries",
    [
        # the same pair twice in one family
        [{"speaker": "a", "target": "b", "x": 1}, {"speaker": "a", "target": "b", "y": 2}],
        # fields in another order in a later row
        [
            {"speaker": "b", "target": "a", "x": 1, "y": 2},
            {"speaker": "a", "target": "b", "y": 3, "x": 4},
        ],
    ],
)
def test_corpus_tables_dyad_columns_fall_back_to_rows(
    tmp_path: Path, entries: list[dict[str, Any]]
) -> None:
    _both(tmp_path, {"f": _result("f", entries)}, Counter())


def test_corpus_codec_scalar_lists_round_trip() -> None:
    value = {"t": ("a", 1, 2.5, None, True), "l": [1, "x", None], "n": [("a", "b"), [1, [2]]]}
    back = codec.loads(codec.dumps(value))
    assert back == value and type(back["t"]) is tuple and type(back["n"][0]) is tuple


def test_corpus_codec_arrays_bit_for_bit() -> None:
    arrays = [
        np.arange(12, dtype=np.int64).reshape(3, 4),
        np.array([1.5, np.nan, -np.inf, 5e-324]),
        np.zeros((0, 8), np.int64),
        np.array(["a", "bé"]),
    ]
    for array in arrays:
        back = codec.loads(codec.dumps(array))
        assert back.dtype == array.dtype and back.shape == array.shape
        assert back.tobytes() == array.tobytes() and back.flags.writeable


def test_corpus_codec_non_finite_and_big_numbers_round_trip() -> None:
    value = {
        "f": [1.5, math.nan, -math.inf],
        "t": (math.inf, "x"),
        "c": Counter({("a", "b"): 2**70}),
        "g": np.float64(math.nan),
    }
    back = codec.loads(codec.dumps(value))
    assert back["f"][0] == 1.5 and math.isnan(back["f"][1]) and back["f"][2] == -math.inf
    assert back["t"] == (math.inf, "x") and back["c"] == Counter({("a", "b"): 2**70})
    assert math.isnan(back["g"])
    # files written with JSON's NaN extension (before floats were tagged) still read back
    assert math.isnan(codec.loads('{"x":NaN}')["x"])


def test_corpus_codec_reads_arrays_written_as_lists() -> None:
    # partial files written before arrays were stored as base64 bytes still read back
    old = '{"__nd":"int64","shape":[2,2],"data":[[1,2],[3,4]]}'
    back = codec.loads(old)
    assert back.dtype == np.int64 and back.tolist() == [[1, 2], [3, 4]]
