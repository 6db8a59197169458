"""Proposals indexed for the plan readings: content words, and look-ups by position, speaker and
word built once per conversation, so each costs a window, not the conversation.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from powerlens.measures.moves.structures import Turn, refusal_hits


@dataclass
class Proposal:
    """One proposal, its fate so far and the turns that settled it."""

    index: int
    turn: Turn
    outcome: str = "ignored"
    settler: int | None = None
    events: dict[int, str] = field(default_factory=dict)
    contested: bool = False
    joint: bool = False
    words: set[str] = field(default_factory=set)

    @property
    def by(self) -> str:
        """The proposer."""
        speaker: str = self.turn.utterance.speaker
        return speaker


def _position(prop: Proposal) -> int:
    return prop.index


class _Index:
    """Proposals and refusals by position, speaker and word, built once per conversation, so
    that each look-up costs the size of a window or of its answer, not of the conversation."""

    def __init__(self, seq: list[Turn], props: list[Proposal]) -> None:
        self.seq = seq
        self.props = props
        self.positions = [p.index for p in props]
        self.by_index = {p.index: p for p in props}
        self.two_speakers = len({t.utterance.speaker for t in seq}) <= 2
        self.proposed_at: dict[str, list[int]] = {}
        self.first_with: dict[tuple[str, str], int] = {}
        self.with_word: dict[str, list[Proposal]] = {}
        for p in props:
            self.proposed_at.setdefault(p.by, []).append(p.index)
            for word in p.words:
                self.first_with.setdefault((p.by, word), p.index)
                self.with_word.setdefault(word, []).append(p)
        self.next_other = [len(props)] * len(props)
        for n in range(len(props) - 2, -1, -1):
            same = props[n + 1].by == props[n].by
            self.next_other[n] = self.next_other[n + 1] if same else n + 1
        self._refusals: dict[str, list[int]] | None = None

    def refusals(self) -> dict[str, list[int]]:
        """Per speaker, the indices of their turns that count as refusals (computed once)."""
        if self._refusals is None:
            self._refusals = {}
            for j, turn in enumerate(self.seq):
                if refusal_hits(self.seq, j):
                    self._refusals.setdefault(turn.utterance.speaker, []).append(j)
        return self._refusals

    def around(self, start: int, end: int) -> list[Proposal]:
        """The proposals made at utterances ``start`` <= index < ``end``, in order."""
        return self.props[bisect_left(self.positions, start) : bisect_left(self.positions, end)]

    def latest(self, start: int, end: int, keep: Any) -> Proposal | None:
        """The last proposal made at ``start`` <= index < ``end`` for which ``keep`` holds."""
        return next((p for p in reversed(self.around(start, end)) if keep(p)), None)


def _spread(seq: list[Turn]) -> dict[str, int]:
    """For each content word, the number of turns that use it."""
    spread: dict[str, int] = {}
    for turn in seq:
        for word in turn.words:
            spread[word] = spread.get(word, 0) + 1
    return spread
