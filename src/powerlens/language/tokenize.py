"""A fast, dependency-free word tokeniser.

Words are runs of letters or digits, keeping internal apostrophes ("don't", "I'm") so that
function-word lexicons match contractions. Tokens are lowercased strings; character offsets
are computed only when a measure needs a span, so bulk runs hold no per-token objects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from powerlens.model import Conversation

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

Tokens = list[list[str]]
"""Lowercased word tokens, one list per utterance, aligned with ``Conversation.utterances``."""


def tokenize(text: str) -> list[str]:
    """Lowercased word tokens of ``text`` (curly apostrophes normalised to straight ones)."""
    return WORD.findall(text.lower().replace("’", "'"))


def token_spans(text: str) -> list[tuple[int, int]]:
    """Character ``(start, end)`` of each token of ``text``, aligned with ``tokenize(text)``."""
    return [m.span() for m in WORD.finditer(text)]


def tokenize_conversation(conversation: Conversation | Sequence[str]) -> Tokens:
    """Tokenise every utterance of a conversation (or a list of texts) once."""
    if isinstance(conversation, Conversation):
        return [tokenize(u.text) for u in conversation.utterances]
    return [tokenize(text) for text in conversation]
