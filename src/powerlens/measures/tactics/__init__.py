"""Tactics: turns that match manipulation and gaslighting patterns (family ``tactic``).

Labels follow the MentalManip taxonomy (Wang et al., "MentalManip: A Dataset For Fine-grained
Analysis of Mental Manipulation in Conversations", ACL 2024) so results compare with the
literature: denial, evasion, feigning_innocence, rationalization, playing_victim,
playing_servant, shaming_belittlement (including trivialising feelings), intimidation,
brandishing_anger, accusation, persuasion_seduction.

Two sources of evidence, each cited in the signal's ``source``:
- ``rule:<name>``: unambiguous surface forms in ``lexicons/tactics/rules.tsv``, dropped when
  negated, quoted or reported, hypothetical or joking (``tactics_rules``).
- ``model:tactics-<name>``: linear heads over hashed n-grams (``tactics_model``): the default
  ``mentalmanip`` model (MentalManip and ReaMent, CC BY-NC 4.0) or ``reament`` (ReaMent only,
  MIT), chosen with ``Options(tactics_model=...)`` / ``--tactics-model``. A turn gets the top
  technique when its evidence reaches the operating point and no rule already gave that label.
  With ``Options(tactics_model="none")`` or without the file the family runs on rules alone.

This module builds the signals and the ``tactics`` section: who to whom (attribution), the
sequence of flagged turns and the patterns one speaker repeats across turns. Per conversation
``scores.manipulation`` comes from the windows (episodes) of the conversation and the turns that
carry evidence (``tactics_score``), calibrated to the model's stated base rate or to
``Options(extra={"tactics_base_rate": b})``; the section's ``calibration`` keeps the value at
the training data's mix. ``Options(extra={"tactics_threshold": t})`` moves the signal
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
from powerlens.measures.base import Options, addressees
from powerlens.measures.tactics.model import (
    DEFAULT_MODEL,
    HASH_BITS,
    MODEL_NAME,
    MODELS,
    TacticModel,
    bucket,
    check_model_name,
    load_model,
    logit,
    model_path,
    model_quiet,
    sigmoid,
    turn_buckets,
)
from powerlens.measures.tactics.rules import (
    DEFAULT_THRESHOLD,
    LABELS,
    MENTALMANIP_NAMES,
    RULES_FILE,
    rule_hits,
)
from powerlens.measures.tactics.score import (
    STACK_INPUTS,
    Scored,
    conversation_probability,
    flagged_turns,
    manipulation_probability,
    score_conversation,
    stack_features,
    turn_evidence,
    turn_score,
)
from powerlens.model import Conversation, MeasureResult, Signal

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_THRESHOLD",
    "FAMILY",
    "HASH_BITS",
    "LABELS",
    "MENTALMANIP_NAMES",
    "MODELS",
    "MODEL_NAME",
    "RULES_FILE",
    "STACK_INPUTS",
    "TACTICS",
    "Scored",
    "TacticModel",
    "TacticPartial",
    "Tactics",
    "bucket",
    "check_model_name",
    "conversation_probability",
    "chosen_model",
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
        name = chosen_model(options)
        model = None if name is None else load_model(name)
        utterances = conversation.utterances
        texts = [u.text for u in utterances]
        speakers = [u.speaker for u in utterances]
        base_rate = _base_rate(options, model)
        probability, at_training, scored, _, strongest = conversation_probability(
            texts, speakers, tokens, model, load_rules(RULES_FILE), base_rate
        )
        evidence = turn_evidence(scored, float(model.meta["turn"]["mix"])) if model else []
        # A model without technique heads (ReaMent has no technique labels) gives no turn
        # signals of its own: a signal names its tactic, and only the rules can then.
        labelled = model is not None and bool(model.meta.get("techniques", True))
        signals: list[Signal] = []
        targets = addressees([u.speaker for u in utterances])
        for i, u in enumerate(utterances):
            target = targets[i]
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
            if model is None or not labelled or model_quiet(u.text):
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
                    f"model:tactics-{name}",
                    target,
                    None,
                )
            )
        summary = _summary(conversation, signals, probability, threshold, model, name)
        if model is not None:
            summary["calibration"] = {
                "base_rate": base_rate,
                "training_rate": float(model.meta["calibration"]["training_rate"]),
                "manipulation_at_training_rate": round(at_training, 4),
            }
            start, end = scored.spans[strongest]
            summary["windows"] = {
                "turns": int(model.meta["window"]["turns"]),
                "count": len(scored.spans),
                "strongest": [utterances[start].id, utterances[end - 1].id] if end else [],
            }
            summary["techniques"] = {
                label: round(sigmoid(z), 4)
                for label, z in zip(LABELS, scored.window_technique_logits[strongest], strict=True)
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


def chosen_model(options: Options) -> str | None:
    """The tactic model's name, or None for rules only: ``Options(tactics_model=...)``, which
    ``Options(extra={"tactics_model": ...})`` overrides (True: the default, False: none)."""
    value: object = options.extra.get("tactics_model", options.tactics_model)
    if value is True:
        return DEFAULT_MODEL
    if value is False or value is None or value == "none":
        return None
    return check_model_name(value)


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
    model_name: str | None,
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
    per_speaker: dict[str, list[dict[str, Any]]] = {}
    for t in sequence:
        per_speaker.setdefault(t["speaker"], []).append(t)
    for name, row in by_speaker.items():
        mine = per_speaker.get(name, [])
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
        "source": f"model:tactics-{model_name}" if model is not None else "rules",
        "model": None
        if model is None
        else {
            "name": f"tactics-{model_name}",
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
