"""Shared helpers for the moves tests: labels that fired on one utterance."""

from __future__ import annotations

from powerlens.measures.moves.detect import hits


def labels(text: str, family: str) -> set[str]:
    """Labels of ``family`` that fire on ``text`` after the context checks."""
    return {h.label for h in hits(text, family)}


def subtypes(text: str, family: str, label: str) -> set[str | None]:
    """Subtypes of ``label`` that fire on ``text``."""
    return {h.subtype for h in hits(text, family) if h.label == label}
