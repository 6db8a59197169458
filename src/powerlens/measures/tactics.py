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
- ``model:tactics-mentalmanip``: linear heads over hashed word uni-, bi- and trigrams, ``?``,
  ``!``, capitals and the rule labels (sublinear tf x idf), trained by
  ``scripts/train_tactics.py`` on the MentalManip and ReaMent training splits: one head for the
  whole dialogue, one for turns (trained on the turns annotators marked), one per technique.
  A turn is flagged when its evidence (turn logit plus ``mix`` times the dialogue logit)
  reaches the operating point chosen so that at most 2.5% of non-manipulative training
  dialogues (out of fold) get any signal; turns that quote or report someone else's words,
  talk about manipulation or are marked as a joke are not flagged by the model. Its weights
  are derived from MentalManip and carry its licence (CC BY-NC 4.0,
  ``models/LICENSE-tactics-mentalmanip.txt``); with ``Options(extra={"tactics_model": False})``
  or without the file the family runs on rules alone.

Per conversation ``scores.manipulation`` comes from a logistic stacker (non-negative weights,
fitted on out-of-fold training predictions, i.e. Platt-style calibration) over the dialogue
logit, the strongest turns, strong and weak rule hits and how many turns one speaker has
flagged (so a pattern repeated across turns weighs more than one sharp remark). The training
data are about 70% manipulative, so the stacker's probability carries that prior; the score is
shifted (Bayes' rule on the log-odds) to a stated base rate, 0.5 by default ("even odds": the
score reflects the conversation's evidence, not the data set's mix), or to
``Options(extra={"tactics_base_rate": b})``. The section's ``calibration`` keeps the unshifted
value. The shift assumes conversations of each class look alike in both populations.

Known limits: trained on scripted film dialogue and short transcribed web videos; dialogue
detection is modest (about 0.74 AUC); sarcasm, banter and quoted talk fool it; signals are
patterns to explore, never a judgement of a person.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from powerlens.errors import UsageError
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
OTHER_SPEECH = re.compile(
    r"[\"“][^\"”]{4,}[\"”]|\b(?:he|she|they|my \w+|your \w+) (?:said|says|told me|tells me|"
    r"keeps saying|kept saying|was like)\b",
    re.IGNORECASE,
)
"""A turn that quotes or reports someone else's words: the model does not flag it."""


def model_quiet(text: str) -> bool:
    """Turns the model never flags: talk about manipulation, quoted or reported words of
    someone else, and turns marked as a joke (rules keep their own checks)."""
    return bool(META_TALK.search(text) or OTHER_SPEECH.search(text) or is_joke(text))


CAPS = re.compile(r"\b[A-Z]{3,}\b")


# ---------------------------------------------------------------- features

HASH_BITS = 18
"""Features are hashed (CRC-32) into 2**HASH_BITS buckets; the model keeps the buckets it saw."""
_MASK = (1 << HASH_BITS) - 1
_BUCKETS: dict[str, int] = {}
"""Memo of feature string -> bucket for words and punctuation (bounded, see ``bucket``)."""
_PUNCT = ("p ?", "p !", "p caps")


def bucket(feature: str) -> int:
    """The hash bucket of one feature string (stable across processes, unlike ``hash``)."""
    got = _BUCKETS.get(feature)
    if got is None:
        got = zlib.crc32(feature.encode("utf-8")) & _MASK
        if len(_BUCKETS) < 200_000:
            _BUCKETS[feature] = got
    return got


