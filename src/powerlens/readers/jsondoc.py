"""Whole JSON documents (chat-app exports), read within the budgets and with line numbers.

Telegram's ``result.json``, Discord, Meta and Google Chat exports and Slack day files are each
one JSON document. ``load`` reads one: the size, empty, binary and encoding checks of
``textfile``; then the nesting depth is measured over the raw bytes (numpy, no parsing) and a
document deeper than the ``depth`` budget is refused with the line where it goes too deep,
before any parser recurses into it; then orjson parses it (its own hard limit, 1,024 levels,
is never reached). Parse errors name the line and column.

Exports are pretty-printed, so a line number is worth reporting: ``Document.line(obj)`` gives
the line where a list or object of the parsed value begins. The openers ``[`` and ``{`` found
in the bytes (outside strings) are matched, in document order, with the containers of a
pre-order walk of the parsed value; if the counts differ (a repeated key whose value was a
container), lines are unknown (None) rather than wrong.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from powerlens.errors import InputError
from powerlens.readers import budgets, textfile

_OPEN = (0x5B, 0x7B)
_CLOSE = (0x5D, 0x7D)


@dataclass(frozen=True)
class Profile:
    """Where a JSON text's containers open and how deep it nests (strings skipped)."""

    max_depth: int
    openers: np.ndarray = field(repr=False)
    depths: np.ndarray = field(repr=False)


def profile(data: bytes) -> Profile:
    """The offsets and depths of the ``[``/``{`` openers of ``data`` outside strings."""
    a = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(a == 0x22)
    if quotes.size:
        after_slash = quotes[(quotes > 0) & (a[quotes - 1] == 0x5C)]
        escaped = [q for q in after_slash.tolist() if _escaped(data, q)]
        if escaped:
            quotes = np.setdiff1d(quotes, np.asarray(escaped, dtype=quotes.dtype))
    brackets = np.flatnonzero((a == 0x5B) | (a == 0x7B) | (a == 0x5D) | (a == 0x7D))
    if quotes.size and brackets.size:
        inside = np.searchsorted(quotes, brackets) % 2 == 1
        brackets = brackets[~inside]
    if not brackets.size:
        empty = np.zeros(0, dtype=np.int64)
        return Profile(0, empty, empty)
    opens = (a[brackets] == 0x5B) | (a[brackets] == 0x7B)
    depth = np.cumsum(np.where(opens, 1, -1))
    return Profile(int(depth.max(initial=0)), brackets[opens], depth[opens])


def _escaped(data: bytes, quote: int) -> bool:
    """True when the quote at ``quote`` follows an odd run of backslashes."""
    run = 0
    position = quote - 1
    while position >= 0 and data[position] == 0x5C:
        run += 1
        position -= 1
    return run % 2 == 1


def too_deep(data: bytes | str) -> tuple[int, int] | None:
    """``(depth, byte offset)`` of the first container past the ``depth`` budget, else None.

    Cheap for the common case: a text with fewer openers than the limit cannot exceed it.
    """
    limit = budgets.current().depth
    if isinstance(data, str):
        if data.count("[") + data.count("{") <= limit:
            return None
        data = data.encode("utf-8", "surrogatepass")
    elif data.count(b"[") + data.count(b"{") <= limit:
        return None
    found = profile(data)
    if found.max_depth <= limit:
        return None
    first = int(np.argmax(found.depths > limit))
    return found.max_depth, int(found.openers[first])


def depth_reason(depth: int) -> str:
    """The rejection reason of a JSON line nested past the ``depth`` budget."""
    return (
        f"[PL115] JSON nested {depth} levels deep, over the {budgets.limit_text('depth')} limit; "
        f"{budgets.raise_with('depth', depth)}"
    )


def value_depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (iterative: never recurses)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return deepest


