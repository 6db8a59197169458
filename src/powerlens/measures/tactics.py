"""Tactics: turns that match manipulation and gaslighting patterns (family ``tactic``).

Labels follow the MentalManip taxonomy (Wang et al., "MentalManip: A Dataset For Fine-grained
Analysis of Mental Manipulation in Conversations", ACL 2024) so results compare with the
literature: denial, evasion, feigning_innocence, rationalization, playing_victim,
playing_servant, shaming_belittlement (including trivialising feelings), intimidation,
brandishing_anger, accusation, persuasion_seduction.

Two sources of evidence, each cited in the signal's ``source``:
- ``rule:<name>``: unambiguous surface forms in ``lexicons/tactics/rules.tsv`` (reality
  denial, memory undermining, trivialising, conditional threats, ...). A match that is
  negated, quoted or reported, hypothetical, or in an utterance marked as a joke is dropped
  (shared checks in ``powerlens.language.rules``).
- ``model:tactics-mentalmanip``: a linear model over word uni/bigrams, character 4-grams and
  the rule features, trained by ``scripts/train_tactics.py`` on the MentalManip and ReaMent
  training splits. Its weights are derived from MentalManip and carry its licence (CC BY-NC
  4.0, ``models/LICENSE-tactics-mentalmanip.txt``); with ``Options(extra={"tactics_model":
  False})`` or without the file the family runs on rules alone.

Per conversation ``scores.manipulation`` is a probability from a logistic stacker over the
dialogue model's score, the strongest flagged turn, how many turns were flagged and whether
one speaker repeats a pattern across turns, fitted on out-of-fold training predictions (so
repetition weighs more than one sharp remark). It is calibrated for data like the training
sets, where about 70% of dialogues are manipulative; on everyday talk it overstates.

Known limits: trained on scripted film dialogue and short transcribed web videos; sarcasm,
banter and quoted talk fool it; signals are patterns to explore, never a judgement of a person.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from powerlens.language import Tokens
from powerlens.language.rules import Rule, discount, find, is_joke, load_rules
from powerlens.measures.base import Options
from powerlens.model import Conversation, MeasureResult, Signal, Utterance

FAMILY = "tactic"
LABELS = (
    "denial",
    "evasion",
    "feigning_innocence",
    "rationalization",
    "playing_victim",
    "playing_servant",
    "shaming_belittlement",
    "intimidation",
    "brandishing_anger",
    "accusation",
    "persuasion_seduction",
)
MENTALMANIP_NAMES = {
    "Denial": "denial",
    "Evasion": "evasion",
    "Feigning Innocence": "feigning_innocence",
    "Rationalization": "rationalization",
    "Playing Victim Role": "playing_victim",
    "Playing Servant Role": "playing_servant",
    "Shaming or Belittlement": "shaming_belittlement",
    "Intimidation": "intimidation",
    "Brandishing Anger": "brandishing_anger",
    "Accusation": "accusation",
    "Persuasion or Seduction": "persuasion_seduction",
}
"""MentalManip's technique names mapped to the labels used here."""

DEFAULT_THRESHOLD = 0.5
"""A signal is reported when its score reaches this; rule scores under it only feed the model."""
MODEL_NAME = "tactics-mentalmanip"
RULES_FILE = "tactics/rules.tsv"
NO_JOKE_DISCOUNT = frozenset({"trivialising"})
"""Rule subtypes that are about jokes themselves ("it was just a joke, relax")."""
EXTRA_REPORTING = re.compile(
    r"\b(?:saying|insisted|insists|kept saying|keeps saying|replied|claims|denied|denies)\b"
    r"[\s,:]*$",
    re.IGNORECASE,
)
META_TALK = re.compile(
    r"\b(?:gaslight\w*|manipulat\w*|narcissis\w*|therapist|counsel+or|psycholog\w*)\b",
    re.IGNORECASE,
)
"""Talk *about* manipulation ("my therapist said he was gaslighting me"): no model signal."""
CAPS = re.compile(r"\b[A-Z]{3,}\b")
SENTENCES = re.compile(r"[^.!?]+[.!?]*")


# ---------------------------------------------------------------- features


def text_features(tokens: list[str], text: str, char_n: int = 4) -> Counter[str]:
    """Feature counts of one text: word uni/bigrams, character n-grams inside words, punctuation."""
    feats: Counter[str] = Counter()
    feats.update(["w " + t for t in tokens])
    feats.update(["b " + a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)])
    if char_n:
        for t in tokens:
            padded = "<" + t + ">"
            if len(padded) > char_n:
                feats.update(
                    ["c" + padded[i : i + char_n] for i in range(len(padded) - char_n + 1)]
                )
    if "?" in text:
        feats["p ?"] += text.count("?")
    if "!" in text:
        feats["p !"] += text.count("!")
    if CAPS.search(text):
        feats["p caps"] += 1
    return feats


def rule_hits(text: str, rules: tuple[Rule, ...]) -> list[tuple[Rule, tuple[int, int]]]:
    """Rule matches in ``text`` that count as the speaker's own act (not negated/reported/joke)."""
    hits = []
    joke = None
    for rule, span in find(rules, text):
        if discount(text, span[0]) is not None:
            continue
        if EXTRA_REPORTING.search(text[max(0, span[0] - 30) : span[0]]):
            continue
        if rule.subtype not in NO_JOKE_DISCOUNT:
            if joke is None:
                joke = is_joke(text)
            if joke:
                continue
        hits.append((rule, span))
    return hits


# ---------------------------------------------------------------- model


