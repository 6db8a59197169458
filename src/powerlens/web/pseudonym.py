"""Pseudonymise a conversation on request: speaker names become Partner A, Partner B, ...

Speakers are renamed in order of first appearance; their names (and, for multi-word names,
each part of three letters or more) are also replaced where they appear in the text, at
word boundaries and ignoring case, except for parts that are common words ("Will", "May").
The conversation's id, source and all metadata are dropped, since they often carry names,
file names or addresses.

Known limits: only the speakers' own names are replaced. People who are mentioned but do
not speak ("my sister Sarah"), nicknames, misspellings and other identifying details
(places, employers, dates) stay as written.
"""

from __future__ import annotations

import re
from string import ascii_uppercase

from powerlens.model import Conversation, Rejection, Speaker, Utterance

COMMON_WORDS = frozenset(
    {
        "will", "may", "june", "april", "august", "grace", "hope", "joy", "mark", "bill", "rose",
        "sue", "pat", "art", "faith", "dawn", "summer", "guy", "ray", "rob", "frank", "jack",
        "chase", "hunter", "sky", "amber", "ruby", "iris", "page", "penny", "dean", "earl",
    }
)
"""Name parts that are also everyday words: replaced only as part of the full name."""


def pseudonym(index: int) -> str:
    """``Partner A`` for the first speaker, ... ``Partner Z``, then ``Partner 27`` onwards."""
    return f"Partner {ascii_uppercase[index]}" if index < 26 else f"Partner {index + 1}"


def name_map(names: list[str]) -> dict[str, str]:
    """Each speaker name mapped to its pseudonym, in order of first appearance."""
    return {name: pseudonym(i) for i, name in enumerate(names)}


def _pattern(mapping: dict[str, str]) -> tuple[re.Pattern[str], dict[str, str]]:
    terms: dict[str, str] = {}
    for name, alias in mapping.items():
        terms.setdefault(name.lower(), alias)
    for name, alias in mapping.items():
        for part in re.split(r"\s+", name.strip()):
            key = part.lower()
            if len(part) >= 3 and key not in COMMON_WORDS:
                terms.setdefault(key, alias)
    ordered = sorted((t for t in terms if t.strip()), key=len, reverse=True)
    if not ordered:
        return re.compile(r"(?!x)x"), terms
    alternatives = "|".join(re.escape(t) for t in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE), terms


def pseudonymise(
    conversation: Conversation, helper: str | None = None
) -> tuple[Conversation, str | None]:
    """The conversation with names replaced, and the helper's pseudonym (if a helper is named)."""
    mapping = name_map(conversation.speaker_names())
    pattern, terms = _pattern(mapping)

    def replace(text: str) -> str:
        return pattern.sub(lambda m: terms[m.group(0).lower()], text)

    utterances = tuple(
        Utterance(
            id=u.id,
            speaker=mapping[u.speaker],
            text=replace(u.text),
            start=u.start,
            end=u.end,
            reply_to=u.reply_to,
            line=u.line,
        )
        for u in conversation.utterances
    )
    renamed = Conversation(
        id="pseudonymised conversation",
        utterances=utterances,
        source="upload",
        context=conversation.context,
        speakers={alias: Speaker(alias) for alias in mapping.values()},
        rejected=tuple(Rejection(r.line, replace(r.reason)) for r in conversation.rejected),
    )
    alias = None
    if helper:
        alias = mapping.get(helper) or replace(helper)
    return renamed, alias
