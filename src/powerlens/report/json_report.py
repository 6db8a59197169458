"""The JSON report contract, ``powerlens.report/1``.

A public interface: later versions add fields, and never rename or drop one without a new
schema version. ``schema/report-1.json`` in the package is its JSON Schema.

``write`` streams the report to a file a piece at a time, so a chat history of hundreds of
thousands of messages never holds its whole report text (or a dict of every utterance) in
memory; ``render`` returns the same text as a string. The text is exactly what
``json.dumps(..., ensure_ascii=False, indent=2)`` writes: each element of the long lists is
encoded with orjson, and where orjson's text could differ from the standard library's (numbers
below 1e-4 in exponent form, integers over 64 bits, lone surrogates, non-string keys, types
orjson and json treat differently) that element is encoded with ``json`` instead.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any

import orjson

from powerlens.model import ConversationReport, Report, Signal

SCHEMA = "powerlens.report/1"

CORE_FIELDS = frozenset(
    {
        "id",
        "source",
        "context",
        "counts",
        "utterances",
        "speakers",
        "signals",
        "scores",
        "findings",
        "measures",
        "skipped",
        "meta",
    }
)


def signal_dict(signal: Signal) -> dict[str, Any]:
    """One signal as the contract writes it (``subtype`` only when set)."""
    data: dict[str, Any] = {
        "utterance_id": signal.utterance_id,
        "speaker": signal.speaker,
        "target": signal.target,
        "family": signal.family,
        "label": signal.label,
        "span": list(signal.span),
        "score": round(signal.score, 4),
        "source": signal.source,
    }
    if signal.subtype is not None:
        data["subtype"] = signal.subtype
    return data


class Rows:
    """A list the writer encodes element by element as it makes them (never held whole)."""

    def __init__(self, make: Callable[[], Iterable[Any]]) -> None:
        self.make = make

    def __iter__(self) -> Iterator[Any]:
        return iter(self.make())


def conversation_dict(report: ConversationReport) -> dict[str, Any]:
    """One conversation's report as a JSON-ready dict."""
    data = _conversation_fields(report)
    return {k: list(v) if isinstance(v, Rows) else v for k, v in data.items()}


def _utterance_rows(report: ConversationReport) -> Iterator[dict[str, Any]]:
    for i, u in enumerate(report.conversation.utterances):
        yield {
            "id": u.id,
            "index": i,
            "speaker": u.speaker,
            "text": u.text,
            "start": u.start,
            "end": u.end,
            "reply_to": u.reply_to,
        }


def _conversation_fields(report: ConversationReport) -> dict[str, Any]:
    """``conversation_dict`` with the utterances and signals as ``Rows``, made when written."""
    conversation = report.conversation
    data: dict[str, Any] = {
        "id": conversation.id,
        "source": conversation.source,
        "context": list(conversation.context),
        "meta": dict(conversation.meta),
        "counts": {
            "read": conversation.read_count,
            "analysed": len(conversation.utterances),
            "rejected": [{"line": r.line, "reason": r.reason} for r in conversation.rejected],
        },
        "utterances": Rows(lambda: _utterance_rows(report)),
        "speakers": report.speakers,
        "signals": Rows(lambda: map(signal_dict, report.signals)),
        "scores": report.scores,
        "findings": [
            {
                "concept": f.concept,
                "statement": f.statement,
                "strength": round(f.strength, 4),
                "strength_basis": f.strength_basis,
                "evidence": list(f.evidence),
                "prompt": f.prompt,
            }
            for f in report.findings
        ],
        "measures": report.measures,
        "skipped": report.skipped,
    }
    for name, section in report.sections.items():
        if name in CORE_FIELDS:
            raise ValueError(f"section {name!r} would overwrite a core field of the contract")
        data[name] = section
    return data


def to_dict(report: Report) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    return {
        "schema": SCHEMA,
        "conversations": [conversation_dict(c) for c in report.conversations],
    }


