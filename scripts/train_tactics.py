"""Train the tactic model shipped as src/powerlens/models/tactics-mentalmanip.npz.

    python scripts/train_tactics.py            # writes the model and its card
    python scripts/train_tactics.py --dry-run  # cross-validation report only

Trained on the MentalManip consensus *train* split (MentalMAD splits, 1,749 dialogues, CC BY-NC
4.0) with the annotators' marked spans from mentalmanip_detailed.csv for those train ids only,
plus the ReaMent consensus *train* split (2,013 dialogues, MIT). Valid and test splits are never
read here: every choice below is made on seeded 5-fold cross-validation of the training data.

Features: hashed word uni-, bi- and trigrams, ``?``/``!``/capitals and the rule labels
(``powerlens.measures.tactics_model.turn_buckets``), sublinear tf x idf, L2-normalised; buckets seen
in fewer than MIN_DF training dialogues are dropped. Heads are L2 logistic regressions (scipy
L-BFGS, a training-time dependency only), one weight column each (a ``speaker`` head, the
dialogue label learnt from one speaker's turns pooled and maxed over speakers, was tried and
got zero weight in the stacker, so it is not shipped):
- ``dialogue``: manipulative or not, whole dialogue (MentalManip + ReaMent train); its
  regularisation strength is chosen from C_GRID by out-of-fold AUC.
- ``utterance``: the turn overlaps a span an annotator marked (MentalManip train).
- ``<label>``: which technique, among marked turns; ``dialogue:<label>``: technique present
  (MentalManip train); their C is chosen from TECHNIQUE_C_GRID by out-of-fold macro-F1.
Then, on out-of-fold predictions: a logistic stacker with non-negative weights (the
calibration of ``scores.manipulation``), and the turn operating point (MIX_GRID, threshold) at
which at most TARGET_FALSE_ALARM of non-manipulative training dialogues get any signal.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse

from powerlens.language import tokenize
from powerlens.language.rules import load_rules
from powerlens.measures.tactics_model import (
    HASH_BITS,
    MODEL_NAME,
    STACK_INPUTS,
    Scored,
    flagged_turns,
    model_quiet,
    stack_features,
    turn_buckets,
)
from powerlens.measures.tactics_rules import DEFAULT_THRESHOLD, LABELS, RULES_FILE, rule_hits
from powerlens.validation import data_root
from powerlens.validation.tactics import Dialogue, load_mentalmanip, load_reament, marked_turns

SEED = 20240811
FOLDS = 5
MIN_DF = 2
C_GRID = (1.0, 2.0, 4.0)
TECHNIQUE_C_GRID = (4.0, 16.0, 64.0, 256.0)
MIX_GRID = (0.0, 0.25, 0.5)
TARGET_FALSE_ALARM = 0.025
BASE_RATE = 0.5
OUT = Path(__file__).resolve().parents[1] / "src" / "powerlens" / "models"
Array = npt.NDArray[np.float64]
Matrix = Any
"""A scipy CSR matrix (scipy ships no type stubs)."""


def fit_lr(x: Matrix, y: Array, c: float, *, nonnegative: bool = False) -> tuple[Array, float]:
    """L2 logistic regression (bias unpenalised) by L-BFGS; ``nonnegative`` bounds weights at 0."""
    d = x.shape[1]

    def loss(theta: Array) -> tuple[float, Array]:
        w, b = theta[:d], theta[d]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        value = float(np.sum(np.logaddexp(0.0, z) - y * z)) + 0.5 / c * float(w @ w)
        g = p - y
        return value, np.concatenate([x.T @ g + w / c, [g.sum()]])

    bounds = [(0.0, None)] * d + [(None, None)] if nonnegative else None
    result = optimize.minimize(
        loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 400}
    )
    return result.x[:d], float(result.x[d])


class Data:
    """Training dialogues as hashed count matrices: per dialogue and per turn."""

    def __init__(self, dialogues: list[Dialogue]) -> None:
        rules = load_rules(RULES_FILE)
        self.dialogues = dialogues
        self.y = np.array([d.manipulative for d in dialogues], dtype=float)
        self.mentalmanip = np.array([d.marks is not None for d in dialogues])
        turn_rows: list[list[int]] = []
        turn_owner, turn_marked, turn_quiet, turn_strong = [], [], [], []
        dialogue_rows: list[list[int]] = []
        self.hits = []
        for i, d in enumerate(dialogues):
            marked = marked_turns(d) if d.marks is not None else None
            whole: list[int] = []
            hits = []
            for j, (_, text) in enumerate(d.turns):
                found = rule_hits(text, rules)
                hits.append(found)
                b = turn_buckets(tokenize(text), text, [r.label for r, _ in found])
                turn_rows.append(b)
                turn_owner.append(i)
                turn_marked.append(-1.0 if marked is None else float(j in marked))
                turn_quiet.append(model_quiet(text))
                turn_strong.append(any(r.score >= DEFAULT_THRESHOLD for r, _ in found))
                whole.extend(b)
            self.hits.append(hits)
            dialogue_rows.append(whole)
        self.xd = counts(dialogue_rows)
        self.xt = counts(turn_rows)
        self.turn_owner = np.array(turn_owner)
        self.turn_marked = np.array(turn_marked)
        self.turn_quiet = np.array(turn_quiet)
        self.turn_strong = np.array(turn_strong)


def counts(rows: list[list[int]]) -> Matrix:
    """A count matrix over all 2**HASH_BITS buckets, one row per bucket list."""
    indptr = np.cumsum([0] + [len(r) for r in rows])
    cols = np.fromiter((b for r in rows for b in r), dtype=np.int64, count=int(indptr[-1]))
    m = sparse.csr_matrix(
        (np.ones(len(cols)), cols, indptr), shape=(len(rows), 1 << HASH_BITS), dtype=np.float64
    )
    m.sum_duplicates()
    return m


class Space:
    """The kept buckets and their idf, learnt from the training dialogues of one fit."""

    def __init__(self, xd: Matrix) -> None:
        df = np.asarray((xd > 0).sum(axis=0)).ravel()
        self.kept = np.flatnonzero(df >= MIN_DF)
        n = xd.shape[0]
        self.idf = np.log((1.0 + n) / (1.0 + df[self.kept])) + 1.0

    def transform(self, x: Matrix) -> Matrix:
        """Sublinear tf x idf on the kept buckets, rows L2-normalised (as the measure does)."""
        m = sparse.csr_matrix(x[:, self.kept])
        m.data = 1.0 + np.log(m.data)
        m = sparse.csr_matrix(m @ sparse.diags(self.idf))
        norm = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norm[norm == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norm) @ m)


def fit_dialogue(data: Data, train: npt.NDArray[Any], c: float) -> tuple[Space, Array, float]:
    """The dialogue head on the given training dialogues."""
    space = Space(data.xd[train])
    w, b = fit_lr(space.transform(data.xd[train]), data.y[train], c)
    return space, w, b


def folds(data: Data) -> npt.NDArray[np.int64]:
    """Seeded fold numbers, stratified by data set and label."""
    rng = np.random.default_rng(SEED)
    fold = np.zeros(len(data.y), dtype=np.int64)
    for source in (True, False):
        for label in (0.0, 1.0):
            ids = rng.permutation(np.flatnonzero((data.mentalmanip == source) & (data.y == label)))
            fold[ids] = np.arange(len(ids)) % FOLDS
    return fold


def auc(y: Array, s: Array) -> float:
    """Area under the ROC curve (ties counted half)."""
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = float(y.sum())
    neg = len(y) - pos
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def detection(y: Array, p: Array, base_rate: float | None = None) -> dict[str, float]:
    """Accuracy, macro-F1, AUC and ECE (5 bins) of probabilities at the 0.5 threshold; with
    ``base_rate`` the ECE weights the classes to that share of manipulative dialogues."""
    pred = (p >= 0.5).astype(float)
    rate = float(y.mean())
    sw = (
        np.ones(len(y))
        if base_rate is None
        else np.where(y == 1, base_rate / rate, (1 - base_rate) / (1 - rate))
    )
    f1 = []
    for c in (0.0, 1.0):
        tp = np.sum((pred == c) & (y == c))
        wrong = np.sum((pred == c) != (y == c))
        f1.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    bins = np.minimum((p * 5).astype(int), 4)
    ece = 0.0
    for b in range(5):
        w = sw * (bins == b)
        if w.sum():
            ece += w.sum() / sw.sum() * abs(float(w @ p - w @ y) / w.sum())
    return {
        "accuracy": float(np.mean(pred == y)),
        "macro_f1": float(np.mean(f1)),
        "auc": auc(y, p),
        "ece": float(ece),
    }


def out_of_fold(data: Data, fold: npt.NDArray[np.int64], c: float) -> dict[str, Array]:
    """Dialogue and turn logits for every training dialogue from models that did not see it."""
    zd = np.zeros(len(data.y))
    zt = np.zeros(len(data.turn_owner))
    for k in range(FOLDS):
        train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        space, w, b = fit_dialogue(data, train, c)
        zd[test] = space.transform(data.xd[test]) @ w + b
        t_train = np.flatnonzero((fold[data.turn_owner] != k) & (data.turn_marked >= 0))
        t_test = np.flatnonzero(fold[data.turn_owner] == k)
        w, b = fit_lr(space.transform(data.xt[t_train]), data.turn_marked[t_train], c / 2)
        zt[t_test] = space.transform(data.xt[t_test]) @ w + b
    return {"dialogue": zd, "turn": zt}


def scored_from(data: Data, oof: dict[str, Array]) -> list[Scored]:
    """Out-of-fold logits arranged as the measure's ``Scored`` records."""
    out = []
    turns: dict[int, list[float]] = {}
    for z, i in zip(oof["turn"], data.turn_owner, strict=True):
        turns.setdefault(int(i), []).append(float(z))
    for i in range(len(data.y)):
        out.append(Scored(float(oof["dialogue"][i]), turns.get(i, []), [], data.hits[i], []))
    return out


