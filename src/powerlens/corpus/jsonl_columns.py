"""A partition of interchange JSONL read straight into columns, when every row is typical.

``read_typical(part)`` parses a ``jsonl`` partition's lines with orjson in one list
comprehension and takes each field column by column, giving what the row reader
(``powerlens.readers.rows.RowConverter`` grouped by ``stream_groups``) would give for the
measures a corpus run counts over columns (talk, accommodation): the conversations, each
utterance's id, speaker, text, reply link, start and end time, and each speaker's metadata as
the conversation it first appears in carries it — without an ``Utterance`` per row or a
``Conversation`` per conversation.

It takes a partition only when the row reader would take every row as it is: every line a
JSON object within the depth budget (no blank line); a string id, speaker and conversation
id, none empty, the speaker without surrounding whitespace; a text that is not blank and
within the length budget; a string or null reply link; numbers (not booleans) or nothing as
timestamp, start and end, all finite; conversations contiguous; and the ``speaker.<field>``
values of each speaker agreeing (hashable, compared as the row reader compares them).
Otherwise it returns None and the caller reads the partition row by row, which rejects,
repairs or reports each odd row (rows read = analysed + rejected with a reason).

Known limits: utterance metadata (``meta.*`` and other columns) is not read, so callers that
need it (``Turns`` reading rows) use the row reader.
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from powerlens.corpus.partitions import Partition
from powerlens.measures.accommodation import UtteranceColumns
from powerlens.readers import budgets, interchange
from powerlens.readers.jsondoc import too_deep

try:
    import orjson

    _loads: Any = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency
    import json

    _loads = json.loads

FloatArray = npt.NDArray[np.float64]
_TIMES = frozenset({float, int, type(None)})
_REPLIES = frozenset({str, type(None)})


@dataclass
class TypicalRows:
    """A partition's conversations as columns (``columns``), with each utterance's start and
    end time (NaN where absent) and each speaker's metadata in order of first appearance."""

    columns: UtteranceColumns
    start: FloatArray
    end: FloatArray
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""


def read_typical(part: Partition) -> TypicalRows | None:
    """The rows of a ``jsonl`` partition as columns, or None if any row needs the row reader
    (raises ``InputError`` only as ``read_range`` does: the file changed under the run)."""
    if part.kind != "jsonl":
        return None
    path = Path(part.path)
    data = interchange.read_range(path, part.offset, part.length, part.line)
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    if not lines:
        return None
    if _openers(data) != len(lines) and any(too_deep(line) is not None for line in lines):
        return None
    collecting = gc.isenabled()
    gc.disable()  # parsed rows hold no cycles; collecting while they pile up is wasted
    try:
        try:
            objs = [_loads(line) for line in lines]
        except ValueError:  # a blank line, invalid JSON or UTF-8: the row reader says which
            return None
        del lines, data
        return _typical(objs, str(path))
    finally:
        if collecting:
            gc.enable()


def _openers(data: bytes) -> int:
    """How many ``{`` and ``[`` ``data`` holds (one per line: no row nests anything): ``| 32``
    maps ``[`` to ``{`` and no other byte, so numpy counts both in one pass."""
    return int(np.count_nonzero((np.frombuffer(data, np.uint8) | 32) == 123))


def filled_strings(values: list[Any]) -> bool:
    """Whether every value is a string and none is empty."""
    return set(map(type, values)) == {str} and "" not in values


def _column(objs: list[dict[str, Any]], key: str, keys: _Keys) -> list[Any]:
    """``obj.get(key)`` of every object: all None where no layout has the key, with
    ``itemgetter`` where every layout has it."""
    if key not in keys.some:
        return [None] * len(objs)
    if key in keys.every:
        return list(map(itemgetter(key), objs))
    return list(map(dict.get, objs, repeat(key)))


@dataclass
class _Keys:
    """The distinct key layouts of the rows, and the keys some or every row has."""

    layouts: set[tuple[str, ...]]
    some: frozenset[str]
    every: frozenset[str]

    @classmethod
    def of(cls, objs: list[dict[str, Any]]) -> _Keys:
        layouts = set(map(tuple, objs))
        sets = [frozenset(layout) for layout in layouts]
        return cls(layouts, frozenset().union(*sets), frozenset.intersection(*sets))


