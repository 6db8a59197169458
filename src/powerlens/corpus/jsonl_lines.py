"""The lines of a JSONL file where the conversation may change, for the partition plan.

``conversation_changes(path, kind)`` yields ``(line, offset, conversation id)`` in file order
for every line that could change the current conversation, and last ``(lines + 1, bytes,
None)``, where the file ends. A line's conversation id is the one the JSON parse gives
(``conversation_id``; for a ConvoKit file, else ``root``), None for a blank, invalid or
non-object line or a missing, null or empty id; a line left out has no effect on a plan that
changes conversation only at a line whose id is not None and differs from the current one.

An interchange (``jsonl``) file is not parsed line by line: numpy finds each line's
``"conversation_id"`` key in the raw bytes and the value after it, and only the first line of
each run of lines naming the same value is parsed (with orjson, the lines after it too while
they parse to None). That is exact because of what the bytes of a line without a backslash
can mean (no JSON escape, so every ``"`` opens or closes a string and a key is spelled as it
reads):

- no ``"conversation_id"`` in the line: the parse gives None (left out);
- one, followed by ``:`` and a string value ``v``: the parse gives ``v`` or None (a nested
  key, an invalid line), and a line of a run after one that gave ``v`` changes nothing.

Any other line (a backslash, the key twice, another value or spacing, a value longer than
``_VALUE_BYTES``) is parsed. A ConvoKit ``utterances.jsonl`` (whose ``root`` stands in for
a missing id) is parsed line by line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

try:
    import orjson

    _loads: Any = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency
    import json

    _loads = json.loads

IntArray = npt.NDArray[np.int64]
Change = tuple[int, int, str | None]
BLOCK_BYTES = 4 * 2**20
_KEY = np.frombuffer(b'"conversation_id"', np.uint8)
_VALUE_BYTES = 64
"""A value this long or longer is read by the parse."""


def conversation_changes(path: Path, kind: str) -> Iterator[Change]:
    """``(line, offset, id)`` of every line that may change the conversation, then the end
    (see the module)."""
    number, offset = 1, 0
    scan = _scan_bytes if kind == "jsonl" else _scan_every
    for block in _blocks(path):
        ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
        if not block.endswith(b"\n"):
            ends = np.append(ends, len(block))
        starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
        for row, cid in scan(block, starts, ends.astype(np.int64), kind):
            yield number + row, offset + int(starts[row]), cid
        number += len(starts)
        offset += len(block)
    yield number, offset, None


def _blocks(path: Path) -> Iterator[bytes]:
    """The file in blocks of whole lines (the last one may lack its newline)."""
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            block = tail + block
            end = block.rfind(b"\n") + 1
            if end:
                yield block[:end]
            tail = block[end:]
    if tail:
        yield tail


def _scan_every(
    block: bytes, starts: IntArray, ends: IntArray, kind: str
) -> list[tuple[int, str | None]]:
    """Every line's id, by parsing it (``starts``/``ends``: where each line begins and
    where its newline is, or the block ends)."""
    lines = [block[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return list(enumerate(_ids(lines, kind)))


def _scan_bytes(
    block: bytes, starts: IntArray, ends: IntArray, kind: str
) -> list[tuple[int, str | None]]:
    """The ids of the lines that may change the conversation (see the module)."""
    raw = np.frombuffer(block, np.uint8)
    n = len(starts)
    at = _key_positions(raw)
    line_of = np.searchsorted(ends, at, "right")
    keys = np.bincount(line_of, minlength=n)
    escaped = np.bincount(np.searchsorted(ends, np.flatnonzero(raw == 92), "right"), minlength=n)
    begin, length = _values(raw, at + len(_KEY), ends[line_of])
    plain = (keys[line_of] == 1) & (length >= 0) & (escaped[line_of] == 0)
    sure = np.zeros(n, bool)  # one key, a string value, no backslash
    sure[line_of[plain]] = True
    value_at = np.zeros(n, np.int64)
    value_at[line_of[plain]] = begin[plain]
    value_length = np.full(n, -1, np.int64)
    value_length[line_of[plain]] = length[plain]
    rows = np.flatnonzero((keys > 0) | (escaped > 0))  # every line the parse may give an id
    before, after = rows[:-1], rows[1:]
    follows = sure[after] & sure[before] & (value_length[after] == value_length[before])
    follows[follows] = _same_bytes(
        raw, value_at[before[follows]], value_at[after[follows]], value_length[after[follows]]
    )
    same = np.zeros(n, bool)  # a sure line naming what the line before it in rows names
    same[after[follows]] = True
    runs = np.append(np.flatnonzero(~same[rows]), len(rows)).tolist()  # in rows
    found: list[tuple[int, str | None]] = []
    for head, end in zip(runs[:-1], runs[1:], strict=True):
        for row in rows[head:end].tolist():  # the run's lines until one gives its id
            cid = _conversation_id(block[starts[row] : ends[row]], kind)
            found.append((row, cid))
            if cid is not None:
                break
    return found


def _key_positions(raw: npt.NDArray[np.uint8]) -> IntArray:
    """Where ``"conversation_id"`` begins in the bytes (found from its ``_``)."""
    at = np.flatnonzero(raw == 95) - 13
    at = at[(at >= 0) & (at + len(_KEY) <= len(raw))]
    for j, byte in enumerate(_KEY.tolist()):
        if j != 13:
            at = at[raw[at + j] == byte]
    return at.astype(np.int64)


def _values(
    raw: npt.NDArray[np.uint8], after: IntArray, line_end: IntArray
) -> tuple[IntArray, IntArray]:
    """For each key ending at ``after``: where the string value right after ``:`` or ``: ``
    begins and its length in bytes; length -1 where the value is not such a string, closed
    within ``_VALUE_BYTES`` bytes and its line."""
    last = len(raw) - 1
    colon = raw[np.minimum(after, last)] == ord(":")
    second = raw[np.minimum(after + 1, last)]
    spaced = (second == ord(" ")) & (raw[np.minimum(after + 2, last)] == ord('"'))
    begin = np.where(spaced, after + 3, after + 2)
    length = np.full(len(after), -1, np.int64)
    open_ = np.flatnonzero(colon & ((second == ord('"')) | spaced) & (begin <= line_end))
    for j in range(_VALUE_BYTES):
        at = begin[open_] + j
        inside = at < line_end[open_]
        closed = inside & (raw[np.minimum(at, last)] == ord('"'))
        length[open_[closed]] = j
        open_ = open_[inside & ~closed]
        if not len(open_):
            break
    return begin, length


def _same_bytes(
    raw: npt.NDArray[np.uint8], a: IntArray, b: IntArray, length: IntArray
) -> npt.NDArray[np.bool_]:
    """Whether ``raw[a:a + length]`` equals ``raw[b:b + length]``, pair by pair."""
    same = np.ones(len(a), bool)
    for j in range(int(length.max(initial=0))):
        check = np.flatnonzero(same & (length > j))
        same[check] = raw[a[check] + j] == raw[b[check] + j]
    return same


def _ids(lines: list[bytes], kind: str) -> list[str | None]:
    """``_conversation_id`` of each line; a line at a time, without holding the objects."""
    loads = _loads
    try:
        if kind == "convokit":
            ids = [
                (c if (c := o.get("conversation_id")) is not None else o.get("root"))
                if type(o := loads(line)) is dict
                else None
                for line in lines
            ]
        else:
            ids = [
                o.get("conversation_id") if type(o := loads(line)) is dict else None
                for line in lines
            ]
    except ValueError:
        return [_conversation_id(line, kind) for line in lines]
    return [None if c is None or c == "" else c if type(c) is str else str(c) for c in ids]


def _conversation_id(raw: bytes, kind: str) -> str | None:
    if not raw.strip():
        return None
    try:
        obj = _loads(raw)
    except ValueError:
        return None
    if type(obj) is not dict:
        return None
    cid = obj.get("conversation_id")
    if cid is None and kind == "convokit":
        cid = obj.get("root")
    return None if cid is None or cid == "" else str(cid)
