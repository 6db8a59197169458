"""An interchange JSONL file read by Arrow's JSON reader, for counting coordination at corpus
scale.

``interchange_batches(path, speaker_fields)`` parses the file in blocks with ``pyarrow.json``
(as ``powerlens.corpus.convokit_arrow`` reads a ConvoKit folder), taking only the fields
coordination needs ("Echoes of power", Danescu-Niculescu-Mizil et al. 2012; see
``powerlens.measures.accommodation``) and the ``speaker.<field>`` columns named, and yields
batches of whole conversations as ``ArrowColumns`` without a Python object per row. Every row
must be one the row reader (``powerlens.readers.rows``) takes as it is: one JSON object per
line, starting the line; valid UTF-8; a string id, speaker and conversation id, none empty; a
speaker without surrounding whitespace; a text that is not blank; a string or null reply
link; finite numbers (or nothing) as timestamp, start and end; conversations contiguous; and
each named speaker field the same on every row of a speaker, of a type that reads back as the
row reader reads it (text, boolean or integer; a fractional number column is left to the row
reader, which keeps ``1`` and ``1.0`` apart). A block that fails any check raises
``Atypical``, and the caller reads the file row by row instead, which handles, rejects or
reports every row.

Known limits: speaker fields not named are not read, so a disagreement in one of them (which
the row reader reports as PL124) goes unnoticed here; Arrow accepts a few things orjson
rejects inside fields coordination does not read (integers beyond 64 bits, very deep nesting);
a field's type is learned from the first block.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from powerlens.corpus.convokit_arrow import (
    ArrowBatch,
    Atypical,
    _Blocks,
    block_batches,
    check_required,
    check_times,
)
from powerlens.measures.accommodation.columns import ArrowColumns, IntArray

TIMES = ("timestamp", "start", "end")


def interchange_batches(path: Path, speaker_fields: tuple[str, ...] = ()) -> Iterator[ArrowBatch]:
    """Batches of whole conversations of an interchange JSONL file, with the named speaker
    fields (``speaker.`` optional) of each speaker first seen in the batch (raises
    ``Atypical`` as soon as a row needs the row reader, or when the file holds no row)."""
    fields = tuple(dict.fromkeys(f.removeprefix("speaker.") for f in speaker_fields))
    blocks = _InterchangeBlocks(fields)
    return block_batches(path, blocks, blocks.batch)


class _InterchangeBlocks(_Blocks):
    """Parses and checks blocks of interchange rows; keeps each speaker's named fields."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.types: dict[str, Any] = {}
        self.known: dict[str, dict[str, Any]] = {}
        self.learned = not fields
        super().__init__()

    def schema(self) -> Any:
        import pyarrow as pa

        text = pa.string()
        columns = [
            ("id", text),
            ("speaker", text),
            ("conversation_id", text),
            ("reply_to", text),
            ("text", text),
            *((name, pa.float64()) for name in TIMES),
        ]
        columns += [(f"speaker.{f}", t) for f, t in self.types.items()]
        return pa.schema(columns)

    def parse(self, block: bytes) -> tuple[Any, IntArray]:
        if not self.learned:
            self._learn(block)
        return super().parse(block)

    def _learn(self, block: bytes) -> None:
        """The named speaker fields' types, from the first block (inferred by Arrow)."""
        import io

        import pyarrow as pa
        import pyarrow.json as pj

        options = pj.ParseOptions(
            explicit_schema=self.schema(), unexpected_field_behavior="infer"
        )
        try:
            table = pj.read_json(
                io.BytesIO(block), read_options=self.read_options, parse_options=options
            )
        except (pa.ArrowException, ValueError):
            raise Atypical from None
        for field in self.fields:
            name = f"speaker.{field}"
            kind = table.schema.field(name).type if name in table.column_names else pa.null()
            if not (pa.types.is_string(kind) or pa.types.is_boolean(kind)) and not (
                pa.types.is_integer(kind) or pa.types.is_null(kind)
            ):
                raise Atypical  # a number with a fraction, a list or an object
            self.types[field] = pa.string() if pa.types.is_null(kind) else kind
        self.parse_options = pj.ParseOptions(
            explicit_schema=self.schema(), unexpected_field_behavior="ignore"
        )
        self.learned = True

    def _check(self, table: Any) -> IntArray:
        import pyarrow.compute as pc

        check_required(table)
        speakers = table.column("speaker")
        edges = pc.and_(
            pc.match_substring_regex(speakers, "^[!-~]"),
            pc.match_substring_regex(speakers, "[!-~]$"),
        )
        unsure = np.flatnonzero(~np.asarray(edges))
        if any(s != s.strip() for s in speakers.take(unsure).to_pylist()):
            raise Atypical  # the row reader trims the name
        check_times(table, TIMES)
        for field in self.fields:
            self._remember(speakers, table.column(f"speaker.{field}"), field)
        return self.runs(table)

    def _remember(self, speakers: Any, values: Any, field: str) -> None:
        """Keep each speaker's value of ``field``; ``Atypical`` where two rows disagree."""
        import pyarrow.compute as pc

        present = values.is_valid()
        if not pc.any(present).as_py():
            return
        who = pc.dictionary_encode(pc.filter(speakers, present).combine_chunks())
        what = pc.dictionary_encode(pc.filter(values, present).combine_chunks())
        s = who.indices.to_numpy().astype(np.int64)
        v = what.indices.to_numpy().astype(np.int64)
        pairs = np.unique(s * max(len(what.dictionary), 1) + v)
        owners = pairs // max(len(what.dictionary), 1)
        if len(np.unique(owners)) != len(owners):
            raise Atypical  # one speaker, two values in this block
        names = who.dictionary.to_pylist()
        labels = what.dictionary.to_pylist()
        held = (pairs % max(len(labels), 1)).tolist()
        for owner, value in zip(owners.tolist(), held, strict=True):
            fields = self.known.setdefault(names[owner], {})
            if field in fields and fields[field] != labels[value]:
                raise Atypical  # the row reader reports the disagreement (PL124)
            fields.setdefault(field, labels[value])

    def batch(self, table: Any, starts: IntArray) -> ArrowBatch:
        """A table of whole conversations as ``ArrowColumns``, with the speakers' fields."""
        import pyarrow as pa
        import pyarrow.compute as pc

        def column(name: str) -> Any:
            return table.column(name).combine_chunks()

        replies = column("reply_to")
        if pc.any(pc.equal(replies, "")).as_py():
            replies = pc.if_else(pc.equal(replies, ""), pa.scalar(None, pa.string()), replies)
        speakers = column("speaker")
        meta = {
            name: dict(self.known.get(name, {})) for name in pc.unique(speakers).to_pylist()
        }
        columns = ArrowColumns(starts, column("id"), speakers, column("text"), replies)
        return ArrowBatch(columns, meta)