@dataclass(frozen=True)
class TacticModel:
    """A linear model: vocabulary, idf weights and one weight column per head."""

    vocab: dict[str, int]
    idf: npt.NDArray[np.float32]
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    heads: tuple[str, ...]
    meta: dict[str, Any]

    def logits(self, feats: Counter[str]) -> npt.NDArray[np.float32]:
        """Head logits for one bag of features (log-scaled counts, idf, L2-normalised)."""
        vocab = self.vocab
        idx = []
        val = []
        for f, c in feats.items():
            j = vocab.get(f)
            if j is not None:
                idx.append(j)
                val.append(c)
        if not idx:
            return self.bias.copy()
        ii = np.fromiter(idx, dtype=np.int64, count=len(idx))
        counts = np.fromiter(val, dtype=np.float32, count=len(val))
        v: npt.NDArray[np.float32] = (np.float32(1.0) + np.log(counts)) * self.idf[ii]
        v /= np.sqrt(float(v @ v))
        result: npt.NDArray[np.float32] = v @ self.weights[ii] + self.bias
        return result

    def head(self, name: str) -> int:
        """Index of a head by name."""
        return self.heads.index(name)


def model_path() -> Any:
    """The shipped model file (a Traversable; may not exist in a rules-only install)."""
    return resources.files("powerlens.models").joinpath(f"{MODEL_NAME}.npz")


@cache
def load_model() -> TacticModel | None:
    """The shipped model, or None when its file is absent (rules-only install)."""
    path = model_path()
    if not path.is_file():
        return None
    with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
        vocab_text = bytes(data["vocab"]).decode("utf-8")
        meta = json.loads(bytes(data["meta"]).decode("utf-8"))
        return TacticModel(
            vocab={f: i for i, f in enumerate(vocab_text.split("\n"))},
            idf=data["idf"].astype(np.float32),
            weights=data["weights"].astype(np.float32),
            bias=data["bias"].astype(np.float32),
            heads=tuple(meta["heads"]),
            meta=meta,
        )


def sigmoid(x: float) -> float:
    """The logistic function, safe for large magnitudes."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# ---------------------------------------------------------------- scoring


@dataclass
class Scored:
    """Everything scored for one conversation, before signals are chosen."""

    dialogue_logit: float
    utterance_logits: list[float]
    technique_logits: list[list[float]]
    rules: list[list[tuple[Rule, tuple[int, int]]]]
    dialogue_technique_logits: list[float]


def score_conversation(
    texts: list[str], tokens: Tokens, model: TacticModel | None, rules: tuple[Rule, ...]
) -> Scored:
    """Rule hits per utterance and, with a model, dialogue, turn and technique logits."""
    char_n = int(model.meta.get("char_n", 4)) if model is not None else 0
    hits = [rule_hits(text, rules) for text in texts]
    if model is None:
        n = len(texts)
        return Scored(0.0, [0.0] * n, [[0.0] * len(LABELS)] * n, hits, [0.0] * len(LABELS))
    whole: Counter[str] = Counter()
    turn_logits: list[float] = []
    tech_logits: list[list[float]] = []
    d_head = model.head("utterance")
    t0 = model.head(LABELS[0])
    for text, words, found in zip(texts, tokens, hits, strict=True):
        feats = text_features(words, text, char_n)
        for rule, _ in found:
            feats["r " + rule.label] += 1
        whole.update(feats)
        out = model.logits(feats)
        turn_logits.append(float(out[d_head]))
        tech_logits.append(out[t0 : t0 + len(LABELS)].tolist())
    out = model.logits(whole)
    dt0 = model.head("dialogue:" + LABELS[0])
    return Scored(
        dialogue_logit=float(out[model.head("dialogue")]),
        utterance_logits=turn_logits,
        technique_logits=tech_logits,
        rules=hits,
        dialogue_technique_logits=out[dt0 : dt0 + len(LABELS)].tolist(),
    )


def stack_features(scored: Scored, speakers: list[str], turn_threshold: float) -> list[float]:
    """Inputs of the conversation-level stacker (see module docstring)."""
    flagged: Counter[str] = Counter()
    for logit, found, speaker in zip(scored.utterance_logits, scored.rules, speakers, strict=True):
        if logit >= turn_threshold or any(r.score >= DEFAULT_THRESHOLD for r, _ in found):
            flagged[speaker] += 1
    strongest = max(scored.utterance_logits, default=0.0)
    rule_turns = sum(1 for found in scored.rules if found)
    return [
        scored.dialogue_logit,
        strongest,
        math.log1p(sum(flagged.values())),
        1.0 if flagged and max(flagged.values()) >= 2 else 0.0,
        math.log1p(rule_turns),
    ]


def manipulation_probability(
    scored: Scored, speakers: list[str], model: TacticModel | None
) -> float:
    """The calibrated conversation-level probability (rules-only: a capped rule-based proxy)."""
    if model is None:
        strongest = max((r.score for found in scored.rules for r, _ in found), default=0.0)
        return strongest * 0.9
    stack = model.meta["stacker"]
    x = stack_features(scored, speakers, float(model.meta["turn_threshold"]))
    z = float(stack["bias"]) + sum(w * v for w, v in zip(stack["weights"], x, strict=True))
    return sigmoid(z)


def turn_score(logit: float, model: TacticModel) -> float:
    """A turn's model signal strength: 0.5 at the operating point chosen on training folds."""
    return sigmoid(float(model.meta["turn_slope"]) * (logit - float(model.meta["turn_threshold"])))


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
            if model is None or META_TALK.search(u.text):
                continue
            strength = turn_score(scored.utterance_logits[i], model)
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
        probability = manipulation_probability(scored, speakers, model)
        summary = _summary(conversation, signals, probability, threshold, model)
        if model is not None:
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
