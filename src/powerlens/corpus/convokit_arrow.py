"""A ConvoKit ``utterances.jsonl`` read by Arrow's JSON reader, for counting coordination at
corpus scale.

``arrow_batches(folder, meta)`` parses the file in blocks with ``pyarrow.json``, taking only
the fields coordination needs ("Echoes of power", Danescu-Niculescu-Mizil et al. 2012; see
``powerlens.measures.accommodation``), and yields batches of whole conversations as
``ArrowColumns``, without a Python object per row. It first checks that every row is one the
row reader (``powerlens.corpus.columns``) takes as it is: one JSON object per line, starting
the line; valid UTF-8; a string id, speaker, conversation id and text, none empty; no
whitespace-only text; a finite number (or nothing) as timestamp; no ``powerlens.end``;
conversations contiguous. A block that fails any check raises ``Atypical``, and the caller
reads the file row by row instead, which handles or reports every row.

Known limits: Arrow accepts a few things orjson rejects inside fields coordination does not
read (integers beyond 64 bits, NaN literals and very deep nesting in ``meta`` or
``vectors``), so such a line is counted here and rejected by the row reader; and a row holding
both ``"reply_to": null`` and a ``"reply-to"`` target is read as replying to that target.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from powerlens.measures.accommodation.columns import ArrowColumns, IntArray

BLOCK_BYTES = 2 * 2**20
"""Bytes of ``utterances.jsonl`` parsed at a time."""
BATCH_ROWS = 100_000
"""Utterances (at least) per batch: a batch ends where a conversation does."""
MAX_LINE_BYTES = 16 * 2**20
"""The row reader's line limit (``powerlens.readers.interchange.MAX_LINE_BYTES``)."""
_END = "powerlens.end"
_LARGEST_STAMP = 2.0**63
"""orjson rejects integers beyond 64 bits; a timestamp this large may have been one."""


class Atypical(Exception):
    """The file holds a row this reader does not take as it is; read it row by row."""


@dataclass
class ArrowBatch:
    """Whole conversations as Arrow columns, and the metadata of speakers first seen here."""

    columns: ArrowColumns
    meta: dict[str, dict[str, Any]]


def arrow_batches(folder: Path, meta: Mapping[str, Any]) -> Iterator[ArrowBatch]:
    """Batches of whole conversations of ``folder/utterances.jsonl`` (raises ``Atypical``
    as soon as a row needs the row reader, or when the file holds no row)."""
    seen: set[str] = set()
    return block_batches(
        folder / "utterances.jsonl", _Blocks(), lambda t, s: _batch(t, s, meta, seen)
    )


def block_batches(
    path: Path, blocks: _Blocks, batch: Callable[[Any, IntArray], ArrowBatch]
) -> Iterator[ArrowBatch]:
    """Batches of whole conversations of a JSON-lines file parsed by ``blocks`` and turned
    into ``ArrowBatch`` by ``batch(table, conversation starts)``."""
    import pyarrow as pa

    tables: list[Any] = []
    starts: list[Any] = []  # rows where conversations start, counted from tables[0]
    rows = 0
    yielded = False
    with path.open("rb") as handle:
        if handle.read(3) != codecs.BOM_UTF8:
            handle.seek(0)
        tail = b""
        while True:
            chunk = handle.read(BLOCK_BYTES)
            block = tail + chunk
            cut = block.rfind(b"\n") + 1 if chunk else len(block)
            if cut == 0 and len(block) > MAX_LINE_BYTES:
                raise Atypical
            block, tail = block[:cut], block[cut:]
            if block:
                table, runs = blocks.parse(block)
                tables.append(table)
                starts.append(runs + rows)
                rows += table.num_rows
            if rows >= BATCH_ROWS or (not chunk and rows):
                table, runs = pa.concat_tables(tables), np.concatenate(starts)
                done = int(runs[-1]) if chunk else rows  # the last conversation may go on
                if done:
                    head = runs[runs < done]
                    yield batch(table.slice(0, done), head)
                    yielded = True
                    tables, starts = [table.slice(done)], [runs[len(head) :] - done]
                    rows -= done
            if not chunk:
                if not yielded:
                    raise Atypical  # no utterance at all: the row reader says why
                return


