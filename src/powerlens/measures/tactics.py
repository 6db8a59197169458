"""Tactics: turns that match manipulation and gaslighting patterns (family ``tactic``).

Labels follow the MentalManip taxonomy (Wang et al., "MentalManip: A Dataset For Fine-grained
Analysis of Mental Manipulation in Conversations", ACL 2024) so results compare with the
literature: denial, evasion, feigning_innocence, rationalization, playing_victim,
playing_servant, shaming_belittlement (including trivialising feelings), intimidation,
brandishing_anger, accusation, persuasion_seduction.

Two sources of evidence, each cited in the signal's ``source``:
- ``rule:<name>``: unambiguous surface forms in ``lexicons/tactics/rules.tsv``, dropped when
  negated, quoted or reported, hypothetical or joking (``tactics_rules``).
- ``model:tactics-mentalmanip``: linear heads over hashed n-grams trained on MentalManip and
  ReaMent (``tactics_model``; CC BY-NC 4.0 like MentalManip). A turn gets the top technique
  when its evidence reaches the operating point and no rule already gave that label. With
  ``Options(extra={"tactics_model": False})`` or without the file the family runs on rules alone.

This module builds the signals and the ``tactics`` section: who to whom (attribution), the
sequence of flagged turns and the patterns one speaker repeats across turns. Per conversation
``scores.manipulation`` is the stacker's probability (see ``tactics_model``) shifted to a base
rate, 0.5 by default ("even odds": the score reflects the conversation's evidence, not the data
set's mix), or to ``Options(extra={"tactics_base_rate": b})``; the section's ``calibration``
keeps the unshifted value. ``Options(extra={"tactics_threshold": t})`` moves the signal
threshold.

Known limits: trained on scripted film dialogue and short transcribed web videos; dialogue
detection is modest (about 0.74 AUC); sarcasm, banter and quoted talk fool it; signals are
patterns to explore, never a judgement of a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from powerlens.errors import UsageError
from powerlens.language import Tokens
from powerlens.language.rules import discount, load_rules
from powerlens.measures.base import Options
from powerlens.measures.tactics_model import (
    HASH_BITS,
    MODEL_NAME,
    STACK_INPUTS,
    Scored,
    TacticModel,
    bucket,
    flagged_turns,
    load_model,
    logit,
    manipulation_probability,
    model_path,
    model_quiet,
    score_conversation,
    sigmoid,
    stack_features,
    turn_buckets,
    turn_evidence,
    turn_score,
)
from powerlens.measures.tactics_rules import (
    DEFAULT_THRESHOLD,
    LABELS,
    MENTALMANIP_NAMES,
    RULES_FILE,
    rule_hits,
)
from powerlens.model import Conversation, MeasureResult, Signal, Utterance

__all__ = [
    "DEFAULT_THRESHOLD",
    "FAMILY",
    "HASH_BITS",
    "LABELS",
    "MENTALMANIP_NAMES",
    "MODEL_NAME",
    "RULES_FILE",
    "STACK_INPUTS",
    "TACTICS",
    "Scored",
    "TacticModel",
    "TacticPartial",
    "Tactics",
    "bucket",
    "flagged_turns",
    "load_model",
    "logit",
    "manipulation_probability",
    "model_path",
    "model_quiet",
    "rule_hits",
    "score_conversation",
    "sigmoid",
    "stack_features",
    "turn_buckets",
    "turn_evidence",
    "turn_score",
]

FAMILY = "tactic"


def _target(utterances: tuple[Utterance, ...], i: int, names: list[str]) -> str | None:
    """The other speaker: the only one in a dyad, else the nearest different speaker around."""
    me = utterances[i].speaker
    others = [n for n in names if n != me]
    if len(others) == 1:
        return others[0]
    for j in [*range(i - 1, -1, -1), *range(i + 1, len(utterances))]:
        other: str = utterances[j].speaker
        if other != me:
            return other
    return None


def _model_span(text: str, words: list[str]) -> tuple[int, int]:
    """The utterance text without surrounding whitespace."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return (start, end) if end > start else (0, len(text))


# ---------------------------------------------------------------- measure


@dataclass
class TacticPartial:
    """Signals and per-conversation summaries for one or more conversations."""

    signals: list[Signal] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)


