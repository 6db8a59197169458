"""Fitting helpers for ``scripts/train_tactics.py``: data as hashed count matrices, tf-idf
spaces, L2 logistic regression, seeded folds and the detection figures.

Kept apart from the training steps (``tactics_heads``) and the script's selection and output
(``train_tactics``) so that each stays small; nothing here is shipped with the package.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse

from powerlens.language import tokenize
from powerlens.language.rules import load_rules
from powerlens.measures.tactics.model import HASH_BITS, model_quiet, turn_buckets
from powerlens.measures.tactics.rules import DEFAULT_THRESHOLD, RULES_FILE, rule_hits
from powerlens.validation.tactics_data import Dialogue, marked_turns

SEED = 20240811
FOLDS = 5
MIN_DF = 2
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
        self.mentalmanip = np.array([d.source == "mentalmanip" for d in dialogues])
        self.marked = np.array([d.marks is not None for d in dialogues])
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

    def transform(self, x: Matrix, *, raw: bool = False) -> Matrix:
        """Sublinear (or ``raw``) tf x idf on the kept buckets, rows L2-normalised (as the
        measure does)."""
        m = sparse.csr_matrix(x[:, self.kept])
        if not raw:
            m.data = 1.0 + np.log(m.data)
        m = sparse.csr_matrix(m @ sparse.diags(self.idf))
        norm = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norm[norm == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norm) @ m)


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
