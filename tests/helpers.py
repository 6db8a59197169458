"""Helpers for tests: small hand-written conversations and paths."""

from __future__ import annotations

from pathlib import Path

from powerlens.model import Conversation, Utterance

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def conversation(*turns: tuple[str, str], **kwargs: object) -> Conversation:
    """A conversation from ``(speaker, text)`` pairs, ids u0, u1, ..."""
    utterances = tuple(
        Utterance(id=f"u{i}", speaker=speaker, text=text) for i, (speaker, text) in enumerate(turns)
    )
    return Conversation(id="test", utterances=utterances, **kwargs)  # type: ignore[arg-type]