class Tactics:
    """The tactic measure family (map / combine / finalize)."""

    name = "tactic"
    requires: frozenset[str] = frozenset()

    def map(self, conversation: Conversation, tokens: Tokens, options: Options) -> TacticPartial:
        threshold = float(options.extra.get("tactics_threshold", DEFAULT_THRESHOLD))
        model = load_model() if options.extra.get("tactics_model", True) else None
        utterances = conversation.utterances
        texts = [u.text for u in utterances]
        speakers = [u.speaker for u in utterances]
        scored = score_conversation(texts, tokens, model, load_rules(RULES_FILE))
        names = conversation.speaker_names()
        evidence = turn_evidence(scored, float(model.meta["turn"]["mix"])) if model else []
        signals: list[Signal] = []
        for i, u in enumerate(utterances):
            target = _target(utterances, i, names)
            ruled: set[str] = set()
            for rule, span in scored.rules[i]:
                if rule.score >= threshold:
                    ruled.add(rule.label)
                    signals.append(
                        Signal(
                            u.id,
                            u.speaker,
                            FAMILY,
                            rule.label,
                            span,
                            rule.score,
                            f"rule:{rule.name}",
                            target,
                            rule.subtype,
                        )
                    )
            if model is None or model_quiet(u.text):
                continue
            strength = turn_score(evidence[i], model)
            if strength < threshold:
                continue
            tech = scored.technique_logits[i]
            best = max(range(len(LABELS)), key=tech.__getitem__)
            span = _model_span(u.text, tokens[i])
            if LABELS[best] in ruled or discount(u.text, span[0]) is not None:
                continue
            signals.append(
                Signal(
                    u.id,
                    u.speaker,
                    FAMILY,
                    LABELS[best],
                    span,
                    round(strength, 4),
                    f"model:{MODEL_NAME}",
                    target,
                    None,
                )
            )
        base_rate = _base_rate(options, model)
        inputs: list[float] = []
        if model is not None:
            turn = model.meta["turn"]
            flagged = flagged_turns(scored, texts, float(turn["mix"]), float(turn["threshold"]))
            inputs = stack_features(scored, speakers, flagged)
        probability, at_training = manipulation_probability(scored, inputs, model, base_rate)
        summary = _summary(conversation, signals, probability, threshold, model)
        if model is not None:
            summary["calibration"] = {
                "base_rate": base_rate,
                "training_rate": float(model.meta["calibration"]["training_rate"]),
                "manipulation_at_training_rate": round(at_training, 4),
            }
            summary["techniques"] = {
                label: round(sigmoid(z), 4)
                for label, z in zip(LABELS, scored.dialogue_technique_logits, strict=True)
            }
        return TacticPartial(signals=signals, conversations=[summary])

    def combine(self, a: TacticPartial, b: TacticPartial) -> TacticPartial:
        return TacticPartial(a.signals + b.signals, a.conversations + b.conversations)

    def finalize(self, partial: TacticPartial) -> MeasureResult:
        speakers: dict[str, dict[str, Any]] = {}
        for s in partial.signals:
            row = speakers.setdefault(s.speaker, {"tactic_signals": 0, "tactic_targeted": 0})
            row["tactic_signals"] += 1
            if s.target is not None:
                speakers.setdefault(s.target, {"tactic_signals": 0, "tactic_targeted": 0})
                speakers[s.target]["tactic_targeted"] += 1
        for summary in partial.conversations:
            for name in summary["by_speaker"]:
                speakers.setdefault(name, {"tactic_signals": 0, "tactic_targeted": 0})
        probabilities = [c["manipulation"] for c in partial.conversations]
        scores = {"manipulation": max(probabilities)} if probabilities else {}
        section = (
            partial.conversations[0]
            if len(partial.conversations) == 1
            else {"conversations": partial.conversations}
        )
        return MeasureResult(
            speakers=speakers, signals=partial.signals, scores=scores, sections={"tactics": section}
        )


def _base_rate(options: Options, model: TacticModel | None) -> float:
    """The base rate ``scores.manipulation`` is calibrated to: the option, else the model's."""
    value = options.extra.get("tactics_base_rate")
    if value is None:
        return float(model.meta["calibration"]["base_rate"]) if model is not None else 0.5
    rate = float(value)
    if not 0.0 < rate < 1.0:
        raise UsageError(
            f"tactics_base_rate must lie strictly between 0 and 1, got {value!r}",
            fix='pass a share such as Options(extra={"tactics_base_rate": 0.1})',
        )
    return rate


def _summary(
    conversation: Conversation,
    signals: list[Signal],
    probability: float,
    threshold: float,
    model: TacticModel | None,
) -> dict[str, Any]:
    """Attribution (who to whom), the sequence over time and the patterns repeated across turns."""
    index = {u.id: i for i, u in enumerate(conversation.utterances)}
    by_speaker: dict[str, dict[str, Any]] = {
        n: {"signals": 0, "turns": 0, "labels": {}, "targets": {}}
        for n in conversation.speaker_names()
    }
    turns: dict[str, dict[str, Any]] = {}
    for s in signals:
        row = by_speaker[s.speaker]
        row["signals"] += 1
        row["labels"][s.label] = row["labels"].get(s.label, 0) + 1
        if s.target is not None:
            row["targets"][s.target] = row["targets"].get(s.target, 0) + 1
        turn = turns.setdefault(
            s.utterance_id,
            {
                "utterance_id": s.utterance_id,
                "index": index[s.utterance_id],
                "speaker": s.speaker,
                "target": s.target,
                "labels": [],
                "score": 0.0,
            },
        )
        if s.label not in turn["labels"]:
            turn["labels"].append(s.label)
        turn["score"] = max(turn["score"], s.score)
    sequence = sorted(turns.values(), key=lambda t: t["index"])
    for t in sequence:
        by_speaker[t["speaker"]]["turns"] += 1
    repeated = []
    for name, row in by_speaker.items():
        mine = [t for t in sequence if t["speaker"] == name]
        if len(mine) >= 2:
            repeated.append(
                {
                    "speaker": name,
                    "turns": len(mine),
                    "utterance_ids": [t["utterance_id"] for t in mine],
                    "labels": sorted(row["labels"]),
                }
            )
    lead = max(by_speaker.items(), key=lambda kv: (kv[1]["turns"], kv[1]["signals"]), default=None)
    return {
        "manipulation": probability,
        "threshold": threshold,
        "source": f"model:{MODEL_NAME}" if model is not None else "rules",
        "model": None
        if model is None
        else {
            "name": MODEL_NAME,
            "trained_on": model.meta.get("trained_on", ""),
            "licence": model.meta.get("licence", ""),
        },
        "attribution": {
            "from": lead[0] if lead and lead[1]["turns"] else None,
            "to": (
                max(lead[1]["targets"], key=lead[1]["targets"].__getitem__)
                if lead and lead[1]["targets"]
                else None
            ),
        },
        "by_speaker": by_speaker,
        "sequence": sequence,
        "repeated": repeated,
    }


TACTICS = Tactics()