def _clean(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) with None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def render(report: Report) -> str:
    """The report as indented JSON text."""
    buffer = io.StringIO()
    write(report, buffer)
    return buffer.getvalue()


def write(report: Report, out: IO[str]) -> None:
    """Write the report to ``out`` as indented JSON text (``render``'s text, without a final
    newline), encoding one utterance, signal or section entry at a time."""
    document = {
        "schema": SCHEMA,
        "conversations": Rows(lambda: map(_conversation_fields, report.conversations)),
    }
    _write(document, 0, out)


STREAM_DEPTH = 3
"""Dicts above this nesting depth (the document, a conversation) are written key by key;
deeper ones, and each element of a long list, are encoded whole."""
STREAM_LENGTH = 32
"""Lists longer than this are written a batch of elements at a time."""
BATCH = 256
"""Elements encoded by one orjson call."""
_ORJSON = (
    orjson.OPT_INDENT_2
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
_NEGATIVE_EXPONENT = re.compile(r"\de-")
"""Where orjson's number text may differ from json's: negative exponents ("1e-5" against
json's "1e-05") and numbers below 1e-4 written out ("0.00001"). A match inside a string only
costs the slower encoder."""


def _write(value: Any, level: int, out: IO[str]) -> None:
    """Write ``value`` as ``json.dumps(value, ensure_ascii=False, indent=2)`` would at nesting
    ``level``."""
    if isinstance(value, Rows) or (isinstance(value, list) and len(value) > STREAM_LENGTH):
        if level + 1 < STREAM_DEPTH:
            _write_items(((None, v) for v in value), "[]", level, out)
        else:
            _write_batches(iter(value), level, out)
    elif (
        isinstance(value, dict)
        and level < STREAM_DEPTH
        and value
        and all(isinstance(k, str) for k in value)
    ):
        _write_items(iter(value.items()), "{}", level, out)
    else:
        out.write(_encode(value, level))


def _write_items(
    items: Iterator[tuple[str | None, Any]], brackets: str, level: int, out: IO[str]
) -> None:
    """A dict's items (or a list's elements, keyed None), each written by ``_write``."""
    inner = "\n" + "  " * (level + 1)
    opened = False
    for key, value in items:
        out.write("," + inner if opened else brackets[0] + inner)
        opened = True
        if key is not None:
            out.write(json.dumps(key, ensure_ascii=False) + ": ")
        _write(value, level + 1, out)
    out.write("\n" + "  " * level + brackets[1] if opened else brackets)


def _write_batches(values: Iterator[Any], level: int, out: IO[str]) -> None:
    """A long list whose elements are encoded whole, ``BATCH`` elements per orjson call."""
    pad = "\n" + "  " * level
    opened = False
    while batch := list(islice(values, BATCH)):
        text = _orjson_text(batch)
        if text is None:  # one element at a time, each falling back to json if need be
            for value in batch:
                out.write(("," if opened else "[") + pad + "  " + _encode(value, level + 1))
                opened = True
            continue
        body = text[2:-2]  # the elements, without the batch's own "[\n" and "\n]"
        out.write(("," if opened else "[") + pad + (body.replace("\n", pad) if level else body))
        opened = True
    out.write(pad + "]" if opened else "[]")


def _orjson_text(value: Any) -> str | None:
    """orjson's indented text of ``value`` where it is exactly json's, else None."""
    try:
        text = orjson.dumps(value, option=_ORJSON).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError included
        return None
    if "0.0000" in text or ("e-" in text and _NEGATIVE_EXPONENT.search(text) is not None):
        return None
    return text


def _encode(value: Any, level: int) -> str:
    """One value's indented JSON text at nesting ``level``: orjson's where it is json's."""
    text = _orjson_text(value)
    if text is None:
        text = json.dumps(_clean(value), ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + "  " * level) if level else text
