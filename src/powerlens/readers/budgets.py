"""Reading budgets: limits on the work one input may cause, checked before the work is done.

A file-size limit alone does not bound the work: a 1.4 KB Parquet file can expand to 32 MiB
of text, a zip to gigabytes, one 1 MB email header costs the standard library's address
parser over a minute, and deeply nested JSON exhausts the interpreter's stack. Each budget
below bounds one of these; each is enforced where the input is first seen, before the
expensive step, and going over it is a clear error (or, for one line of a line-based format, a
rejection with the reason) that names the file, the line and the option that raises it.

Each ``--limit NAME=N`` (default; what it bounds; what happens over it):

- ``input-mb`` (200): total size of what one command reads -- files, a folder's files, an
  archive's members; PL107 (PL104 for one file read whole);
- ``decompressed-mb`` (200): bytes after decompression -- a zip's members, a gzip file, the
  text in a Parquet file; PL108;
- ``rows`` (10,000,000): rows in one Parquet file; PL109;
- ``members`` (10,000): files in one folder or archive; PL117;
- ``utterance-chars`` (100,000): characters in one utterance; the utterance is rejected, its
  reason tagged PL113;
- ``header-chars`` (16,384): characters in one email header; the message is rejected, its
  reason tagged PL114;
- ``depth`` (64): nesting of JSON arrays and objects; PL115 for a whole-file format, a
  rejected line in JSONL;
- ``line-mb`` (16): one line of a JSONL file; the line is rejected.

The budgets in force are a context variable, so that a web worker or a test can tighten them
for one call without touching others: ``with budgets.limits(depth=16): load(path)``. The CLI
sets them from ``--limit`` options (``powerlens analyze FILE --limit depth=200``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from powerlens.errors import InputError, UsageError

MIB = 2**20


@dataclass(frozen=True)
class Budgets:
    """The limits in force; sizes in bytes, the others in counts. See the module docstring."""

    input_bytes: int = 200 * MIB
    decompressed_bytes: int = 200 * MIB
    rows: int = 10_000_000
    members: int = 10_000
    utterance_chars: int = 100_000
    header_chars: int = 16_384
    depth: int = 64
    line_bytes: int = 16 * MIB


LIMITS: dict[str, tuple[str, int, str]] = {
    "input-mb": ("input_bytes", MIB, "total size of the input, in MiB"),
    "decompressed-mb": ("decompressed_bytes", MIB, "bytes after decompression, in MiB"),
    "rows": ("rows", 1, "rows in one Parquet file"),
    "members": ("members", 1, "files in one folder or archive"),
    "utterance-chars": ("utterance_chars", 1, "characters in one utterance"),
    "header-chars": ("header_chars", 1, "characters in one email header"),
    "depth": ("depth", 1, "nesting depth of JSON"),
    "line-mb": ("line_bytes", MIB, "bytes in one JSONL line, in MiB"),
}
"""``--limit`` name -> (``Budgets`` field, unit in bytes or 1, what it bounds)."""

DEFAULTS = Budgets()
_current: ContextVar[Budgets] = ContextVar("powerlens_budgets", default=DEFAULTS)


def current() -> Budgets:
    """The budgets in force for this thread or task."""
    return _current.get()


@contextlib.contextmanager
def use(budgets: Budgets) -> Iterator[Budgets]:
    """Put ``budgets`` in force for the block (restored afterwards, even on error)."""
    token = _current.set(budgets)
    try:
        yield budgets
    finally:
        _current.reset(token)


def limits(**changes: float) -> contextlib.AbstractContextManager[Budgets]:
    """The budgets in force with some limits changed by their ``--limit`` names written with
    underscores: ``with limits(depth=200, input_mb=1024): ...``."""
    return use(changed(current(), {name.replace("_", "-"): v for name, v in changes.items()}))


def changed(base: Budgets, values: dict[str, float]) -> Budgets:
    """``base`` with the limits named in ``values`` (``--limit`` names) set."""
    updates: dict[str, int] = {}
    for name, value in values.items():
        if name not in LIMITS:
            raise UsageError(
                f"unknown limit {name!r}.", fix=f"choose from: {', '.join(LIMITS)}."
            )
        if not value > 0 or value != value:
            raise UsageError(f"limit {name} must be a positive number, not {value!r}.")
        field, unit, _ = LIMITS[name]
        updates[field] = max(1, int(value * unit))
    return dataclasses.replace(base, **updates)


def parse(options: Iterable[str]) -> Budgets:
    """The default budgets with ``NAME=N`` options (``--limit depth=200``) applied."""
    values: dict[str, float] = {}
    for option in options:
        name, sep, text = option.partition("=")
        try:
            number = float(text.replace("_", "").replace(",", ""))
        except ValueError:
            number = float("nan")
        if not sep or number != number:
            raise UsageError(
                f"--limit {option!r} is not NAME=NUMBER.",
                fix=f"e.g. --limit depth=200; names: {', '.join(LIMITS)}.",
            )
        values[name.strip().lower()] = number
    return changed(DEFAULTS, values)


def raise_with(name: str, needed: float | None = None) -> str:
    """The fix text naming the option that raises limit ``name``."""
    field, unit, _ = LIMITS[name]
    if needed is None:
        return f"raise it with --limit {name}=N (now {_shown(getattr(current(), field), unit)})."
    suggestion = max(needed, getattr(current(), field) / unit + 1)
    return f"raise it with --limit {name}={_shown(suggestion * unit, unit)} or more."


def _shown(value: float, unit: int) -> str:
    number = value / unit
    return f"{number:.0f}" if unit == 1 or number >= 10 else f"{number:.1f}"


def over(name: str, amount: float) -> bool:
    """True when ``amount`` (bytes or a count) is over limit ``name``."""
    field, _, _ = LIMITS[name]
    return bool(amount > getattr(current(), field))


def limit_text(name: str) -> str:
    """The limit's value in its own unit, for messages: ``'200 MiB'``, ``'64'``."""
    field, unit, _ = LIMITS[name]
    value = getattr(current(), field)
    return f"{_shown(value, unit)} MiB" if unit == MIB else f"{value:,}"


def refuse(
    path: str | Path,
    name: str,
    what: str,
    amount: float,
    *,
    code: str,
    line: int | None = None,
) -> InputError:
    """The error for input over limit ``name``: ``what`` has ``amount``, over the limit."""
    _, unit, _ = LIMITS[name]
    shown = f"{amount / MIB:,.1f} MiB" if unit == MIB else f"{amount:,.0f}"
    return InputError(
        path,
        f"{what} is {shown}, over the {limit_text(name)} limit ({name}); refused before "
        "reading further.",
        line=line,
        code=code,
        fix=raise_with(name, amount / unit if unit == MIB else amount),
    )


def utterance_reason(chars: int) -> str:
    """The rejection reason of an utterance over ``utterance-chars``."""
    return (
        f"[PL113] utterance has {chars:,} characters, over the {limit_text('utterance-chars')} "
        f"limit; {raise_with('utterance-chars', chars)}"
    )


__all__ = [
    "DEFAULTS",
    "LIMITS",
    "Budgets",
    "changed",
    "current",
    "limit_text",
    "limits",
    "over",
    "parse",
    "raise_with",
    "refuse",
    "use",
    "utterance_reason",
]
