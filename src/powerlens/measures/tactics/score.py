"""From model heads to evidence: windows, turn evidence, the stacker and the conversation score.

The training data are short excerpts (MentalManip: scripted film dialogue, median 5 turns;
ReaMent: transcribed web videos, at most 11 turns), each labelled as a whole. A conversation is
therefore read as **windows** (episodes) of at most ``window.turns`` turns, overlapping by half;
an excerpt as short as the training data is one window, scored exactly as in training.

Per window, a logistic stacker (non-negative weights on evidence, fitted on out-of-fold training
predictions: Platt-style calibration) combines the window's dialogue logits (sublinear and raw
tf), its strongest turns, its strong and weak rule hits and how many of its turns one speaker
has flagged (``STACK_INPUTS``). Its log-odds minus the training data's prior log-odds is the
window's evidence (a log likelihood ratio).

The conversation's evidence is the log of the **mean** likelihood ratio over its windows: the
Bayes factor for "one of these episodes is manipulative" against "none is", assuming one
episode, equally likely anywhere. Repeating the same exchange leaves it unchanged (the mean of
equal terms), so the score cannot rise with length alone; one strong episode in a long
conversation still counts, diluted by the number of windows. In a conversation longer than one
window, a window without any turn that carries evidence (a rule at the signal threshold or
model evidence ``aggregate.evidence_margin`` above the turn operating point, ``evidence_turns``)
contributes at most ``aggregate.no_evidence_cap``: its bag of ordinary words cannot raise the
score by itself.

``scores.manipulation`` is then ``sigmoid(logit(base_rate) + evidence)``: calibrated to a stated
base rate (``calibration.base_rate``, chosen by cross-validation on the training splits), not to
the training data's mix (about 70% manipulative); ``manipulation_probability`` returns the
unshifted value too.

Known limits: windows are cut by turn count, not by topic; the mean over windows assumes
episodes are alike a priori; see ``tactics_model`` for the model's own limits.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from powerlens.language import Tokens
from powerlens.language.rules import Rule
from powerlens.measures.tactics.model import TacticModel, logit, model_quiet, sigmoid, turn_buckets
from powerlens.measures.tactics.rules import DEFAULT_THRESHOLD, LABELS, rule_hits

STACK_INPUTS = (
    "dialogue_logit",
    "dialogue_raw_logit",
    "strongest_turn_logit",
    "top2_turn_logit_mean",
    "log1p_strong_rule_turns",
    "log1p_weak_rule_turns",
    "log1p_flagged_turns_of_one_speaker",
)
"""Inputs of the window-level stacker, in order."""
DIALOGUE_HEADS = ("dialogue", "dialogue_raw")


def windows(n: int, size: int) -> list[tuple[int, int]]:
    """Windows ``[start, end)`` of at most ``size`` turns over ``n`` turns, overlapping by half;
    one window when ``n <= size`` (and for an empty conversation)."""
    if n <= size:
        return [(0, n)]
    step = max(1, size // 2)
    starts = list(range(0, n - size + 1, step))
    if starts[-1] + size < n:
        starts.append(n - size)
    return [(s, s + size) for s in starts]


@dataclass
class Scored:
    """Everything scored for one conversation, before signals are chosen."""

    utterance_logits: list[float]
    technique_logits: list[list[float]]
    rules: list[list[tuple[Rule, tuple[int, int]]]]
    spans: list[tuple[int, int]]
    """The windows, ``[start, end)`` turn indices."""
    window_logits: list[list[float]]
    """Per window, the logits of ``DIALOGUE_HEADS``."""
    window_technique_logits: list[list[float]]
    """Per window, the ``dialogue:<label>`` logits (technique present in the episode)."""

    def dialogue_logit(self, w: int = 0) -> float:
        """The sublinear dialogue head's logit of window ``w``."""
        return self.window_logits[w][0] if self.window_logits else 0.0


