"""Power moves: speech acts, Power Over / With / To and control acts, bases of power, the
Boundary Check, whose plan was enacted, self-talk.

The heart of the framework: what each person does with power, utterance by utterance, read
from the speech-act layer (``language.acts``: what each clause does, whose conduct it targets,
what it is about) and the turns around it.

- ``act`` signals: every speech act (label) with whose conduct it targets (subtype).
- Stance (VeneKlasen & Miller 2002): ``stance`` signals power_over, whose subtype is a control
  act (monitoring, isolation, economic_control, intimidation, deciding_for_another,
  degradation, regulating_everyday_life; the Duluth wheel, Stark 2007, the UK statutory
  guidance; ``control.py``) or command, prohibition, dismissing; power_with; power_to.
- Bases of power (French & Raven 1959; Raven 1965): ``power_base`` signals; coercive and reward
  come from threats and promises.
- Resources invoked (Tracking Influence's third question): ``resource`` signals.
- ``boundary`` (refusal), ``proposal`` and ``self_talk`` (self_critical, appeasement) signals,
  and the turn structures (``sequence.py``, ``boundary.py``, ``plans.py``): the sections
  ``boundaries``, ``proposals`` and ``decision``.

Per speaker: ``power_over`` / ``power_with`` / ``power_to`` counts, ``refusals``,
``refusals_respected`` and ``boundary_respect_rate`` (respected / all of their refusals, null
when they made none). Self-talk signals are signals to explore, never a diagnosis.

Known limits: see ``language/acts.py`` (rules over words, English only, unmarked irony),
``control.py`` and ``plans.py`` (turn order stands in for reply structure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from powerlens.language import Tokens
from powerlens.language.prefilter import fold, needles
from powerlens.measures.base import Options, addressees
from powerlens.measures.moves.boundary import boundaries
from powerlens.measures.moves.detect import Hit, forget
from powerlens.measures.moves.models import with_probability, with_threshold
from powerlens.measures.moves.plans import proposals
from powerlens.measures.moves.sequence import carry_control, mark_resistance, overrule_plans
from powerlens.measures.moves.structures import Turn, refusal_hits, turns
from powerlens.model import Conversation, MeasureResult, Signal

APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e|my apologies|forgive me)\b", re.IGNORECASE)
CONDOLENCE = re.compile(
    r"\bsorry (?:to hear|for your loss|about your|that happened to)\b", re.IGNORECASE
)
REPEATED_APOLOGY = 3
"""A speaker's third and later apologising utterances in one conversation are over-apology."""
APOLOGY_NEEDLES = needles(APOLOGY)
"""Strings one of which any apology contains (``language.prefilter``): a cheap first check."""


@dataclass
class MovesPartial:
    """Signals, per-speaker counts and turn structures for one or more conversations."""

    conversations: int = 0
    signals: list[Signal] = field(default_factory=list)
    speakers: dict[str, dict[str, int]] = field(default_factory=dict)
    boundaries: list[dict[str, Any]] = field(default_factory=list)
    proposals: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)


COUNTS = ("power_over", "power_with", "power_to", "refusals", "refusals_respected")


def _signal(turn: Turn, hit: Hit, target: str | None) -> Signal:
    return Signal(
        utterance_id=turn.utterance.id,
        speaker=turn.utterance.speaker,
        family=hit.family,
        label=hit.label,
        span=hit.span,
        score=hit.score,
        source=f"model:{hit.rule}" if hit.rule in MODELS else f"rule:{hit.rule}",
        target=target,
        subtype=hit.subtype,
    )


def _repeated_apologies(seq: list[Turn]) -> dict[int, Hit]:
    """Over-apology across turns: a speaker's third and later apologising utterances."""
    seen: dict[str, int] = {}
    found: dict[int, Hit] = {}
    for i, turn in enumerate(seq):
        folded = fold(turn.utterance.text)
        if APOLOGY_NEEDLES is not None and not any(n in folded for n in APOLOGY_NEEDLES):
            continue
        match = APOLOGY.search(turn.utterance.text)
        if match is None or CONDOLENCE.search(turn.utterance.text):
            continue
        speaker = turn.utterance.speaker
        seen[speaker] = seen.get(speaker, 0) + 1
        if seen[speaker] >= REPEATED_APOLOGY and not turn.has("self_talk", "appeasement"):
            found[i] = Hit(
                "self_talk",
                "appeasement",
                "over_apology",
                match.span(),
                0.6,
                "self_talk.repeated_apology",
            )
    return found


