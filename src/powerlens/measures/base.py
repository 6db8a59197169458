"""The shape every measure family has: map / combine / finalize.

``map`` turns one conversation into partial counts, ``combine`` merges two partials, and
``finalize`` turns a partial into a result. The same measure then runs on one chat, on a
process pool or on a Dask cluster unchanged. A measure declares what it ``requires``
(``"timestamps"``, ``"reply_to"``, ``"helper"``) so ``analyze`` can check before running.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from powerlens.language import Tokens
from powerlens.model import Conversation, MeasureResult

Partial = TypeVar("Partial")


@dataclass(frozen=True)
class Options:
    """Analysis settings a measure may read; every field has a sensible default."""

    helper: str | None = None
    """Name of the helping professional (therapist, coach) in a dyad, when known."""
    reply_to_previous: bool = False
    """Treat each utterance as a reply to the one before when the data has no reply links."""
    declarations: Mapping[str, Any] | None = None
    """Declared systemic positions by person (``powerlens.systemic.load_declarations``)."""
    tactics_model: str = "mentalmanip"
    """The tactic model: ``mentalmanip`` (default, CC BY-NC 4.0), ``reament`` (MIT) or ``none``
    (rules only); see ``powerlens.measures.tactics.model``."""
    extra: dict[str, Any] = field(default_factory=dict)


class Measure(Protocol, Generic[Partial]):
    """One measure family."""

    name: str
    requires: frozenset[str]

    def map(self, conversation: Conversation, tokens: Tokens, options: Options) -> Partial:
        """Partial counts for one conversation."""
        ...

    def combine(self, a: Partial, b: Partial) -> Partial:
        """Merge two partials (associative, so partitions can be merged in any grouping)."""
        ...

    def finalize(self, partial: Partial) -> MeasureResult:
        """The result a report shows."""
        ...


def fold(measure: Measure[Partial], partials: Iterable[Partial]) -> Partial | None:
    """Combine a stream of partials as a balanced tree, in order.

    Merging pairwise keeps each partial's size small until the end, so a corpus of n
    conversations costs O(n log n) merges of small partials instead of n merges into one
    ever-growing partial; only O(log n) partials are held at once. None for no partials.
    """
    stack: list[tuple[int, Partial]] = []
    for partial in partials:
        level = 0
        while stack and stack[-1][0] == level:
            _, earlier = stack.pop()
            partial = measure.combine(earlier, partial)
            level += 1
        stack.append((level, partial))
    result: Partial | None = None
    while stack:
        _, earlier = stack.pop()
        result = earlier if result is None else measure.combine(earlier, result)
    return result


def missing_requirements(
    requires: frozenset[str], conversation: Conversation, options: Options
) -> list[str]:
    """Requirements of a measure that this conversation and these options do not meet."""
    missing = []
    if "timestamps" in requires and not conversation.has_timestamps():
        missing.append("timestamps")
    if (
        "reply_to" in requires
        and not conversation.has_reply_links()
        and not options.reply_to_previous
    ):
        missing.append("reply_to")
    if "helper" in requires and options.helper is None:
        missing.append("helper")
    return missing


def addressees(speakers: Sequence[str]) -> list[str | None]:
    """Each turn's addressee: the last other speaker before it, else the next one after it.

    One pass each way (the speaker of the run before the current one), not a scan per turn, so
    a long chat or a long monologue costs its length.
    """
    found: list[str | None] = []
    last: str | None = None
    before: str | None = None
    for speaker in speakers:
        found.append(last if last != speaker else before)
        if last is not None and speaker != last:
            before = last
        last = speaker
    after: str | None = None
    following: str | None = None
    for i in range(len(speakers) - 1, -1, -1):
        speaker = speakers[i]
        if found[i] is None:
            found[i] = following if following != speaker else after
        if following is not None and speaker != following:
            after = following
        following = speaker
    return found