def score_conversation(
    texts: list[str],
    tokens: Tokens,
    model: TacticModel | None,
    rules: tuple[Rule, ...],
    window: int = 0,
) -> Scored:
    """Rule hits per utterance and, with a model, turn, window and technique logits.

    ``window`` is the window size in turns (default: the model's ``window.turns``).
    """
    # Chats repeat messages ("ok", "lol"): each distinct turn is matched, featurised and
    # scored once (``first[i]``: the index of turn i's text among the distinct ones).
    first: dict[tuple[str, tuple[str, ...]], int] = {}
    kinds = [
        first.setdefault((text, tuple(words)), len(first))
        for text, words in zip(texts, tokens, strict=True)
    ]
    distinct = list(first)
    distinct_hits = [rule_hits(text, rules) for text, _ in distinct]
    hits = [distinct_hits[i] for i in kinds]
    n = len(texts)
    k = len(LABELS)
    if model is None:
        return Scored([0.0] * n, [[0.0] * k] * n, hits, [(0, n)], [[0.0, 0.0]], [[0.0] * k])
    spans = windows(n, window or int(model.meta["window"]["turns"]))
    # Held as 4-byte arrays (a list of ints takes nine times the room: 64k turns made
    # the list form the largest object of the analysis).
    distinct_buckets = [
        array("i", turn_buckets(list(words), text, [r.label for r, _ in found]))
        for (text, words), found in zip(distinct, distinct_hits, strict=True)
    ]
    buckets = [distinct_buckets[i] for i in kinds]
    # One pass: each distinct turn on its own, then each window as one bag.
    m = len(distinct)
    bags = list(distinct_buckets)
    groups = list(range(m))
    for g, (start, end) in enumerate(spans):
        bags += buckets[start:end]
        groups += [m + g] * (end - start)
    out = _chunked_logits(model, bags, groups, m + len(spans))
    u, t0 = model.head("utterance"), model.head(LABELS[0])
    heads = [model.head(h) for h in DIALOGUE_HEADS]
    dt0 = model.head("dialogue:" + LABELS[0])
    # Turns with the same text share their logits (the lists are read, never changed).
    utterance = out[:m, u].tolist()
    technique = out[:m, t0 : t0 + k].tolist()
    return Scored(
        utterance_logits=[utterance[i] for i in kinds],
        technique_logits=[technique[i] for i in kinds],
        rules=hits,
        spans=spans,
        window_logits=out[m:, heads].tolist(),
        window_technique_logits=out[m:, dt0 : dt0 + k].tolist(),
    )


def turn_evidence(scored: Scored, mix: float) -> list[float]:
    """Per-turn evidence: the turn's logit plus ``mix`` times the dialogue logit of the
    strongest window that holds the turn."""
    best = [-math.inf] * len(scored.utterance_logits)
    for w, (start, end) in enumerate(scored.spans):
        z = scored.dialogue_logit(w)
        for i in range(start, end):
            best[i] = max(best[i], z)
    return [u + mix * z for u, z in zip(scored.utterance_logits, best, strict=True)]


def flagged_turns(scored: Scored, texts: list[str], mix: float, threshold: float) -> list[bool]:
    """Turns with a signal at the default threshold: a strong rule, or model evidence at the
    operating point (not for turns that quote others or talk about manipulation)."""
    evidence = turn_evidence(scored, mix)
    quiet: dict[str, bool] = {}  # (chats repeat messages: each text checked once)
    return [
        any(r.score >= DEFAULT_THRESHOLD for r, _ in found)
        or (e >= threshold and not _quiet(quiet, text))
        for e, found, text in zip(evidence, scored.rules, texts, strict=True)
    ]


def _quiet(seen: dict[str, bool], text: str) -> bool:
    found = seen.get(text)
    if found is None:
        found = seen[text] = model_quiet(text)
    return found


def stack_features(
    scored: Scored, speakers: list[str], flagged: list[bool], w: int = 0
) -> list[float]:
    """Inputs of the stacker for window ``w``, in the order of ``STACK_INPUTS``."""
    start, end = scored.spans[w]
    turns = sorted(scored.utterance_logits[start:end], reverse=True)
    found = scored.rules[start:end]
    strong = sum(1 for f in found if any(r.score >= DEFAULT_THRESHOLD for r, _ in f))
    weak = sum(1 for f in found if f) - strong
    repeats = Counter(s for s, f in zip(speakers[start:end], flagged[start:end], strict=True) if f)
    return [
        *scored.window_logits[w],
        turns[0] if turns else 0.0,
        sum(turns[:2]) / len(turns[:2]) if turns else 0.0,
        math.log1p(strong),
        math.log1p(weak),
        math.log1p(max(repeats.values(), default=0)),
    ]


def window_evidence(
    scored: Scored, speakers: list[str], flagged: list[bool], model: TacticModel
) -> list[float]:
    """Each window's log likelihood ratio: stacker log-odds minus the training prior's."""
    stack = model.meta["stacker"]
    weights = np.asarray(stack["weights"], dtype=np.float64)
    prior = logit(float(model.meta["calibration"]["training_rate"]))
    return [
        float(stack["bias"]) + float(weights @ stack_features(scored, speakers, flagged, w)) - prior
        for w in range(len(scored.spans))
    ]


def evidence_turns(scored: Scored, texts: list[str], model: TacticModel) -> list[bool]:
    """Turns that carry evidence for the long-conversation score: a strong rule, or model
    evidence at least ``aggregate.evidence_margin`` above the turn operating point (a long
    conversation has many turns, so a turn just over the point is expected by chance)."""
    turn = model.meta["turn"]
    margin = float(model.meta["aggregate"].get("evidence_margin", 0.0))
    return flagged_turns(scored, texts, float(turn["mix"]), float(turn["threshold"]) + margin)