MODELS = frozenset({"moves-with"})
"""Hit sources that are models, not rules (a signal's ``source`` says which)."""
NEGOTIATION = "negotiation"
"""The context tag (``analyze --context negotiation``) under which Power With is read by the
model trained on CaSiNo's strategy labels (``measures.moves.models``, CC BY 4.0): in a
negotiation it is more precise than the rules (docs/validation.md); elsewhere it would miss most
Power With, so other talk keeps the rules."""


def _negotiated(turn: Turn) -> list[Hit]:
    """Power With in a negotiation: a trade-off offered or the other's preferences asked for,
    as the CaSiNo-trained model reads the whole utterance."""
    text = turn.utterance.text
    probability = with_probability(text)
    if probability < with_threshold():
        return []
    start = len(text) - len(text.lstrip())
    span = (start, len(text.rstrip()))
    return [Hit("stance", "power_with", "coordination", span, round(probability, 3), "moves-with")]


class Moves:
    """The power-moves measure family (map / combine / finalize)."""

    name = "moves"
    requires: frozenset[str] = frozenset()

    def map(self, conversation: Conversation, tokens: Tokens, options: Options) -> MovesPartial:
        seq = turns(conversation.utterances)
        negotiation = NEGOTIATION in conversation.context
        if not negotiation:
            overrule_plans(seq)
        carry_control(seq)
        mark_resistance(seq)
        partial = MovesPartial(conversations=1)
        for name in conversation.speaker_names():
            partial.speakers[name] = dict.fromkeys(COUNTS, 0)
        apologies = _repeated_apologies(seq)
        targets = addressees([t.utterance.speaker for t in seq])
        for i, turn in enumerate(seq):
            target = targets[i]
            counted = refusal_hits(seq, i)
            tally = partial.speakers[turn.utterance.speaker]
            extra = [apologies[i]] if i in apologies else []
            hits = turn.hits
            if negotiation:
                hits = [h for h in hits if h.label != "power_with"] + _negotiated(turn)
            for hit in [*hits, *extra]:
                if hit.family == "boundary" and hit not in counted:
                    continue
                if hit.family == "stance":
                    tally[hit.label] += 1
                partial.signals.append(_signal(turn, hit, target))
        partial.boundaries = boundaries(seq)
        for entry in partial.boundaries:
            tally = partial.speakers[entry["by"]]
            tally["refusals"] += 1
            tally["refusals_respected"] += entry["response"] == "respected"
        partial.proposals, decision = proposals(seq)
        partial.decisions = [decision]
        forget()  # (this conversation's readings: 27 MB at 64k messages, not needed past here)
        return partial

    def combine(self, a: MovesPartial, b: MovesPartial) -> MovesPartial:
        merged = MovesPartial(
            conversations=a.conversations + b.conversations,
            signals=a.signals + b.signals,
            boundaries=a.boundaries + b.boundaries,
            proposals=a.proposals + b.proposals,
            decisions=a.decisions + b.decisions,
        )
        for source in (a, b):
            for name, counts in source.speakers.items():
                into = merged.speakers.setdefault(name, dict.fromkeys(COUNTS, 0))
                for key, value in counts.items():
                    into[key] += value
        return merged

    def finalize(self, partial: MovesPartial) -> MeasureResult:
        speakers: dict[str, dict[str, Any]] = {}
        for name, counts in partial.speakers.items():
            refusals = counts["refusals"]
            speakers[name] = {
                **counts,
                "boundary_respect_rate": counts["refusals_respected"] / refusals
                if refusals
                else None,
            }
        decision = (
            partial.decisions[0]
            if len(partial.decisions) == 1
            else {"plan_of": None, "evidence": []}
        )
        return MeasureResult(
            speakers=speakers,
            signals=list(partial.signals),
            sections={
                "boundaries": partial.boundaries,
                "proposals": partial.proposals,
                "decision": decision,
            },
        )


MOVES = Moves()

__all__ = ["MOVES", "Moves", "MovesPartial"]