def turn_buckets(words: list[str], text: str, rule_labels: Iterable[str] = ()) -> list[int]:
    """Hashed features of one turn, repeats kept: words, word bi- and trigrams, ``?``/``!``,
    words in capitals, and the labels of the rules that matched (weak ones included)."""
    crc = zlib.crc32
    out = [bucket("w " + w) for w in words]
    out += [
        crc(("b " + a + " " + b).encode("utf-8")) & _MASK
        for a, b in zip(words, words[1:], strict=False)
    ]
    out += [
        crc(("t " + a + " " + b + " " + c).encode("utf-8")) & _MASK
        for a, b, c in zip(words, words[1:], words[2:], strict=False)
    ]
    if "?" in text:
        out += [bucket(_PUNCT[0])] * text.count("?")
    if "!" in text:
        out += [bucket(_PUNCT[1])] * text.count("!")
    if CAPS.search(text):
        out.append(bucket(_PUNCT[2]))
    out += [bucket("r " + label) for label in rule_labels]
    return out


_PREFILTERS: dict[int, tuple[tuple[Rule, ...], re.Pattern[str]]] = {}


def _prefilter(rules: tuple[Rule, ...]) -> re.Pattern[str]:
    """One alternation of every rule: a turn that it does not match has no rule hit.

    Memoised by identity (``load_rules`` returns the same tuple): hashing 60 rules per turn
    would cost more than the match.
    """
    got = _PREFILTERS.get(id(rules))
    if got is None or got[0] is not rules:
        pattern = re.compile("|".join(f"(?:{r.pattern.pattern})" for r in rules), re.IGNORECASE)
        _PREFILTERS[id(rules)] = got = (rules, pattern)
    return got[1]


