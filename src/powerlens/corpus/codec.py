"""Partials on disk as typed JSON (never pickle), so a resumed run can merge them again.

A measure's partial is a tree of dataclasses, dicts, lists, tuples, Counters, numpy arrays
and scalars. ``encode`` writes it as JSON with small type tags; ``decode`` rebuilds it.
Dataclasses are rebuilt only from ``powerlens.*`` modules, so reading a partial file can
construct powerlens data types and nothing else. Floats round-trip exactly (the shortest
text that reads back to the same double); NaN and infinities are tagged (``{"__f": "nan"}``),
and files written with JSON's ``NaN``/``Infinity`` extension still read back. A numeric numpy
array is stored as its little-endian bytes in base64 (bit for bit, and without a Python object
per element); other arrays as lists. The text is written and read with orjson (a partial file
is a few MB per partition), with the standard library where orjson cannot: integers past 64
bits, strings with lone surrogates, files holding ``NaN``.

Known limits: a dataclass with ``init=False`` fields, or a partial holding other objects
(sets, functions, open files), cannot be encoded and raises ``TypeError``.
"""

from __future__ import annotations

import base64
import dataclasses
import gc
import importlib
import json
import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

try:
    import orjson

    _fast_dumps: Any = orjson.dumps
    _fast_loads: Any = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency
    _fast_dumps = _fast_loads = None

_ALLOWED_PREFIX = "powerlens."
_SCALARS = frozenset({str, bool, int, float, type(None)})
_EXACT = frozenset({str, bool, int, type(None)})
"""Scalars written as they are (a float may need its tag)."""


def encode(value: Any) -> Any:
    """A JSON-ready tree for ``value``, with tags for the types JSON lacks."""
    kind = type(value)
    if value is None or kind in (str, bool, int):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"__f": repr(value)}
    if kind is list:
        return list(value) if _scalars(value) else [encode(v) for v in value]
    if kind is tuple:
        if _scalars(value):
            return {"__t": list(value)}
        return {"__t": [encode(v) for v in value]}
    if kind is Counter:
        return {"__c": [[_plain(k), _plain(v)] for k, v in value.items()]}
    if kind is dict:
        if all(type(k) is str and not k.startswith("__") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"__m": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":  # numbers: their bytes, little-endian, in base64
            raw = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<")).tobytes()
            return {
                "__nd": value.dtype.newbyteorder("<").str,
                "shape": list(value.shape),
                "b64": base64.b64encode(raw).decode("ascii"),
            }
        return {"__nd": str(value.dtype), "shape": list(value.shape), "data": value.tolist()}
    if isinstance(value, np.generic):
        return encode(value.item())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        tag, names = _FIELDS.get(kind) or _fields(kind)
        return {"__dc": tag, "fields": {name: _plain(getattr(value, name)) for name in names}}
    if hasattr(value, "items"):  # mappingproxy and other read-only mappings
        return {"__m": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot store a {kind.__name__} in a partial file")


_FIELDS: dict[type, tuple[str, tuple[str, ...]]] = {}


def _fields(cls: type) -> tuple[str, tuple[str, ...]]:
    """A dataclass's tag and field names, looked up once per class."""
    found = (f"{cls.__module__}:{cls.__qualname__}", tuple(f.name for f in dataclasses.fields(cls)))
    _FIELDS[cls] = found
    return found


def _scalars(values: list[Any] | tuple[Any, ...]) -> bool:
    """Whether every value is a scalar written as it is (no float to tag)."""
    kinds = set(map(type, values))
    if not _SCALARS.issuperset(kinds):
        return False
    return float not in kinds or all(math.isfinite(v) for v in values if type(v) is float)


def _plain(value: Any) -> Any:
    """``encode(value)``, a scalar without the call."""
    return value if type(value) in _EXACT else encode(value)


def _tree(tree: Any) -> Any:
    """``decode(tree)``, a scalar without the call."""
    return tree if type(tree) in _SCALARS else decode(tree)


def decode(tree: Any) -> Any:
    """The value ``encode`` wrote."""
    if type(tree) is list:
        return tree if _SCALARS.issuperset(map(type, tree)) else [decode(v) for v in tree]
    if type(tree) is not dict:
        return tree
    if "__t" in tree:
        items = tree["__t"]
        if _SCALARS.issuperset(map(type, items)):
            return tuple(items)
        return tuple(decode(v) for v in items)
    if "__f" in tree:
        return float(tree["__f"])
    if "__c" in tree:
        return Counter({_tree(k): _tree(v) for k, v in tree["__c"]})
    if "__m" in tree:
        return {_hashable(decode(k)): decode(v) for k, v in tree["__m"]}
    if "__nd" in tree:
        if "b64" in tree:
            raw = base64.b64decode(tree["b64"])
            array = np.frombuffer(raw, dtype=np.dtype(tree["__nd"])).reshape(tree["shape"])
            return array.astype(array.dtype.newbyteorder("="))  # a writable, native copy
        return np.asarray(tree["data"], dtype=np.dtype(tree["__nd"])).reshape(tree["shape"])
    if "__dc" in tree:
        cls = _dataclass(tree["__dc"])
        return cls(**{name: _tree(v) for name, v in tree["fields"].items()})
    return {k: decode(v) for k, v in tree.items()}


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


_CLASSES: dict[str, Any] = {}


def _dataclass(name: str) -> Any:
    """The powerlens dataclass a tag names (checked once per tag)."""
    found = _CLASSES.get(name)
    if found is None:
        found = _CLASSES[name] = _find_dataclass(name)
    return found


def _find_dataclass(name: str) -> Any:
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(_ALLOWED_PREFIX):
        raise ValueError(f"refusing to build {name!r}: only powerlens types are read back")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and dataclasses.is_dataclass(obj)):
        raise ValueError(f"{name!r} is not a dataclass")
    return obj


def dumps(value: Any) -> str:
    """``value`` as typed JSON text."""
    with _no_collection():
        tree = encode(value)
        if _fast_dumps is not None:
            try:
                text: str = _fast_dumps(tree).decode("utf-8")
                return text
            except TypeError:  # an integer past 64 bits, a string with a lone surrogate
                pass
        return json.dumps(tree, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """The value in typed JSON text."""
    with _no_collection():
        try:
            tree = (_fast_loads or json.loads)(text)
        except ValueError:  # NaN written by earlier versions, integers past 64 bits, ...
            tree = json.loads(text)
        return decode(tree)


@contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: a partial is a tree of many small objects and no
    cycles, and collecting while it is built costs more than building it."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
