"""A chat history as one relationship: conversations merged in time order, split into weeks.

``merge`` takes every conversation read from the files given (one export, several exports of
the same chat, a folder, an mbox's threads, a Slack DM) and makes one ``Conversation`` of all
their messages in order of time (a stable sort, so messages with the same minute keep the
order of their file). Nothing is dropped silently:

- a message that appears again in a later file (same time, speaker and text — overlapping
  exports of one chat) is rejected as a duplicate, naming the file it was first read from;
  repeats inside one file are kept (two "ok"s in one minute are two messages);
- a message without a time is rejected ("no time: it cannot be placed in a week") when the
  others have one; a conversation where no message has a time, or whose times are offsets in
  a recording (subtitles, transcripts) rather than dates, is an error with the fix, never a
  guess.

Weeks run Monday to Sunday, by the calendar date of each message's time as the export wrote
it: WhatsApp's exports carry the phone's local clock, Slack and e-mail times are read in
UTC (so a message late in the evening in the Americas falls on the next day).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence

from powerlens.errors import MissingRequirementError
from powerlens.model import Conversation, Rejection, Speaker, Utterance

DAY = 86400.0
WEEK = 7 * DAY
_MONDAY_SHIFT = 3 * DAY
"""1970-01-01 was a Thursday: shifting by three days makes weeks start on Monday."""
DATED_AFTER = 10**8
"""Times below this (March 1973) are offsets into a recording, not dates."""


def week_of(seconds: float) -> int:
    """The week number of a time (weeks since the Monday of 1969-12-29)."""
    return math.floor((seconds + _MONDAY_SHIFT) / WEEK)


def day_of(seconds: float) -> int:
    """The day number of a time (days since 1970-01-01)."""
    return math.floor(seconds / DAY)


def week_start(week: int) -> dt.date:
    """The Monday that starts week number ``week``."""
    return dt.date(1969, 12, 29) + dt.timedelta(weeks=week)


def _where(conversation: Conversation) -> str:
    return conversation.source or conversation.id


def _check_times(conversation: Conversation) -> None:
    dated = [u.start for u in conversation.utterances if u.start is not None]
    if conversation.utterances and not dated:
        raise MissingRequirementError(
            f"{_where(conversation)}: no message has a time, so there are no days or weeks to "
            "put them in.",
            fix="give an export that keeps dates (WhatsApp, Slack, e-mail), or read this one "
            "conversation with `powerlens analyze`.",
            code="PL310",
        )
    if dated and max(dated) < DATED_AFTER:
        raise MissingRequirementError(
            f"{_where(conversation)}: its times are offsets into a recording (the latest is "
            f"{max(dated):.0f} s), not dates.",
            fix="a timeline needs dated messages; read a recording with `powerlens analyze`.",
            code="PL311",
        )


def _unique_ids(conversations: Sequence[Conversation]) -> list[Conversation]:
    """Conversations whose utterance ids do not clash: a clashing one gets ``<k>/`` before
    each of its ids (and reply links)."""
    seen: set[str] = set()
    out = []
    for k, c in enumerate(conversations):
        ids = {u.id for u in c.utterances}
        if ids & seen:
            prefix = f"{k + 1}/"
            c = dataclasses.replace(
                c,
                utterances=tuple(
                    dataclasses.replace(
                        u,
                        id=prefix + u.id,
                        reply_to=None if u.reply_to is None else prefix + u.reply_to,
                    )
                    for u in c.utterances
                ),
            )
            ids = {u.id for u in c.utterances}
        seen |= ids
        out.append(c)
    return out


def merge(conversations: Sequence[Conversation], id: str | None = None) -> Conversation:
    """All messages of ``conversations`` as one history in time order (see the module doc)."""
    if not conversations:
        raise MissingRequirementError(
            "there is nothing to put on a timeline: no conversation was read.",
            fix="give a chat export, a folder of them or an mbox.",
            code="PL312",
        )
    for c in conversations:
        _check_times(c)
    rejected: list[Rejection] = []
    kept: list[tuple[float, int, Utterance]] = []
    first_source: dict[tuple[float, str, str], int] = {}
    counts: dict[tuple[float, str, str], list[int]] = {}
    """Per message key: [copies kept, copies met in the current conversation, its index]."""
    for k, c in enumerate(_unique_ids(conversations)):
        rejected.extend(
            dataclasses.replace(r, reason=f"{_where(c)}: {r.reason}")
            if len(conversations) > 1
            else r
            for r in c.rejected
        )
        for u in c.utterances:
            if u.start is None:
                rejected.append(
                    Rejection(u.line, f"{_where(c)}: no time: it cannot be placed in a week")
                )
                continue
            key = (u.start, u.speaker, u.text)
            tally = counts.setdefault(key, [0, 0, k])
            if tally[2] != k:
                tally[1], tally[2] = 0, k
            tally[1] += 1
            if tally[1] <= tally[0]:
                source = _where(conversations[first_source[key]])
                rejected.append(Rejection(u.line, f"{_where(c)}: the same message as in {source}"))
                continue
            tally[0] += 1
            first_source.setdefault(key, k)
            kept.append((u.start, len(kept), u))
    kept.sort(key=lambda item: (item[0], item[1]))
    speakers: dict[str, Speaker] = {}
    for c in conversations:
        speakers.update(c.speakers)
    first = conversations[0]
    sources = list(dict.fromkeys(_where(c) for c in conversations))
    return Conversation(
        id=id or (first.id if len(conversations) == 1 else f"{first.id} and others"),
        utterances=tuple(u for _, _, u in kept),
        source=", ".join(sources),
        context=tuple(dict.fromkeys(t for c in conversations for t in c.context)),
        speakers=speakers,
        meta={"merged": len(conversations), "sources": sources},
        rejected=tuple(rejected),
    )


def session_starts(utterances: Sequence[Utterance], gap_hours: float) -> list[int]:
    """Indices of the messages that open contact: the first, and each after a silence of at
    least ``gap_hours`` (the history must be in time order and dated)."""
    gap = gap_hours * 3600.0
    starts = []
    previous: float | None = None
    for i, u in enumerate(utterances):
        assert u.start is not None
        if previous is None or u.start - previous >= gap:
            starts.append(i)
        previous = u.start
    return starts


def spans_days(conversation: Conversation, days: float) -> bool:
    """True when the conversation is dated and its first and last message are more than
    ``days`` apart (the HTML report then shows the timeline)."""
    times = [u.start for u in conversation.utterances if u.start is not None]
    return bool(times) and min(times) >= DATED_AFTER and max(times) - min(times) > days * DAY


__all__ = [
    "DAY",
    "WEEK",
    "day_of",
    "merge",
    "session_starts",
    "spans_days",
    "week_of",
    "week_start",
]