def rule_hits(text: str, rules: tuple[Rule, ...]) -> list[tuple[Rule, tuple[int, int]]]:
    """Rule matches in ``text`` that count as the speaker's own act (not negated/reported/joke)."""
    if _prefilter(rules).search(text) is None:
        return []
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
    """Linear heads over hashed n-gram features: a bucket->row table, idf and weight columns."""

    rows: npt.NDArray[np.int32]
    idf: npt.NDArray[np.float32]
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    heads: tuple[str, ...]
    meta: dict[str, Any]

    def head(self, name: str) -> int:
        """Index of a head by name."""
        return self.heads.index(name)

    def group_logits(
        self, buckets: list[list[int]], groups: list[int], n_groups: int
    ) -> npt.NDArray[np.float32]:
        """Head logits (``n_groups`` x heads) of the bags made by pooling turns into groups.

        Each bag is weighted as in training: ``(1 + log count) * idf``, then L2-normalised.
        """
        out = np.tile(self.bias, (n_groups, 1))
        lengths = [len(b) for b in buckets]
        if not sum(lengths):
            return out
        found = self.rows[np.fromiter(chain.from_iterable(buckets), np.int64, sum(lengths))]
        owner = np.repeat(np.asarray(groups, dtype=np.int64), lengths)
        keep = found >= 0
        if not keep.any():
            return out
        n_rows = len(self.idf)
        keys, counts = np.unique(owner[keep] * n_rows + found[keep], return_counts=True)
        group = keys // n_rows
        feature = keys - group * n_rows
        value = (1.0 + np.log(counts.astype(np.float32))) * self.idf[feature]
        norm = np.sqrt(np.bincount(group, value * value, minlength=n_groups))
        value = value / norm[group]
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        out[group[starts]] += np.add.reduceat(self.weights[feature] * value[:, None], starts)
        return out


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
        meta = json.loads(bytes(data["meta"]).decode("utf-8"))
        kept = data["buckets"].astype(np.int64)
        rows = np.full(1 << int(meta["hash_bits"]), -1, dtype=np.int32)
        rows[kept] = np.arange(len(kept), dtype=np.int32)
        return TacticModel(
            rows=rows,
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


def logit(p: float) -> float:
    """The inverse of ``sigmoid`` for ``0 < p < 1``."""
    return math.log(p / (1.0 - p))


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
    hits = [rule_hits(text, rules) for text in texts]
    n = len(texts)
    if model is None:
        return Scored(0.0, [0.0] * n, [[0.0] * len(LABELS)] * n, hits, [0.0] * len(LABELS))
    buckets = [
        turn_buckets(words, text, [r.label for r, _ in found])
        for text, words, found in zip(texts, tokens, hits, strict=True)
    ]
    # One pass over two poolings: each turn on its own, and all turns as the whole dialogue.
    out = model.group_logits(buckets * 2, [*range(n), *[n] * n], n + 1)
    u, t0 = model.head("utterance"), model.head(LABELS[0])
    d, dt0 = model.head("dialogue"), model.head("dialogue:" + LABELS[0])
    k = len(LABELS)
    return Scored(
        dialogue_logit=float(out[n, d]),
        utterance_logits=out[:n, u].tolist(),
        technique_logits=out[:n, t0 : t0 + k].tolist(),
        rules=hits,
        dialogue_technique_logits=out[n, dt0 : dt0 + k].tolist(),
    )


def turn_evidence(scored: Scored, mix: float) -> list[float]:
    """Per-turn evidence: the turn's logit plus ``mix`` times the whole dialogue's logit."""
    return [z + mix * scored.dialogue_logit for z in scored.utterance_logits]


def flagged_turns(scored: Scored, texts: list[str], mix: float, threshold: float) -> list[bool]:
    """Turns with a signal at the default threshold: a strong rule, or model evidence at the
    operating point (not for turns that quote others or talk about manipulation)."""
    evidence = turn_evidence(scored, mix)
    return [
        any(r.score >= DEFAULT_THRESHOLD for r, _ in found)
        or (e >= threshold and not model_quiet(text))
        for e, found, text in zip(evidence, scored.rules, texts, strict=True)
    ]


def stack_features(scored: Scored, speakers: list[str], flagged: list[bool]) -> list[float]:
    """Inputs of the conversation-level stacker, in the order of ``STACK_INPUTS``."""
    turns = sorted(scored.utterance_logits, reverse=True)
    strong = sum(1 for found in scored.rules if any(r.score >= DEFAULT_THRESHOLD for r, _ in found))
    weak = sum(1 for found in scored.rules if found) - strong
    repeats = Counter(s for s, f in zip(speakers, flagged, strict=True) if f)
    return [
        scored.dialogue_logit,
        turns[0] if turns else 0.0,
        sum(turns[:2]) / len(turns[:2]) if turns else 0.0,
        math.log1p(strong),
        math.log1p(weak),
        math.log1p(max(repeats.values(), default=0)),
    ]


STACK_INPUTS = (
    "dialogue_logit",
    "strongest_turn_logit",
    "top2_turn_logit_mean",
    "log1p_strong_rule_turns",
    "log1p_weak_rule_turns",
    "log1p_flagged_turns_of_one_speaker",
)


def manipulation_probability(
    scored: Scored, stack_inputs: list[float], model: TacticModel | None, base_rate: float
) -> tuple[float, float]:
    """The calibrated probability at ``base_rate`` and at the training data's rate.

    The stacker is a logistic regression fitted on out-of-fold training predictions, so its
    output is calibrated for the training mix (about 70% manipulative). Moving to another base
    rate ``b`` adds ``logit(b) - logit(training rate)`` to its log-odds (Bayes' rule, assuming
    the same conversations look alike in both populations). Rules only: a capped proxy.
    """
    if model is None:
        strongest = max((r.score for found in scored.rules for r, _ in found), default=0.0)
        return strongest * 0.9, strongest * 0.9
    stack = model.meta["stacker"]
    weights = stack["weights"]
    z = float(stack["bias"]) + sum(w * v for w, v in zip(weights, stack_inputs, strict=True))
    rate = float(model.meta["calibration"]["training_rate"])
    return sigmoid(z + logit(base_rate) - logit(rate)), sigmoid(z)


def turn_score(evidence: float, model: TacticModel) -> float:
    """A turn's model signal strength: 0.5 at the operating point chosen on training folds."""
    turn = model.meta["turn"]
    return sigmoid(float(turn["slope"]) * (evidence - float(turn["threshold"])))


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