@dataclass
class Document:
    """A parsed JSON document and the line where each of its containers begins."""

    path: Path
    value: Any
    _openers: np.ndarray = field(repr=False)
    _newlines: np.ndarray = field(repr=False)
    _lines: dict[int, int] | None = field(default=None, repr=False)
    max_depth: int = 6
    """Containers deeper than this get no line (keeps the map small: messages, not spans)."""

    def line(self, container: Any) -> int | None:
        """The 1-based line where ``container`` (a list or dict of ``value``) begins."""
        if self._lines is None:
            self._lines = self._map()
        return self._lines.get(id(container))

    def _map(self) -> dict[int, int]:
        ids: list[int] = []
        keep: list[int] = []
        stack: list[tuple[Any, int]] = [(self.value, 1)]
        index = 0
        while stack:
            item, depth = stack.pop()
            if isinstance(item, dict):
                children = list(item.values())
            elif isinstance(item, list):
                children = item
            else:
                continue
            if depth <= self.max_depth:
                ids.append(id(item))
                keep.append(index)
            index += 1
            stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, (dict, list)))
        if index != len(self._openers):
            return {}
        offsets = self._openers[np.asarray(keep, dtype=np.int64)] if keep else self._openers[:0]
        lines = np.searchsorted(self._newlines, offsets) + 1
        return dict(zip(ids, lines.tolist(), strict=True))


def load(
    path: Path,
    *,
    invalid_code: str,
    expected: str,
    encoding: str | None = None,
    repair: Callable[[bytes], bytes] | None = None,
    data: bytes | None = None,
) -> Document:
    """Read and parse the JSON document at ``path`` within the budgets.

    ``invalid_code`` is the error code for text that is not JSON; ``expected`` says what the
    file should be (for messages). ``repair`` may fix a known quirk of an exporter's bytes
    before parsing. ``data`` is the file's bytes when the caller has read them already.
    """
    if data is None:
        textfile.check_size(path)
        data = path.read_bytes()
    data = _utf8(path, data, encoding)
    if repair is not None:
        data = repair(data)
    found = profile(data)
    limit = budgets.current().depth
    if found.max_depth > limit:
        first = int(np.argmax(found.depths > limit))
        line = data.count(b"\n", 0, int(found.openers[first])) + 1
        raise InputError(
            path,
            f"JSON nested {found.max_depth} levels deep, over the {budgets.limit_text('depth')} "
            f"limit (depth); expected {expected}.",
            line=line,
            code="PL115",
            fix=budgets.raise_with("depth", found.max_depth),
        )
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        if "UTF-8" in error.msg:
            textfile.decode(path, data, "utf-8")  # raises PL103 naming the line and column
        raise InputError(
            path,
            f"is not valid JSON: {error.msg} (column {error.colno}); expected {expected}.",
            line=error.lineno,
            code=invalid_code,
            fix="re-export it, or repair the file at that line.",
        ) from None
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x0A)
    return Document(path, value, found.openers, newlines)


def _utf8(path: Path, data: bytes, encoding: str | None) -> bytes:
    """``data`` as UTF-8 bytes without a BOM, after the empty and binary checks."""
    textfile.check_bytes(path, data)
    plain = encoding is None or codecs.lookup(encoding).name == "utf-8"
    if plain and not data.startswith(textfile.WIDE_BOMS):
        return data[3:] if data.startswith(codecs.BOM_UTF8) else data
    return textfile.decode(path, data, encoding).encode("utf-8", "surrogatepass")


def loads_small(raw: bytes | str) -> Any:
    """Parse a small JSON text (a line, a cell) after the depth check; ``ValueError`` when it
    is not JSON, ``DepthError`` when it nests past the budget."""
    deep = too_deep(raw)
    if deep is not None:
        raise DepthError(deep[0])
    return orjson.loads(raw)


class DepthError(ValueError):
    """A JSON text nests deeper than the ``depth`` budget."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        super().__init__(depth_reason(depth))


__all__ = [
    "DepthError",
    "Document",
    "Profile",
    "depth_reason",
    "load",
    "loads_small",
    "profile",
    "too_deep",
    "value_depth",
]
