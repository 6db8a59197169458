"""Grouping streamed rows into conversations: in memory (any row order) or streamed
(each conversation's rows contiguous).

Rows arrive as ``RowItem`` pairs, ``(conversation id, Utterance | Rejection)``, from the
interchange and ConvoKit readers and from the corpus engine's partitions; ``builder`` makes
the ``Conversation`` once its rows are in. ``group_all`` holds every conversation at once;
``stream_groups`` holds only the one being read.

Known limits: ``stream_groups`` raises ``InputError`` (PL123) when a conversation id
reappears after another conversation; a rejection is attached to the conversation being read
when it occurred (the first one, for rejections before any good row, in ``group_all``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from powerlens.errors import InputError, shown
from powerlens.model import Conversation, Rejection, Speaker, Utterance
from powerlens.readers.rows import RowItem

_EMPTY: Mapping[str, Any] = MappingProxyType({})

Build = Callable[[str, list[Utterance], list[Rejection]], Conversation]


def builder(
    path: Path,
    speakers: Mapping[str, Mapping[str, Any]],
    conversation_meta: Mapping[str, Mapping[str, Any]] | None = None,
) -> Build:
    """A function making a ``Conversation`` from its id, utterances and rejections."""
    source = str(path)

    def build(cid: str, utterances: list[Utterance], rejected: list[Rejection]) -> Conversation:
        names = dict.fromkeys(u.speaker for u in utterances)
        return Conversation(
            id=cid,
            utterances=tuple(utterances),
            source=source,
            speakers={n: Speaker(n, dict(speakers.get(n, _EMPTY))) for n in names},
            meta=dict(conversation_meta.get(cid, _EMPTY)) if conversation_meta else {},
            rejected=tuple(rejected),
        )

    return build


def group_all(rows: Iterable[RowItem], build: Build) -> list[Conversation]:
    """Group rows by conversation id in order of first appearance; rejections before the
    first good row go to the first conversation."""
    groups: dict[str, tuple[list[Utterance], list[Rejection]]] = {}
    pending: list[Rejection] = []
    for cid, item in rows:
        if type(item) is Utterance:
            group = groups.get(cid)  # type: ignore[arg-type]
            if group is None:
                group = groups[cid] = ([], [])  # type: ignore[index]
            group[0].append(item)
        elif cid is None:
            pending.append(item)  # type: ignore[arg-type]
        else:
            groups[cid][1].append(item)  # type: ignore[arg-type]
    if pending and groups:
        first = next(iter(groups.values()))
        first[1][:0] = pending
    return [build(cid, utts, rejected) for cid, (utts, rejected) in groups.items()]


def stream_groups(path: Path, rows: Iterable[RowItem], build: Build) -> Iterator[Conversation]:
    """Yield a conversation each time the conversation id changes (rows must be contiguous)."""
    seen: set[str] = set()
    current: str | None = None
    utterances: list[Utterance] = []
    rejected: list[Rejection] = []
    for cid, item in rows:
        if type(item) is not Utterance:
            rejected.append(item)  # type: ignore[arg-type]
            continue
        if cid != current:
            if current is not None:
                yield build(current, utterances, rejected)
                utterances, rejected = [], []
            if cid in seen:
                raise InputError(
                    path,
                    f"conversation {shown(cid)} appears again after other conversations; streaming "
                    "needs each conversation's rows together.",
                    line=item.line,
                    code="PL123",
                    fix="sort the rows by conversation_id, or read the file with powerlens.load, "
                    "which groups rows in memory.",
                )
            seen.add(cid)  # type: ignore[arg-type]
            current = cid
        utterances.append(item)
    if current is not None:
        yield build(current, utterances, rejected)


__all__ = ["Build", "builder", "group_all", "stream_groups"]