def _typical(objs: list[Any], source: str) -> TypicalRows | None:
    """The rows as columns, or None if any is not typical (see the module)."""
    if set(map(type, objs)) != {dict}:
        return None
    keys = _Keys.of(objs)
    ids = _column(objs, "id", keys)
    speakers = _column(objs, "speaker", keys)
    texts = _column(objs, "text", keys)
    cids = _column(objs, "conversation_id", keys)
    replies = _column(objs, "reply_to", keys)
    if not (
        all(map(filled_strings, (ids, speakers, texts, cids)))
        and set(map(type, replies)) <= _REPLIES
        and max(map(len, texts)) <= budgets.current().utterance_chars
        and not any(map(str.isspace, texts))
        and all(s == s.strip() for s in dict.fromkeys(speakers))
    ):
        return None
    times = _times(objs, keys)
    if times is None:
        return None
    if "" in replies:
        replies = [r or None for r in replies]
    starts = [0, *(k for k in range(1, len(cids)) if cids[k] != cids[k - 1])]
    conversation_ids = [cids[k] for k in starts]
    if len(set(conversation_ids)) != len(conversation_ids):
        return None  # a conversation reappears: the row reader reports it (PL123)
    meta = _speaker_meta(objs, speakers, starts, keys)
    if meta is None:
        return None
    columns = UtteranceColumns(conversation_ids, starts, ids, speakers, texts, replies)
    return TypicalRows(columns, times[0], times[1], meta, source)


def _times(objs: list[dict[str, Any]], keys: _Keys) -> tuple[FloatArray, FloatArray] | None:
    """Each row's start (``start``, else ``timestamp``) and end as the row reader reads
    them, NaN where absent; None where a value is not a finite number."""
    stamps, raw, ends = (_column(objs, k, keys) for k in ("timestamp", "start", "end"))
    if not (
        set(map(type, stamps)) <= _TIMES
        and set(map(type, raw)) <= _TIMES
        and set(map(type, ends)) <= _TIMES
    ):
        return None
    try:
        start = _seconds(list(map(_first, raw, stamps)))
        end = _seconds(ends)
        checked = _seconds(stamps)
    except OverflowError:
        return None
    if np.isinf(start).any() or np.isinf(end).any() or np.isinf(checked).any():
        return None
    return start, end


def _seconds(values: list[Any]) -> FloatArray:
    """Numbers (or None) as float64, NaN for None (raises ``OverflowError`` past float)."""
    absent = values.count(None)
    if absent == len(values):
        return np.full(len(values), math.nan)
    if not absent:
        return np.array(values, np.float64)
    return np.array([math.nan if v is None else v for v in values], np.float64)


def _first(a: Any, b: Any) -> Any:
    return b if a is None else a


def _speaker_meta(
    objs: list[dict[str, Any]], speakers: list[str], starts: list[int], layouts: _Keys
) -> dict[str, dict[str, Any]] | None:
    """Each speaker's ``speaker.*`` fields as the row reader's builder gives them: the values
    set by the end of the conversation the speaker first appears in, in the order they were
    set; None when two rows of a speaker disagree (the row reader reports it, PL124)."""
    order = dict.fromkeys(speakers)
    keys = [
        k
        for k in dict.fromkeys(k for layout in layouts.layouts for k in layout)
        if k.startswith("speaker.") and len(k) > 8
    ]
    if not keys:
        return {name: {} for name in order}
    n = len(speakers)
    first_row = dict(zip(reversed(speakers), range(n - 1, -1, -1), strict=True))
    bounds = np.asarray([*starts[1:], n], np.int64)
    conversation_end = bounds[np.searchsorted(bounds, np.arange(n), "right")]
    set_at: dict[str, list[tuple[int, int, str, Any]]] = {name: [] for name in order}
    for key in keys:
        values = _column(objs, key, layouts)
        at = _first_values(speakers, values, first_row)
        if at is None:
            return None
        for name, (row, value) in at.items():
            if row < conversation_end[first_row[name]]:
                set_at[name].append((row, list(objs[row]).index(key), key[8:], value))
    return {name: {f: v for _, _, f, v in sorted(set_at[name])} for name in order}


def _first_values(
    speakers: list[str], values: list[Any], first_row: dict[str, int]
) -> dict[str, tuple[int, Any]] | None:
    """Each speaker's first non-null value and its row; None when a later one differs."""
    if None not in values:  # every row has a value: the first of each speaker's, all equal
        first = dict(zip(reversed(speakers), reversed(values), strict=True))
        if list(map(first.__getitem__, speakers)) != values:
            return None
        return {name: (first_row[name], value) for name, value in first.items()}
    at: dict[str, tuple[int, Any]] = {}
    for row, (name, value) in enumerate(zip(speakers, values, strict=True)):
        if value is None:
            continue
        seen = at.get(name)
        if seen is None:
            at[name] = (row, value)
        elif seen[1] != value:
            return None
    return at
