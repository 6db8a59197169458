"""The JSON report contract, ``powerlens.report/1``.

A public interface: later versions add fields, and never rename or drop one without a new
schema version. ``schema/report-1.json`` in the package is its JSON Schema.
"""

from __future__ import annotations

import json
import math
from typing import Any

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


def conversation_dict(report: ConversationReport) -> dict[str, Any]:
    """One conversation's report as a JSON-ready dict."""
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
        "utterances": [
            {
                "id": u.id,
                "index": i,
                "speaker": u.speaker,
                "text": u.text,
                "start": u.start,
                "end": u.end,
                "reply_to": u.reply_to,
            }
            for i, u in enumerate(conversation.utterances)
        ],
        "speakers": report.speakers,
        "signals": [signal_dict(s) for s in report.signals],
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
    return json.dumps(_clean(to_dict(report)), ensure_ascii=False, indent=2)
