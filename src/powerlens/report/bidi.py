"""Bidirectional control characters in transcript text, made harmless for every report format.

A right-to-left override (U+202E) in a speaker's name reverses how the text *after* the name
is shown, so "Eve\u202e" followed by "said no" reads "on dias" (issue 20). Names and messages
may carry these controls legitimately (WhatsApp wraps phone numbers in U+202A ... U+202C,
right-to-left writers use isolates), so they are kept where the output can contain them:

- HTML: each piece of transcript text is *balanced* (a terminator without an opener is dropped,
  an opener left open is closed at the end of the piece) and wrapped in ``<bdi>`` (or, inside
  SVG, in U+2068 FIRST STRONG ISOLATE ... U+2069 POP DIRECTIONAL ISOLATE), so its direction
  cannot leak into what follows. Prose built around transcript text (a finding's statement, a
  rejection reason) has the controls stripped, since the quoted part cannot be told apart there.
- Terminal and Markdown: the controls are stripped (``strip``) — neither can isolate text.

The implicit marks (U+200E, U+200F, U+061C) have no scope and are left alone. Unicode Standard
Annex #9 (the Bidirectional Algorithm) defines the controls and their scopes.
"""

from __future__ import annotations

import re
from html import escape

EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")
"""LRE, RLE, LRO, RLO: open an embedding or override, closed by PDF (U+202C)."""
ISOLATES = frozenset("\u2066\u2067\u2068")
"""LRI, RLI, FSI: open an isolate, closed by PDI (U+2069)."""
PDF, PDI, FSI = "\u202c", "\u2069", "\u2068"
CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Every scoped bidirectional control."""


def balance(text: str) -> str:
    """``text`` with every bidirectional scope it opens closed inside it.

    A PDF or PDI without a matching opener is dropped (it would close a scope of the page
    around the text); openers still open at the end are closed there, innermost first.
    """
    stack: list[str] = []
    return balance_part(text, stack) + "".join(reversed(stack))


def balance_part(text: str, stack: list[str]) -> str:
    """One piece of a longer text, balanced against the scopes in ``stack`` (updated in place).

    For text cut into pieces (highlighted spans): balance each piece in order with one stack,
    then close what the stack still holds, ``"".join(reversed(stack))``, after the last.
    """
    if not CONTROLS.search(text):
        return text
    out: list[str] = []
    for ch in text:
        if ch in EMBEDDINGS or ch in ISOLATES:
            stack.append(PDI if ch in ISOLATES else PDF)
        elif ch == PDF:
            if not stack or stack[-1] != PDF:
                continue  # unmatched, or would cross an isolate boundary
            stack.pop()
        elif ch == PDI:
            if PDI not in stack:
                continue
            while stack.pop() != PDI:  # a PDI also ends the embeddings opened inside it
                pass
        out.append(ch)
    return "".join(out)


def strip(text: str) -> str:
    """``text`` without scoped bidirectional controls (for terminal and Markdown output)."""
    return CONTROLS.sub("", text)


def bdi(text: str) -> str:
    """Transcript text for HTML: escaped, balanced and isolated in ``<bdi>``."""
    return f"<bdi>{escape(balance(text))}</bdi>"


def svg(text: str) -> str:
    """Transcript text for SVG ``<text>`` and ``<title>``: escaped, balanced, isolated."""
    return f"{FSI}{escape(balance(text))}{PDI}"


def prose(text: str) -> str:
    """Text built around transcript text (statements, reasons) for HTML: escaped, stripped."""
    return escape(strip(text))


__all__ = ["balance", "balance_part", "bdi", "prose", "strip", "svg"]
