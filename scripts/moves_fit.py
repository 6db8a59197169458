"""Fitting helpers for ``scripts/train_moves_models.py``: hashed feature rows, sparse matrices,
multi-head L2 logistic regression (numpy, L-BFGS from ``validation.tactics_baseline``), group
k-fold and out-of-fold probabilities.

Kept apart from the script's selection and output so that each stays small; nothing here is
shipped with the package.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from powerlens.measures.moves.models import features
from powerlens.validation.tactics_baseline import lbfgs

FOLDS = 5
Array = npt.NDArray[np.float64]
Rows = list[tuple[list[int], list[int]]]
"""Per example: its hashed n-gram buckets and its rule-feature buckets."""


def rows_of(texts: Sequence[str], chars: bool) -> Rows:
    """Feature rows of ``texts`` (rule features always computed; ``rule_weight`` 0 drops them)."""
    return [features(t, chars=chars, rules=True) for t in texts]


def group_folds(groups: Sequence[str], folds: int = FOLDS) -> npt.NDArray[np.int64]:
    """Fold of each example: groups ordered by sha256 of their id, dealt round-robin, so an item
    and its twin (or a conversation's turns, or a dialogue's utterances) share a fold."""
    order = sorted(set(groups), key=lambda g: hashlib.sha256(g.encode()).hexdigest())
    fold_of = {g: i % folds for i, g in enumerate(order)}
    return np.array([fold_of[g] for g in groups], dtype=np.int64)


@dataclass(frozen=True)
class Matrix:
    """Rows as a sparse matrix over a fixed column vocabulary (bucket ids), with its transpose."""

    data: Array
    cols: npt.NDArray[np.int64]
    indptr: npt.NDArray[np.int64]
    n_cols: int

    def dot(self, w: Array) -> Array:
        """``X @ W`` for a (columns x heads) ``W``."""
        out = np.zeros((len(self.indptr) - 1, w.shape[1]))
        if not len(self.data):
            return out
        full = np.diff(self.indptr) > 0
        sums = np.add.reduceat(self.data[:, None] * w[self.cols], self.indptr[:-1][full], axis=0)
        out[full] = sums
        return out

    def tdot(self, g: Array) -> Array:
        """``X.T @ G`` for an (examples x heads) ``G``."""
        rows = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        contrib = self.data[:, None] * g[rows]
        return np.stack(
            [
                np.bincount(self.cols, weights=contrib[:, k], minlength=self.n_cols)
                for k in range(g.shape[1])
            ],
            axis=1,
        )


def vocabulary(rows: Rows, rule_weight: float) -> npt.NDArray[np.int64]:
    """The sorted buckets seen in ``rows`` (rule buckets only when they carry weight)."""
    seen: set[int] = set()
    for grams, ruled in rows:
        seen.update(grams)
        if rule_weight > 0:
            seen.update(ruled)
    return np.array(sorted(seen), dtype=np.int64)


def matrix(rows: Rows, vocab: npt.NDArray[np.int64], rule_weight: float) -> Matrix:
    """Rows weighted as ``MovesModel.logits`` weights them: n-grams 1, rule features
    ``rule_weight``, over the L2 norm of the whole row; buckets outside ``vocab`` dropped."""
    index = {int(b): i for i, b in enumerate(vocab.tolist())}
    data: list[float] = []
    cols: list[int] = []
    indptr = [0]
    for grams, ruled in rows:
        ruled = ruled if rule_weight > 0 else []
        norm = float(np.sqrt(len(grams) + rule_weight * rule_weight * len(ruled))) or 1.0
        for values, weight in ((grams, 1.0), (ruled, rule_weight)):
            for b in values:
                j = index.get(b)
                if j is not None:
                    cols.append(j)
                    data.append(weight / norm)
        indptr.append(len(cols))
    return Matrix(
        np.asarray(data, dtype=np.float64),
        np.asarray(cols, dtype=np.int64),
        np.asarray(indptr, dtype=np.int64),
        len(vocab),
    )


def fit(x: Matrix, y: Array, c: float) -> tuple[Array, Array]:
    """One L2 logistic regression per column of ``y`` (classes balanced per head, bias not
    penalised), solved together: returns weights (columns x heads) and biases (heads)."""
    n, k = y.shape
    d = x.n_cols
    positives = np.maximum(y.sum(axis=0), 1.0)
    negatives = np.maximum(n - y.sum(axis=0), 1.0)
    weight = np.where(y == 1, n / (2.0 * positives), n / (2.0 * negatives))

    def loss(theta: Array) -> tuple[float, Array]:
        w = theta[: d * k].reshape(d, k)
        b = theta[d * k :]
        z = x.dot(w) + b
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        value = c * float(np.sum(weight * (np.logaddexp(0.0, z) - y * z))) + 0.5 * float(
            np.sum(w * w)
        )
        g = c * weight * (p - y)
        return value, np.concatenate([(x.tdot(g) + w).ravel(), g.sum(axis=0)])

    theta = lbfgs(loss, np.zeros(d * k + k), iterations=500, tolerance=1e-5)
    return theta[: d * k].reshape(d, k), theta[d * k :]


def predict(x: Matrix, w: Array, b: Array) -> Array:
    """Probabilities (examples x heads)."""
    result: Array = 0.5 * (1.0 + np.tanh(0.5 * (x.dot(w) + b)))
    return result


def out_of_fold(
    rows: Rows, y: Array, folds: npt.NDArray[np.int64], c: float, rule_weight: float
) -> Array:
    """Each example's probabilities from the model fitted on the other folds."""
    p = np.zeros(y.shape)
    for fold in range(int(folds.max()) + 1):
        train = np.flatnonzero(folds != fold)
        test = np.flatnonzero(folds == fold)
        train_rows = [rows[i] for i in train]
        vocab = vocabulary(train_rows, rule_weight)
        w, b = fit(matrix(train_rows, vocab, rule_weight), y[train], c)
        p[test] = predict(matrix([rows[i] for i in test], vocab, rule_weight), w, b)
    return p
