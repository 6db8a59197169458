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

_findall = WORD.findall
_ODD = re.compile(r"[^\w\s]|_")
"""Anything that is neither a word character nor whitespace (or is an underscore)."""
_FINAL_MARKS = ".?! \t\n"

Tokens = list[list[str]]
"""Lowercased word tokens, one list per utterance, aligned with ``Conversation.utterances``."""


def tokenize(text: str) -> list[str]:
    """Lowercased word tokens of ``text`` (curly apostrophes normalised to straight ones).

    Equivalent to ``WORD.findall`` on the lowercased text. Most utterances are plain words
    and spaces with a final full stop or question mark; those are split without the regular
    expression, which is the costliest step of reading a large corpus.
    """
    lowered = text.lower()
    if "’" in lowered:
        lowered = lowered.replace("’", "'")
    core = lowered.rstrip(_FINAL_MARKS)
    if _ODD.search(core) is None:
        return core.split()
    return _findall(lowered)


def token_spans(text: str) -> list[tuple[int, int]]:
    """Character ``(start, end)`` of each token of ``text``, aligned with ``tokenize(text)``."""
    return [m.span() for m in WORD.finditer(text)]


def tokenize_conversation(conversation: Conversation | Sequence[str]) -> Tokens:
    """Tokenise every utterance of a conversation (or a list of texts) once.

    Utterances with the same text share one token list (chats repeat "ok" and "love you":
    half the messages of a long history), so the lists are read, never changed.
    """
    texts = (
        (u.text for u in conversation.utterances)
        if isinstance(conversation, Conversation)
        else conversation
    )
    seen: dict[str, list[str]] = {}
    tokens = []
    for text in texts:
        words = seen.get(text)
        if words is None:
            words = seen[text] = tokenize(text)
        tokens.append(words)
    return tokens