def conversation_evidence(
    scored: Scored,
    speakers: list[str],
    flagged: list[bool],
    model: TacticModel,
    evidence: list[bool] | None = None,
) -> tuple[float, int]:
    """The conversation's log Bayes factor (log mean likelihood ratio over windows; when there
    are several, a window without an ``evidence`` turn is capped) and the strongest window."""
    ratios = window_evidence(scored, speakers, flagged, model)
    if len(ratios) > 1:
        cap = float(model.meta["aggregate"]["no_evidence_cap"])
        gate = flagged if evidence is None else evidence
        ratios = [
            r if any(gate[start:end]) else min(r, cap)
            for r, (start, end) in zip(ratios, scored.spans, strict=True)
        ]
    top = max(ratios)
    mean = sum(math.exp(r - top) for r in ratios) / len(ratios)
    return top + math.log(mean), ratios.index(top)


def manipulation_probability(
    scored: Scored,
    speakers: list[str],
    flagged: list[bool],
    model: TacticModel | None,
    base_rate: float,
    gate: list[bool] | None = None,
) -> tuple[float, float, int]:
    """The calibrated probability at ``base_rate``, at the training data's rate, and the index
    of the strongest window (``gate``: the evidence turns, default ``flagged``). Rules only:
    the strongest rule's score times 0.9 (a capped proxy).
    """
    if model is None:
        strongest = max((r.score for found in scored.rules for r, _ in found), default=0.0)
        return strongest * 0.9, strongest * 0.9, 0
    evidence, strongest_window = conversation_evidence(scored, speakers, flagged, model, gate)
    rate = float(model.meta["calibration"]["training_rate"])
    return (
        sigmoid(logit(base_rate) + evidence),
        sigmoid(logit(rate) + evidence),
        strongest_window,
    )


def conversation_probability(
    texts: list[str],
    speakers: list[str],
    tokens: Tokens,
    model: TacticModel | None,
    rules: tuple[Rule, ...],
    base_rate: float,
) -> tuple[float, float, Scored, list[bool], int]:
    """Score one conversation end to end: ``(probability at base_rate, at the training rate,
    the scored record, the flagged turns, the strongest window)``."""
    scored = score_conversation(texts, tokens, model, rules)
    flagged: list[bool] = []
    gate: list[bool] | None = None
    if model is not None:
        turn = model.meta["turn"]
        flagged = flagged_turns(scored, texts, float(turn["mix"]), float(turn["threshold"]))
        gate = evidence_turns(scored, texts, model)
    p, raw, strongest = manipulation_probability(scored, speakers, flagged, model, base_rate, gate)
    return p, raw, scored, flagged, strongest


def turn_score(evidence: float, model: TacticModel) -> float:
    """A turn's model signal strength: 0.5 at the operating point chosen on training folds."""
    turn = model.meta["turn"]
    return sigmoid(float(turn["slope"]) * (evidence - float(turn["threshold"])))


__all__ = [
    "DIALOGUE_HEADS",
    "STACK_INPUTS",
    "Scored",
    "conversation_evidence",
    "conversation_probability",
    "evidence_turns",
    "flagged_turns",
    "manipulation_probability",
    "rule_hits",
    "score_conversation",
    "stack_features",
    "turn_evidence",
    "turn_score",
    "window_evidence",
    "windows",
]


CHUNK_GROUPS = 4096
"""Groups (turns or windows) scored per call: bounded memory on a history of any length."""
CHUNK_FEATURES = 1 << 16
"""Features (bucket entries) per call, at most (a group is never split): a window bag holds
ten turns' features, and each feature takes a row of every head in the temporaries."""


def _chunked_logits(
    model: TacticModel, bags: Sequence[Sequence[int]], groups: list[int], n_groups: int
) -> npt.NDArray[np.float32]:
    """``model.group_logits`` over consecutive runs of at most ``CHUNK_GROUPS`` groups and
    about ``CHUNK_FEATURES`` features (bags are in order of group), so the temporary matrices
    stay small; the result is the same (each group's row is computed from its bags alone)."""
    parts = []
    start = 0
    first = 0
    while first < n_groups:
        end = start
        size = 0
        last = first
        while last < n_groups and last - first < CHUNK_GROUPS:
            stop = end
            grown = size
            while stop < len(groups) and groups[stop] == last:
                grown += len(bags[stop])
                stop += 1
            if grown > CHUNK_FEATURES and last > first:
                break
            end, size, last = stop, grown, last + 1
        local = [g - first for g in groups[start:end]]
        parts.append(model.group_logits(bags[start:end], local, last - first))
        start, first = end, last
    return np.concatenate(parts) if parts else model.group_logits([], [], 0)
