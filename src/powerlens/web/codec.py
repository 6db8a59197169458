"""Conversations and their reports as JSON text, for the case file and the analysis worker.

A case stores the conversation as read and the report the worker made of it, so opening a
case renders the stored report and never analyses again. The report is stored without its
conversation (that is stored once, beside it) and rebuilt around it. JSON, never pickle:
the case file holds data only. Tuples inside report sections come back as lists, which the
renderers treat alike (``tests/test_web_store.py`` renders both and compares).
"""

from __future__ import annotations

import json
from typing import Any

from powerlens.model import (
    Conversation,
    ConversationReport,
    Finding,
    Rejection,
    Signal,
    Speaker,
    Utterance,
)


def conversation_to_json(conversation: Conversation) -> str:
    """The conversation as JSON (metadata that is not JSON becomes text)."""
    data = {
        "id": conversation.id,
        "source": conversation.source,
        "context": list(conversation.context),
        "meta": dict(conversation.meta),
        "speakers": {name: dict(s.meta) for name, s in conversation.speakers.items()},
        "rejected": [[r.line, r.reason] for r in conversation.rejected],
        "utterances": [
            [u.id, u.speaker, u.text, u.start, u.end, u.reply_to, u.line, dict(u.meta)]
            for u in conversation.utterances
        ],
    }
    return json.dumps(data, ensure_ascii=False, default=str)


def conversation_from_json(text: str) -> Conversation:
    """The conversation stored by ``conversation_to_json``."""
    data: dict[str, Any] = json.loads(text)
    return Conversation(
        id=data["id"],
        utterances=tuple(
            Utterance(id=i, speaker=s, text=t, start=a, end=b, reply_to=r, line=n, meta=m)
            for i, s, t, a, b, r, n, m in data["utterances"]
        ),
        source=data["source"],
        context=tuple(data["context"]),
        speakers={name: Speaker(name, meta) for name, meta in data["speakers"].items()},
        meta=data["meta"],
        rejected=tuple(Rejection(line, reason) for line, reason in data["rejected"]),
    )


def report_to_json(report: ConversationReport) -> str:
    """Everything in a conversation's report except the conversation itself, as JSON."""
    data = {
        "speakers": report.speakers,
        "signals": [
            [s.utterance_id, s.speaker, s.family, s.label, list(s.span), s.score, s.source,
             s.target, s.subtype]
            for s in report.signals
        ],
        "scores": report.scores,
        "sections": report.sections,
        "findings": [
            [f.concept, f.statement, f.strength, list(f.evidence), f.prompt, f.strength_basis]
            for f in report.findings
        ],
        "measures": report.measures,
        "skipped": report.skipped,
    }
    return json.dumps(data, ensure_ascii=False, default=str)


def report_from_json(text: str, conversation: Conversation) -> ConversationReport:
    """The report stored by ``report_to_json``, around its stored conversation."""
    data: dict[str, Any] = json.loads(text)
    return ConversationReport(
        conversation=conversation,
        speakers=data["speakers"],
        signals=[
            Signal(u, speaker, family, label, (span[0], span[1]), score, source, target, sub)
            for u, speaker, family, label, span, score, source, target, sub in data["signals"]
        ],
        scores=data["scores"],
        sections=data["sections"],
        findings=[
            Finding(concept, statement, strength, tuple(evidence), prompt, basis)
            for concept, statement, strength, evidence, prompt, basis in data["findings"]
        ],
        measures=data["measures"],
        skipped=data["skipped"],
    )
