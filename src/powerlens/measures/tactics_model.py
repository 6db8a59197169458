"""The tactic family's model: hashed n-gram features, linear heads, stacker and calibration.

``model:tactics-mentalmanip``: linear heads over hashed word uni-, bi- and trigrams, ``?``,
``!``, capitals and the rule labels (sublinear tf x idf, L2-normalised), trained by
``scripts/train_tactics.py`` on the MentalManip (Wang et al., ACL 2024) and ReaMent training
splits: one head for the whole dialogue, one for turns (trained on the turns annotators
marked), one per technique. The weights ship as ``models/tactics-mentalmanip.npz`` (arrays and
a JSON ``meta``, no pickle) and carry MentalManip's licence (CC BY-NC 4.0,
``models/LICENSE-tactics-mentalmanip.txt``); without the file ``load_model`` returns None and
the family runs on rules alone. The training script imports the featuriser from here, so
training and inference hash the same features.

A turn is flagged when its evidence (turn logit plus ``mix`` times the dialogue logit) reaches
the operating point chosen so that at most 2.5% of non-manipulative training dialogues (out of
fold) get any signal; turns that quote or report someone else's words, talk about manipulation
or are marked as a joke are never flagged by the model (``model_quiet``).

The conversation score comes from a logistic stacker (non-negative weights, fitted on
out-of-fold training predictions, i.e. Platt-style calibration) over the dialogue logit, the
strongest turns, strong and weak rule hits and how many turns one speaker has flagged
(``STACK_INPUTS``). The training data are about 70% manipulative; ``manipulation_probability``
shifts the log-odds (Bayes' rule) to a stated base rate and returns the unshifted value too.

Known limits: trained on scripted film dialogue and short transcribed web videos; dialogue
detection is modest (about 0.74 AUC); the base-rate shift assumes conversations of each class
look alike in both populations.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from powerlens.language import Tokens
from powerlens.language.rules import Rule, is_joke
from powerlens.measures.tactics_rules import DEFAULT_THRESHOLD, LABELS, rule_hits

MODEL_NAME = "tactics-mentalmanip"
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
