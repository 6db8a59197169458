"""Email threading: messages grouped into threads, one conversation per thread.

Part of the email reader (``powerlens.readers.email``, whose docstring describes the rules):
``MailMessage`` is one parsed (or rejected) message; ``threads`` links messages through
``Message-ID`` / ``In-Reply-To`` / ``References`` (union-find), merges threads whose first
message has the same normalised subject, and builds the conversations, handing the
rejections of threads without an analysed message to the nearest conversation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from powerlens.model import Conversation, Rejection, Speaker, Utterance

_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|sv|wg|vs|tr|antw|rif|r)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*", re.IGNORECASE
)


@dataclass
class MailMessage:
    """One parsed (or rejected) message before threading."""

    key: str
    order: int
    line: int | None
    file: str | None
    links: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    subject: str = ""
    address: str = ""
    display: str = ""
    start: float | None = None
    text: str = ""
    reason: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def rejection(self) -> Rejection:
        reason = self.reason or "rejected"
        return Rejection(self.line, f"{self.file}: {reason}" if self.file else reason)


def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, case-folded, with single spaces."""
    return _strip_prefixes(" ".join(subject.split())).casefold()


def _strip_prefixes(subject: str) -> str:
    while (shorter := _SUBJECT_PREFIX.sub("", subject, count=1)) != subject:
        subject = shorter
    return subject.strip()


def threads(messages: list[MailMessage], source: str) -> list[Conversation]:
    """Group messages into threads, one conversation per thread with analysed messages."""
    seen: dict[str, MailMessage] = {}
    for message in messages:
        if message.key in seen:
            first = seen[message.key]
            where = f"line {first.line}" if first.line is not None else first.file
            if message.reason is None:
                message.reason = f"duplicate of message {message.key} ({where})"
        else:
            seen[message.key] = message
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        root = parent.setdefault(key, key)
        while root != parent[root]:
            root = parent[root]
        while parent[key] != root:
            parent[key], key = root, parent[key]
        return root

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for message in messages:
        find(message.key)
        for link in message.links:
            union(message.key, link)
    groups: dict[str, list[MailMessage]] = {}
    for message in messages:
        groups.setdefault(find(message.key), []).append(message)
    by_subject: dict[str, str] = {}
    for root, members in groups.items():
        first = min(members, key=_when)
        subject = normalise_subject(first.subject)
        if subject:
            if subject in by_subject:
                union(root, by_subject[subject])
            else:
                by_subject[subject] = root
    threads: dict[str, list[MailMessage]] = {}
    for message in messages:
        threads.setdefault(find(message.key), []).append(message)
    names: dict[str, str] = {}
    for message in messages:
        if message.reason is None and message.display and message.address:
            names.setdefault(message.address, message.display)
    built: dict[str, tuple[Conversation, int]] = {}
    for root, members in threads.items():
        conversation = _conversation(members, names, source)
        if conversation is not None:
            built[root] = (conversation, min(m.order for m in members))
    return _attach_orphans(messages, built, find)


def _when(message: MailMessage) -> tuple[float, int]:
    return (message.start if message.start is not None else float("inf"), message.order)


def _conversation(
    members: list[MailMessage], names: dict[str, str], source: str
) -> Conversation | None:
    kept = [m for m in members if m.reason is None]
    if not kept:
        return None
    dated = all(m.start is not None for m in kept)
    kept.sort(key=_when if dated else lambda m: (0.0, m.order))
    keys = {m.key for m in kept}
    utterances = []
    speakers: dict[str, Speaker] = {}
    charset_notes = []
    for message in kept:
        speaker = names.get(message.address) or message.display or message.address
        speakers.setdefault(speaker, Speaker(speaker, {"address": message.address}))
        reply_to = next((p for p in message.parents if p in keys and p != message.key), None)
        utterances.append(
            Utterance(
                id=message.key,
                speaker=speaker,
                text=message.text,
                start=message.start,
                reply_to=reply_to,
                line=message.line,
                meta=dict(message.meta),
            )
        )
        if "charset" in message.meta:
            charset_notes.append({"utterance": message.key, "note": message.meta["charset"]})
    subject = _strip_prefixes(" ".join(kept[0].subject.split()))
    meta: dict[str, Any] = {"subject": subject}
    if not dated:
        meta["order"] = "file order: some messages have no readable date"
    if charset_notes:
        meta["charset"] = charset_notes
    rejected = tuple(m.rejection() for m in sorted(members, key=lambda m: m.order) if m.reason)
    return Conversation(
        id=f"{_slug(subject)}-{hashlib.sha1(kept[0].key.encode()).hexdigest()[:8]}",
        utterances=tuple(utterances),
        source=source,
        speakers=speakers,
        meta=meta,
        rejected=rejected,
    )


def _attach_orphans(
    messages: list[MailMessage],
    built: dict[str, tuple[Conversation, int]],
    find: Callable[[str], str],
) -> list[Conversation]:
    """Give rejections of threads without any analysed message to the nearest conversation
    before them in input order (or the first one), so that no rejection is lost."""
    if not built:
        return []
    ordered = sorted(built.items(), key=lambda item: item[1][1])
    extra: dict[str, list[Rejection]] = {}
    last = ordered[0][0]
    for message in messages:
        root = find(message.key)
        if root in built:
            if message.reason is None:
                last = root
        elif message.reason is not None:
            extra.setdefault(last, []).append(message.rejection())
    result = []
    for root, (conversation, _) in ordered:
        if root in extra:
            merged = sorted(
                (*conversation.rejected, *extra[root]), key=lambda r: (r.line or 0, r.reason)
            )
            conversation = dataclasses.replace(conversation, rejected=tuple(merged))
        result.append(conversation)
    return result


def _slug(subject: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", subject.casefold()).strip("-")[:40].strip("-")
    return slug or "no-subject"


__all__ = ["MailMessage", "normalise_subject", "threads"]