def fit_stacker(
    x: Array, y: Array, fold: npt.NDArray[np.int64]
) -> tuple[list[float], float, Array]:
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
                "oof_false_alarm_mentalmanip": float(np.mean(flagged[benign & data.mentalmanip])),
                "oof_signal_recall_mentalmanip": float(
                    np.mean(flagged[~benign & data.mentalmanip])
                ),
            }
    return best


def technique_sets(p: Array) -> list[set[int]]:
    """The techniques the validation predicts per dialogue: the top one plus any >= 0.5."""
    return [{int(np.argmax(row))} | set(np.flatnonzero(row >= 0.5).tolist()) for row in p]


def choose_technique_c(data: Data, fold: npt.NDArray[np.int64]) -> tuple[float, dict[str, float]]:
    """The C of the technique heads with the best out-of-fold macro-F1 over techniques on the
    manipulative MentalManip training dialogues (top technique plus any at 0.5 or more)."""
    mm = np.flatnonzero(data.mentalmanip)
    gold = [
        {k for k, label in enumerate(LABELS) if label in data.dialogues[i].techniques} for i in mm
    ]
    spaces = [Space(data.xd[np.flatnonzero(fold != k)]) for k in range(FOLDS)]
    scores: dict[str, float] = {}
    for c in TECHNIQUE_C_GRID:
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


