"""Shared pieces of the chat-app export readers (Telegram, Discord, Messenger and Instagram,
Signal, iMessage, Google Chat): the accounting of what was left out, speaker names told
apart, reply links kept only inside the conversation, dates, and the empty-export error.

Accounting: a message that is not somebody's own words (a service or system event, media
without text, an unsent or deleted message, a forwarded one, a bot's post) is a
``Rejection`` with the reason, so that messages read = analysed + rejected. What is attached
to a message rather than being one (reactions, the media beside a caption, a quoted reply)
is counted by kind in ``Conversation.meta["left_out"]``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from powerlens.errors import InputError
from powerlens.model import Conversation, Rejection, Speaker, Utterance

NAIVE_TIME = "none in the export: clock times are local and treated as UTC"
_MARKS = str.maketrans("", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def brief(text: str, size: int = 60) -> str:
    """``text`` on one line, without direction marks, cut to ``size`` characters."""
    flat = " ".join(str(text).translate(_MARKS).split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


def display_names(people: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Display name per person key (an id), from ``(key, name)`` pairs in order of
    appearance; two keys with the same name become ``name (key)``."""
    first: dict[str, str] = {}
    for key, name in people:
        first.setdefault(key, name)
    counts = Counter(first.values())
    return {key: f"{name} ({key})" if counts[name] > 1 else name for key, name in first.items()}


def iso_seconds(text: Any) -> float | None:
    """POSIX seconds of an ISO 8601 date-time (a naive one taken as UTC), else None."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def number(value: Any) -> float | None:
    """A finite number from a JSON number or numeric string, else None."""
    if isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result == result and abs(result) != float("inf") else None


def text_of(value: Any) -> str:
    """A JSON value as text (None and non-strings give ``""``), stripped."""
    return value.strip() if isinstance(value, str) else ""


def slug(text: str, fallback: str) -> str:
    """A conversation id from a chat's name: spaces kept, path separators removed."""
    cleaned = re.sub(r"[\x00-\x1f/\\]+", " ", text).strip()
    return cleaned[:120] or fallback


def link_replies(utterances: list[Utterance], parents: dict[str, str]) -> list[Utterance]:
    """Utterances with ``reply_to`` set from ``parents`` (id -> parent id) where the parent
    is an analysed utterance of the same conversation."""
    ids = {u.id for u in utterances}
    linked = []
    for u in utterances:
        parent = parents.get(u.id)
        if parent is not None and parent in ids and parent != u.id:
            u = Utterance(u.id, u.speaker, u.text, u.start, u.end, parent, u.line, u.meta)
        linked.append(u)
    return linked


def conversation(
    path: Path,
    cid: str,
    utterances: list[Utterance],
    rejected: list[Rejection],
    meta: dict[str, Any],
    left_out: Counter[str],
    speakers: dict[str, dict[str, Any]] | None = None,
) -> Conversation:
    """The conversation, utterances in time order (file order among equal times)."""
    ordered = sorted(
        enumerate(utterances), key=lambda item: (item[1].start is None, item[1].start or 0, item[0])
    )
    kept = [u for _, u in ordered]
    counted = {kind: count for kind, count in sorted(left_out.items()) if count}
    if counted:
        meta = {**meta, "left_out": counted}
    names = dict.fromkeys(u.speaker for u in kept)
    return Conversation(
        id=cid,
        utterances=tuple(kept),
        source=str(path),
        speakers={n: Speaker(n, dict((speakers or {}).get(n, {}))) for n in names},
        meta=meta,
        rejected=tuple(sorted(rejected, key=lambda r: r.line or 0)),
    )


def require_messages(path: Path, conversations: list[Conversation], code: str, what: str) -> None:
    """Raise when no conversation holds an analysed message (naming the first rejection)."""
    if any(c.utterances for c in conversations):
        return
    first = next((r for c in conversations for r in c.rejected), None)
    raise InputError(
        path,
        f"no message with someone's own words found in this {what}"
        + (f" (first left out: {first.reason})." if first else " (it holds no messages)."),
        line=first.line if first else None,
        code=code,
        fix="check this is the chat's export, with its messages included.",
    )


__all__ = [
    "NAIVE_TIME",
    "brief",
    "conversation",
    "display_names",
    "iso_seconds",
    "link_replies",
    "number",
    "require_messages",
    "slug",
    "text_of",
]
