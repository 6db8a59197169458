"""The signals table of a corpus run: one Parquet file per partition, written in batches.

Every signal (evidence: utterance, span, rule or model, score) of a partition is a row of
``signals/part-NNNNNN.parquet`` (``SIGNAL_COLUMNS``); ``SignalSink`` buffers rows and writes
them as row groups of ``SIGNAL_BATCH`` or more, to a temporary name that is renamed once the
partition is complete, so a file is always whole (maybe empty).

Known limits: a partition's rows are buffered up to ``SIGNAL_BATCH`` before they are written,
so a partition with very many signals holds that many rows in memory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from powerlens.model import Signal

SIGNAL_BATCH = 65_536
SIGNAL_COLUMNS = (
    "conversation_id",
    "utterance_id",
    "speaker",
    "target",
    "family",
    "label",
    "subtype",
    "span_start",
    "span_end",
    "score",
    "source",
)


class SignalSink:
    """Signal rows of one partition, written to Parquet in batches (always a file, maybe empty)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        self.columns: dict[str, list[Any]] = {c: [] for c in SIGNAL_COLUMNS}
        self.writer: Any = None
        self.total = 0

    def add(self, conversation_id: str, signals: list[Signal]) -> None:
        c = self.columns
        for s in signals:
            c["conversation_id"].append(conversation_id)
            c["utterance_id"].append(s.utterance_id)
            c["speaker"].append(s.speaker)
            c["target"].append(s.target)
            c["family"].append(s.family)
            c["label"].append(s.label)
            c["subtype"].append(s.subtype)
            c["span_start"].append(int(s.span[0]))
            c["span_end"].append(int(s.span[1]))
            c["score"].append(float(s.score))
            c["source"].append(s.source)
        if len(c["score"]) >= SIGNAL_BATCH:
            self._flush()

    def extend(self, rows: dict[str, list[Any]]) -> None:
        """Add signal rows given as columns (``SIGNAL_COLUMNS``, equal lengths)."""
        for name in SIGNAL_COLUMNS:
            self.columns[name] += rows[name]
        if len(self.columns["score"]) >= SIGNAL_BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pydict(self.columns, schema=signal_schema())
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.tmp, signal_schema())
        self.writer.write_table(table)
        self.total += table.num_rows
        self.columns = {c: [] for c in SIGNAL_COLUMNS}

    def close(self) -> int:
        self._flush()
        self.writer.close()
        os.replace(self.tmp, self.path)
        return self.total


def signal_schema() -> Any:
    """The Arrow schema of the signals table."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema(
        [
            ("conversation_id", text),
            ("utterance_id", text),
            ("speaker", text),
            ("target", text),
            ("family", text),
            ("label", text),
            ("subtype", text),
            ("span_start", pa.int64()),
            ("span_end", pa.int64()),
            ("score", pa.float64()),
            ("source", text),
        ]
    )