def final_heads(data: Data, c: float, c_technique: float) -> dict[str, Any]:
    """Every head fitted on all training dialogues, in one shared feature space."""
    everything = np.arange(len(data.y))
    space, w, b = fit_dialogue(data, everything, c)
    heads, ws, bs = ["dialogue"], [w], [b]
    marked = data.turn_marked >= 0
    xu = space.transform(data.xt[marked])
    w, b = fit_lr(xu, data.turn_marked[marked], c / 2)
    heads.append("utterance")
    ws.append(w)
    bs.append(b)
    owners = data.turn_owner[marked]
    positive = data.turn_marked[marked] == 1
    xt = xu[positive]
    for label in LABELS:
        y = np.array([float(label in data.dialogues[i].techniques) for i in owners[positive]])
        w, b = fit_lr(xt, y, c_technique)
        heads.append(label)
        ws.append(w)
        bs.append(b)
    mm = np.flatnonzero(data.mentalmanip)
    xm = space.transform(data.xd[mm])
    for label in LABELS:
        y = np.array([float(label in data.dialogues[i].techniques) for i in mm])
        w, b = fit_lr(xm, y, c_technique)
        heads.append("dialogue:" + label)
        ws.append(w)
        bs.append(b)
    return {
        "space": space,
        "weights": np.stack(ws, axis=1),
        "bias": np.array(bs),
        "heads": heads,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    root = data_root()
    if root is None:
        print("no data: put the shared data in ../shared/data", file=sys.stderr)
        return 2
    started = time.perf_counter()
    mm = load_mentalmanip(root, "train", with_marks=True)
    rm = load_reament(root, "train")
    data = Data(mm + rm)
    fold = folds(data)
    y = data.y
    report: dict[str, Any] = {"cv_dialogue_auc": {}}
    best_c, best_auc = C_GRID[0], -1.0
    for c in C_GRID:
        zd = np.zeros(len(y))
        for k in range(FOLDS):
            train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            space, w, b = fit_dialogue(data, train, c)
            zd[test] = space.transform(data.xd[test]) @ w + b
        report["cv_dialogue_auc"][str(c)] = score = auc(y, zd)
        print(f"C={c}: out-of-fold dialogue AUC {score:.4f}", flush=True)
        if score > best_auc:
            best_c, best_auc = c, score
    report["c"] = best_c
    report["c_technique"], report["cv_technique_macro_f1"] = choose_technique_c(data, fold)
    oof = out_of_fold(data, fold, best_c)
    scored = scored_from(data, oof)
    turn = operating_point(data, oof)
    x = np.array(
        [
            stack_features(
                s,
                [speaker for speaker, _ in d.turns],
                flagged_turns(s, [t for _, t in d.turns], turn["mix"], turn["threshold"]),
            )
            for s, d in zip(scored, data.dialogues, strict=True)
        ]
    )
    weights, bias, z = fit_stacker(x, y, fold)
    training_rate = float(y.mean())
    shift = math.log(BASE_RATE / (1 - BASE_RATE)) - math.log(training_rate / (1 - training_rate))
    for name, rows in (("mentalmanip", data.mentalmanip), ("reament", ~data.mentalmanip)):
        report[f"oof_{name}_dialogue_head"] = detection(
            y[rows], 1 / (1 + np.exp(-oof["dialogue"][rows]))
        )
        report[f"oof_{name}_stacked"] = detection(y[rows], 1 / (1 + np.exp(-z[rows])))
        report[f"oof_{name}_stacked_at_base_rate"] = detection(
            y[rows], 1 / (1 + np.exp(-(z[rows] + shift))), BASE_RATE
        )
    report["turn_false_alarm_target"] = TARGET_FALSE_ALARM
    # Domain shift: a dialogue head trained on MentalManip train alone, scored on ReaMent train.
    space, w, b = fit_dialogue(data, np.flatnonzero(data.mentalmanip), best_c)
    rm_rows = np.flatnonzero(~data.mentalmanip)
    report["mentalmanip_only_on_reament_train_accuracy"] = float(
        np.mean(((space.transform(data.xd[rm_rows]) @ w + b) >= 0) == (y[rm_rows] == 1))
    )
    print(json.dumps({"turn": turn, **report}, indent=2), flush=True)
    if args.dry_run:
        return 0
    final = final_heads(data, best_c, report["c_technique"])
    space = final["space"]
    trained_on = (
        "MentalManip consensus train split (MentalMAD splits, 1,749 dialogues, CC BY-NC 4.0; "
        "turn labels from the annotators' marks in mentalmanip_detailed.csv for those ids) "
        "and ReaMent consensus train split (2,013 dialogues, MIT)"
    )
    meta = {
        "name": MODEL_NAME,
        "heads": final["heads"],
        "features": "hashed word 1-3 grams, ?/!/capitals, rule labels; sublinear tf x idf, L2",
        "hash_bits": HASH_BITS,
        "min_df": MIN_DF,
        "turn": turn,
        "stacker": {"weights": weights, "bias": bias, "inputs": list(STACK_INPUTS)},
        "calibration": {
            "method": "logistic stacker on out-of-fold predictions (Platt), then a prior shift",
            "training_rate": training_rate,
            "base_rate": BASE_RATE,
        },
        "trained_on": trained_on,
        "licence": "CC BY-NC 4.0 (derived from MentalManip); see LICENSE-tactics-mentalmanip.txt",
        "seed": SEED,
        "training_report": report,
    }
    np.savez_compressed(
        OUT / f"{MODEL_NAME}.npz",
        buckets=space.kept.astype(np.int32),
        idf=space.idf.astype(np.float16),
        weights=np.asarray(final["weights"], dtype=np.float16),
        bias=np.asarray(final["bias"], dtype=np.float32),
        meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
    )
    card = {k: v for k, v in meta.items() if k != "heads"} | {
        "heads": final["heads"],
        "kept_buckets": len(space.kept),
    }
    (OUT / f"{MODEL_NAME}.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT / (MODEL_NAME + '.npz')} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
