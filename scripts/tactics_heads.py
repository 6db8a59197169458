"""Training steps for ``scripts/train_tactics.py``: out-of-fold heads, the turn operating point,
the stacker, the technique heads and tactic models built from fitted heads.

Every model built here (the fold models used to score held-out training dialogues, and the
final one) goes through ``powerlens.measures.tactics.model.model_from_arrays``, so out-of-fold
figures come from the same scoring code the measure runs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from tactics_fit import FOLDS, Array, Data, Space, auc, fit_lr

from powerlens.measures.tactics.model import HASH_BITS, TacticModel, model_from_arrays
from powerlens.measures.tactics.rules import LABELS
from powerlens.measures.tactics.score import STACK_INPUTS, Scored, flagged_turns, stack_features

MIX_GRID = (0.0, 0.25, 0.5)
TARGET_FALSE_ALARM = 0.025
Folds = npt.NDArray[np.int64]


@dataclass
class Heads:
    """Fitted heads in one feature space: name -> (weights, bias)."""

    space: Space
    heads: dict[str, tuple[Array, float]] = field(default_factory=dict)

    def model(self, meta: dict[str, Any]) -> TacticModel:
        """A tactic model of these heads; technique heads it lacks are zero."""
        names = [
            "dialogue",
            "dialogue_raw",
            "utterance",
            *LABELS,
            *("dialogue:" + x for x in LABELS),
        ]
        d = len(self.space.kept)
        zero = (np.zeros(d), 0.0)
        weights = np.stack([self.heads.get(n, zero)[0] for n in names], axis=1)
        bias = np.array([self.heads.get(n, zero)[1] for n in names])
        return model_from_arrays(self.arrays(names, weights, bias, meta | {"heads": names}))

    def arrays(
        self, names: list[str], weights: Array, bias: Array, meta: dict[str, Any]
    ) -> dict[str, Any]:
        """The arrays of the model file (float16 weights and idf, as shipped)."""
        return {
            "buckets": self.space.kept.astype(np.int32),
            "idf": self.space.idf.astype(np.float16),
            "weights": np.asarray(weights, dtype=np.float16),
            "bias": np.asarray(bias, dtype=np.float32),
            "meta": np.frombuffer(
                json.dumps(meta | {"heads": names, "hash_bits": HASH_BITS}).encode("utf-8"),
                dtype=np.uint8,
            ),
        }


def turn_labels(data: Data) -> Array:
    """Per turn: 1/0 for turns an annotator marked or not (MentalManip), else -1; a data set
    without marks (ReaMent alone) labels each turn with its dialogue's label."""
    if (data.turn_marked >= 0).any():
        return data.turn_marked
    labels: Array = data.y[data.turn_owner]
    return labels


def fit_heads(data: Data, rows: npt.NDArray[Any], c: float, c_raw: float) -> Heads:
    """Dialogue (sublinear and raw tf) and turn heads on the dialogues ``rows``."""
    space = Space(data.xd[rows])
    heads = Heads(space)
    heads.heads["dialogue"] = fit_lr(space.transform(data.xd[rows]), data.y[rows], c)
    heads.heads["dialogue_raw"] = fit_lr(
        space.transform(data.xd[rows], raw=True), data.y[rows], c_raw
    )
    labels = turn_labels(data)
    mine = np.isin(data.turn_owner, rows) & (labels >= 0)
    heads.heads["utterance"] = fit_lr(space.transform(data.xt[mine]), labels[mine], c / 2)
    return heads


def choose_c(
    data: Data, fold: Folds, grid: tuple[float, ...], *, raw: bool = False
) -> tuple[float, dict[str, float]]:
    """The dialogue head's C with the best out-of-fold AUC."""
    scores = {}
    for c in grid:
        z = np.zeros(len(data.y))
        for k in range(FOLDS):
            train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            space = Space(data.xd[train])
            w, b = fit_lr(space.transform(data.xd[train], raw=raw), data.y[train], c)
            z[test] = space.transform(data.xd[test], raw=raw) @ w + b
        scores[str(c)] = auc(data.y, z)
        print(f"{'raw' if raw else 'sublinear'} C={c}: out-of-fold AUC {scores[str(c)]:.4f}")
    return float(max(scores, key=scores.__getitem__)), scores