class _Blocks:
    """Parses blocks of whole lines and checks them, keeping which conversations were seen."""

    def __init__(self) -> None:
        import pyarrow.json as pj

        self.read_options = pj.ReadOptions(use_threads=False, block_size=2 * BLOCK_BYTES)
        self.parse_options = pj.ParseOptions(
            explicit_schema=self.schema(), unexpected_field_behavior="ignore"
        )
        self.seen: set[str] = set()
        self.current: str | None = None

    def schema(self) -> Any:
        """The fields parsed (any other is skipped unread)."""
        import pyarrow as pa

        text = pa.string()
        return pa.schema(
            [
                ("id", text),
                ("speaker", text),
                ("conversation_id", text),
                ("reply_to", text),
                ("reply-to", text),
                ("text", text),
                ("timestamp", pa.float64()),
                ("meta", pa.struct([(_END, pa.float64())])),
                (_END, pa.float64()),
            ]
        )

    def parse(self, block: bytes) -> tuple[Any, IntArray]:
        """The block's rows as a table of the columns coordination reads, and the rows where
        a conversation starts (or goes on from the block before)."""
        import pyarrow as pa
        import pyarrow.json as pj

        data = np.frombuffer(block, np.uint8)
        ends = np.flatnonzero(data == 10)
        if len(ends) == 0 or ends[-1] != len(block) - 1:
            ends = np.append(ends, len(block))
        starts = np.concatenate([[0], ends[:-1] + 1])
        if (data[starts] != ord("{")).any() or (ends - starts).max() > MAX_LINE_BYTES:
            raise Atypical  # a blank line, leading space, or a line the reader refuses
        whole = pa.Array.from_buffers(
            pa.string(),
            1,
            [None, pa.py_buffer(np.array([0, len(block)], np.int32)), pa.py_buffer(block)],
        )
        try:
            whole.validate(full=True)  # UTF-8, as orjson requires
            table = pj.read_json(
                io.BytesIO(block),
                read_options=self.read_options,
                parse_options=self.parse_options,
            )
        except (pa.ArrowException, ValueError):
            raise Atypical from None
        if table.num_rows != len(starts):
            raise Atypical  # more than one object on a line
        return table, self._check(table)

    def _check(self, table: Any) -> IntArray:
        import pyarrow.compute as pc

        check_required(table)
        if table.column(_END).null_count < table.num_rows:
            raise Atypical
        meta = table.column("meta")
        if pc.count(pc.struct_field(meta, [0])).as_py():
            raise Atypical
        check_times(table, ("timestamp",))
        return self.runs(table)

    def runs(self, table: Any) -> IntArray:
        """Rows where a conversation starts (raises ``Atypical`` if one comes back)."""
        cids = table.column("conversation_id")
        runs = _run_starts(cids)
        names = cids.take(runs).to_pylist()
        goes_on = names[0] == self.current  # the last conversation of the block before
        for cid in names[goes_on:]:
            if cid in self.seen:
                raise Atypical  # conversations are not contiguous
            self.seen.add(cid)
        self.current = names[-1]
        return runs[1:] if goes_on else runs


def check_required(table: Any) -> None:
    """Raise ``Atypical`` unless every row has a non-empty id, speaker, conversation id and
    text, and no text is whitespace only."""
    import pyarrow.compute as pc

    for name in ("id", "speaker", "conversation_id", "text"):
        column = table.column(name)
        if column.null_count or pc.min(pc.binary_length(column)).as_py() == 0:
            raise Atypical
    texts = table.column("text")
    unsure = np.flatnonzero(~np.asarray(pc.match_substring_regex(texts, "^[!-~]")))
    if any(t.isspace() for t in texts.take(unsure).to_pylist()):
        raise Atypical


def check_times(table: Any, names: tuple[str, ...]) -> None:
    """Raise ``Atypical`` unless the time columns hold finite numbers orjson reads."""
    import pyarrow.compute as pc

    for name in names:
        stamps = table.column(name)
        if pc.any(pc.is_nan(stamps)).as_py():
            raise Atypical  # a NaN literal, which orjson rejects
        values = pc.drop_null(stamps).to_numpy()
        if not np.isfinite(values).all() or (np.abs(values) >= _LARGEST_STAMP).any():
            raise Atypical


def _run_starts(cids: Any) -> IntArray:
    """Rows where the conversation id changes (row 0 included)."""
    import pyarrow.compute as pc

    codes = pc.dictionary_encode(cids.combine_chunks()).indices.to_numpy()
    return np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]])).astype(np.int64)


def _batch(table: Any, starts: IntArray, meta: Mapping[str, Any], seen: set[str]) -> ArrowBatch:
    """A table of whole conversations as ``ArrowColumns`` (replies as the row reader takes
    them: ``reply_to`` if given, else ``reply-to``; an empty one is no link)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def column(name: str) -> Any:
        return table.column(name).combine_chunks()

    replies = pc.coalesce(column("reply_to"), column("reply-to"))
    if pc.any(pc.equal(replies, "")).as_py():
        replies = pc.if_else(pc.equal(replies, ""), pa.scalar(None, pa.string()), replies)
    speakers = column("speaker")
    new: dict[str, dict[str, Any]] = {}
    for name in pc.unique(speakers).to_pylist():
        if name not in seen:
            seen.add(name)
            new[name] = dict(meta.get(name, {}))
    columns = ArrowColumns(
        starts,
        column("id"),
        speakers,
        column("text"),
        replies,
    )
    return ArrowBatch(columns, new)
