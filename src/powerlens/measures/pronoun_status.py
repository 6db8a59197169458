"""Pronoun status: "I" against "we" and "you" (Kacewicz, Pennebaker et al. 2014).

Kacewicz, Pennebaker, Davis, Jeon & Graesser, "Pronoun use reflects standings in social
hierarchies", Journal of Language and Social Psychology 33(2), 2014: across five studies the
higher-status person in an interaction used first-person singular pronouns less, and
first-person plural and second-person pronouns more.

Per speaker: the rates (per word) of first-person singular (``i``), first-person plural
(``we``) and second-person (``you``) words, from ``lexicons/pronoun_status.txt``, and a
*status index* ``we + you - i`` (in rate points; higher is the pattern the paper found more
often in the higher-status person of a pair).
Per dyad: the same rates over the utterances a speaker addressed to another (their replies to
them by ``reply_to``, or else the turn right after the other's). Signals mark utterances whose
pronouns lean clearly one way (at least two of one pattern and more of it than of the other):
label ``i_focus`` / ``we_you_focus``, subtype ``more_i_than_we_you`` / ``more_we_you_than_i``.
The subtypes describe the wording, not the person; earlier versions wrote
``lower_status_pattern`` / ``higher_status_pattern`` (``subtype`` is a free string in
``schema/report-1.json``, so the contract is unchanged).

Known limits: a population-level tendency, not a reading of one person; roles change
pronoun use (an advocate says "we" for a client, a therapist says "you" to reflect), so the
index belongs beside the context, never in place of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from powerlens.language import Tokens, token_spans
from powerlens.measures.base import Options
from powerlens.model import Conversation, MeasureResult, Signal

CLASSES = ("i", "we", "you")
MIN_SIGNAL_PRONOUNS = 2
SUBTYPES = {"i_focus": "more_i_than_we_you", "we_you_focus": "more_we_you_than_i"}
"""Signal subtype per label: what the utterance's wording shows, never a status of a person."""


@cache
def pronoun_classes() -> dict[str, str]:
    """Word -> pronoun class (``i``, ``we`` or ``you``) from the shipped lexicon."""
    text = resources.files("powerlens.lexicons").joinpath("pronoun_status.txt")
    table: dict[str, str] = {}
    for line in text.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, word = line.split("\t")
        table[word.strip().lower()] = kind.strip()
    return table


def pronoun_counts(words: list[str]) -> dict[str, int]:
    """Counts of each pronoun class among lowercased tokens."""
    table = pronoun_classes()
    counts = dict.fromkeys(CLASSES, 0)
    for word in words:
        kind = table.get(word)
        if kind is not None:
            counts[kind] += 1
    return counts


@dataclass
class Tally:
    """Additive word and pronoun counts."""

    words: int = 0
    i: int = 0
    we: int = 0
    you: int = 0

    def add(self, words: int, counts: dict[str, int]) -> None:
        self.words += words
        self.i += counts["i"]
        self.we += counts["we"]
        self.you += counts["you"]

    def merge(self, other: Tally) -> None:
        self.add(other.words, {"i": other.i, "we": other.we, "you": other.you})

    def rates(self) -> dict[str, float | None]:
        """Rates per word and the status index (None without words)."""
        if not self.words:
            return {"i_rate": None, "we_rate": None, "you_rate": None, "status_index": None}
        i, we, you = self.i / self.words, self.we / self.words, self.you / self.words
        return {"i_rate": i, "we_rate": we, "you_rate": you, "status_index": we + you - i}


@dataclass
class PronounPartial:
    """Per-speaker and per-dyad tallies plus the utterance signals."""

    speakers: dict[str, Tally] = field(default_factory=dict)
    dyads: dict[tuple[str, str], Tally] = field(default_factory=dict)
    signals: list[Signal] = field(default_factory=list)


def addressees(conversation: Conversation) -> list[str | None]:
    """Who each utterance addresses: the author of its ``reply_to``, else the last other speaker."""
    by_id = {u.id: u.speaker for u in conversation.utterances}
    out: list[str | None] = []
    run: str | None = None
    before_run: str | None = None
    for u in conversation.utterances:
        if u.speaker != run:
            before_run, run = run, u.speaker
        linked = u.reply_to is not None and u.reply_to in by_id
        target: str | None = by_id[u.reply_to] if linked and u.reply_to else before_run
        out.append(target if target != u.speaker else None)
    return out


class PronounStatus:
    """The pronoun-status measure family (map / combine / finalize)."""

    name = "pronoun_status"
    requires: frozenset[str] = frozenset()

    def map(self, conversation: Conversation, tokens: Tokens, options: Options) -> PronounPartial:
        partial = PronounPartial()
        table = pronoun_classes()
        for utterance, words, target in zip(
            conversation.utterances, tokens, addressees(conversation), strict=True
        ):
            counts = pronoun_counts(words)
            partial.speakers.setdefault(utterance.speaker, Tally()).add(len(words), counts)
            if target is not None:
                partial.dyads.setdefault((utterance.speaker, target), Tally()).add(
                    len(words), counts
                )
            low, high = counts["i"], counts["we"] + counts["you"]
            if max(low, high) < MIN_SIGNAL_PRONOUNS or low == high:
                continue
            label, kinds = ("i_focus", {"i"}) if low > high else ("we_you_focus", {"we", "you"})
            spans = token_spans(utterance.text)
            first = next(
                (spans[k] for k, w in enumerate(words) if table.get(w) in kinds and k < len(spans)),
                (0, len(utterance.text)),
            )
            partial.signals.append(
                Signal(
                    utterance_id=utterance.id,
                    speaker=utterance.speaker,
                    target=target,
                    family=self.name,
                    label=label,
                    span=first,
                    score=max(low, high) / (low + high),
                    source=f"rule:pronoun_status.{label}",
                    subtype=SUBTYPES[label],
                )
            )
        return partial

    def combine(self, a: PronounPartial, b: PronounPartial) -> PronounPartial:
        merged = PronounPartial(signals=a.signals + b.signals)
        for source in (a, b):
            for name, tally in source.speakers.items():
                merged.speakers.setdefault(name, Tally()).merge(tally)
            for pair, tally in source.dyads.items():
                merged.dyads.setdefault(pair, Tally()).merge(tally)
        return merged

    def finalize(self, partial: PronounPartial) -> MeasureResult:
        speakers: dict[str, dict[str, Any]] = {}
        for name, tally in partial.speakers.items():
            speakers[name] = {f"pronoun_{k}": v for k, v in tally.rates().items()}
        dyads = [
            {"speaker": s, "target": t, "words": tally.words, **tally.rates()}
            for (s, t), tally in sorted(partial.dyads.items())
        ]
        return MeasureResult(
            speakers=speakers,
            signals=list(partial.signals),
            sections={"pronoun_status": {"dyads": dyads}},
        )


PRONOUN_STATUS = PronounStatus()