def out_of_fold(
    data: Data, fold: Folds, c: float, c_raw: float
) -> tuple[dict[str, Array], list[Heads]]:
    """Whole-dialogue and turn logits for every training dialogue from heads that did not see
    it, and the fold heads."""
    oof = {name: np.zeros(len(data.y)) for name in ("dialogue", "dialogue_raw")}
    oof["turn"] = np.zeros(len(data.turn_owner))
    fold_heads = []
    for k in range(FOLDS):
        heads = fit_heads(data, np.flatnonzero(fold != k), c, c_raw)
        fold_heads.append(heads)
        test = np.flatnonzero(fold == k)
        for name in ("dialogue", "dialogue_raw"):
            w, b = heads.heads[name]
            x = heads.space.transform(data.xd[test], raw=name == "dialogue_raw")
            oof[name][test] = x @ w + b
        t_test = np.flatnonzero(fold[data.turn_owner] == k)
        w, b = heads.heads["utterance"]
        oof["turn"][t_test] = heads.space.transform(data.xt[t_test]) @ w + b
    return oof, fold_heads


def scored_from(data: Data, oof: dict[str, Array]) -> list[Scored]:
    """Out-of-fold logits arranged as the measure's ``Scored`` records (one window each)."""
    turns: dict[int, list[float]] = {}
    for z, i in zip(oof["turn"], data.turn_owner, strict=True):
        turns.setdefault(int(i), []).append(float(z))
    k = len(LABELS)
    return [
        Scored(
            turns.get(i, []),
            [],
            data.hits[i],
            [(0, len(data.dialogues[i].turns))],
            [[float(oof["dialogue"][i]), float(oof["dialogue_raw"][i])]],
            [[0.0] * k],
        )
        for i in range(len(data.y))
    ]


def operating_point(data: Data, oof: dict[str, Array]) -> dict[str, Any]:
    """The turn mix and threshold with the best signal recall at TARGET_FALSE_ALARM."""
    n = len(data.y)
    strong = np.zeros(n, dtype=bool)
    np.logical_or.at(strong, data.turn_owner, data.turn_strong)
    benign = data.y == 0
    best: dict[str, Any] = {}
    for mix in MIX_GRID:
        evidence = oof["turn"] + mix * oof["dialogue"][data.turn_owner]
        evidence[data.turn_quiet] = -np.inf
        top = np.full(n, -np.inf)
        np.maximum.at(top, data.turn_owner, evidence)
        threshold = math.inf
        for candidate in np.sort(top[benign & ~strong & np.isfinite(top)])[::-1]:
            if np.mean((top[benign] >= candidate) | strong[benign]) > TARGET_FALSE_ALARM:
                break
            threshold = float(candidate)
        flagged = (top >= threshold) | strong
        recall = float(np.mean(flagged[~benign]))
        if not best or recall > best["oof_signal_recall"]:
            finite = evidence[np.isfinite(evidence)]
            best = {
                "mix": mix,
                "threshold": threshold,
                "slope": float(4.0 / max(1e-6, float(np.std(finite)))),
                "oof_signal_recall": recall,
                "oof_false_alarm": float(np.mean(flagged[benign])),
            }
    return best


def stack_inputs(data: Data, scored: list[Scored], turn: dict[str, Any]) -> Array:
    """The stacker's inputs for each training dialogue (one window each)."""
    rows = []
    for s, d in zip(scored, data.dialogues, strict=True):
        texts = [t for _, t in d.turns]
        flagged = flagged_turns(s, texts, turn["mix"], turn["threshold"])
        rows.append(stack_features(s, [speaker for speaker, _ in d.turns], flagged))
    return np.array(rows).reshape(len(scored), len(STACK_INPUTS))


