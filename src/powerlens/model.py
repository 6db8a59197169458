"""The few central types: who spoke, what they said, and what the analysis found.

Data is immutable: readers build ``Conversation`` objects, measures read them and return
results, and nothing writes back into a conversation. Evidence points into the text
(utterance id plus character span), the way spaCy's ``Span`` points into a ``Doc``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Speaker:
    """A participant, with optional metadata (role, group membership) declared in the source."""

    name: str
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Utterance:
    """One message or spoken turn segment.

    ``start`` and ``end`` are seconds (from the start of a recording, or since the Unix epoch
    for dated chats); ``line`` is the 1-based line in the source file where it began.
    """

    id: str
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    reply_to: str | None = None
    line: int | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A piece of input the reader could not turn into an utterance, and why."""

    line: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """An ordered list of utterances from one source, with its context tags and metadata."""

    id: str
    utterances: tuple[Utterance, ...]
    source: str = ""
    context: tuple[str, ...] = ()
    speakers: Mapping[str, Speaker] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    rejected: tuple[Rejection, ...] = ()

    @property
    def read_count(self) -> int:
        """Pieces of input seen: every one is either analysed or rejected with a reason."""
        return len(self.utterances) + len(self.rejected)

    def speaker_names(self) -> list[str]:
        """Speakers in order of first appearance."""
        return list(dict.fromkeys(u.speaker for u in self.utterances))

    def has_timestamps(self) -> bool:
        """True when every utterance has a start time."""
        return bool(self.utterances) and all(u.start is not None for u in self.utterances)

    def has_reply_links(self) -> bool:
        """True when at least one utterance names the utterance it replies to."""
        return any(u.reply_to is not None for u in self.utterances)


@dataclass(frozen=True, slots=True)
class Signal:
    """Evidence that a rule or model fired on a span of one utterance.

    ``span`` is a ``(start, end)`` character range into that utterance's ``text``;
    ``source`` names the rule or model; ``score`` is its strength in [0, 1].
    """

    utterance_id: str
    speaker: str
    family: str
    label: str
    span: tuple[int, int]
    score: float
    source: str
    target: str | None = None
    subtype: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A statement a person can act on: the concept, the evidence, its strength and a prompt."""

    concept: str
    statement: str
    strength: float
    evidence: tuple[str, ...]
    prompt: str
    strength_basis: str = ""


@dataclass
class MeasureResult:
    """What one measure family adds to a conversation's report.

    ``speakers`` merges into the per-speaker table, ``signals`` and ``scores`` into their
    lists, and ``sections`` become extra top-level fields of the conversation (e.g. ``talk``).
    """

    speakers: dict[str, dict[str, Any]] = field(default_factory=dict)
    signals: list[Signal] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConversationReport:
    """Everything the analysis found about one conversation."""

    conversation: Conversation
    speakers: dict[str, dict[str, Any]]
    signals: list[Signal]
    scores: dict[str, float]
    sections: dict[str, Any]
    findings: list[Finding]
    measures: list[str]
    skipped: dict[str, str]


@dataclass
class Report:
    """The analysis of one or more conversations, ready to render in any format."""

    conversations: list[ConversationReport]