def fit_stacker(x: Array, y: Array, fold: Folds) -> tuple[list[float], float, Array]:
    """Non-negative logistic stacker on standardised inputs; also its cross-validated output."""

    def fit(rows: npt.NDArray[np.bool_]) -> tuple[Array, float]:
        mean, scale = x[rows].mean(axis=0), x[rows].std(axis=0) + 1e-9
        w, b = fit_lr(sparse.csr_matrix((x[rows] - mean) / scale), y[rows], 10.0, nonnegative=True)
        return w / scale, float(b - np.sum(w * mean / scale))

    z = np.zeros(len(y))
    for k in range(FOLDS):
        w, b = fit(fold != k)
        z[fold == k] = x[fold == k] @ w + b
    w, b = fit(np.ones(len(y), dtype=bool))
    return w.tolist(), b, z


def technique_sets(p: Array) -> list[set[int]]:
    """The techniques the validation predicts per dialogue: the top one plus any >= 0.5."""
    return [{int(np.argmax(row))} | set(np.flatnonzero(row >= 0.5).tolist()) for row in p]


def choose_technique_c(
    data: Data, fold: Folds, grid: tuple[float, ...]
) -> tuple[float, dict[str, float]]:
    """The C of the technique heads with the best out-of-fold macro-F1 over techniques on the
    manipulative MentalManip training dialogues (top technique plus any at 0.5 or more)."""
    mm = np.flatnonzero(data.mentalmanip)
    gold = [
        {k for k, label in enumerate(LABELS) if label in data.dialogues[i].techniques} for i in mm
    ]
    spaces = [Space(data.xd[np.flatnonzero(fold != k)]) for k in range(FOLDS)]
    scores: dict[str, float] = {}
    for c in grid:
        p = np.zeros((len(mm), len(LABELS)))
        for k in range(FOLDS):
            train, test = mm[fold[mm] != k], fold[mm] == k
            x_train = spaces[k].transform(data.xd[train])
            x_test = spaces[k].transform(data.xd[mm[test]])
            for j, label in enumerate(LABELS):
                y = np.array([float(label in data.dialogues[i].techniques) for i in train])
                w, b = fit_lr(x_train, y, c)
                p[test, j] = 1.0 / (1.0 + np.exp(-(x_test @ w + b)))
        guess = technique_sets(p)
        f1 = []
        for j in range(len(LABELS)):
            rows = [i for i in range(len(mm)) if data.y[mm[i]] == 1]
            tp = sum(1 for i in rows if j in gold[i] and j in guess[i])
            wrong = sum(1 for i in rows if (j in gold[i]) != (j in guess[i]))
            f1.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
        scores[str(c)] = float(np.mean(f1))
        print(f"technique C={c}: out-of-fold macro-F1 {scores[str(c)]:.4f}", flush=True)
    return float(max(scores, key=scores.__getitem__)), scores


def add_technique_heads(data: Data, heads: Heads, c_technique: float) -> None:
    """Technique heads (which technique, on marked turns; which techniques a dialogue holds)
    fitted on all MentalManip training dialogues, in ``heads``' feature space."""
    space = heads.space
    marked = data.turn_marked == 1
    xt = space.transform(data.xt[marked])
    owners = data.turn_owner[marked]
    for label in LABELS:
        y = np.array([float(label in data.dialogues[i].techniques) for i in owners])
        heads.heads[label] = fit_lr(xt, y, c_technique)
    mm = np.flatnonzero(data.mentalmanip)
    xm = space.transform(data.xd[mm])
    for label in LABELS:
        y = np.array([float(label in data.dialogues[i].techniques) for i in mm])
        heads.heads["dialogue:" + label] = fit_lr(xm, y, c_technique)
