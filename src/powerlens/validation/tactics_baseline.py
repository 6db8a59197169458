"""The plain baseline the tactic model must beat: TF-IDF + logistic regression, in numpy.

It follows scikit-learn's defaults for ``TfidfVectorizer(ngram_range=(1, 2))`` (lower case,
tokens of two or more word characters, word uni- and bigrams, smoothed idf, raw term counts,
rows L2-normalised) and ``LogisticRegression(class_weight="balanced")`` (L2 penalty with C=1,
the intercept not penalised, each class weighted by ``n / (2 * n_class)``), solved here by
L-BFGS to the same optimum, so that validation runs without scikit-learn or scipy. It is
trained on the visible training split of the same data set it is scored on, and reads each
dialogue as its ``PersonN: text`` lines, as a plain baseline would.

Scored on the MentalManip and ReaMent valid splits (``scripts/validate.py tactics``), and out of
fold on the training splits by ``scripts/train_tactics.py`` when it picks the base rate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TOKEN = re.compile(r"(?u)\b\w\w+\b")
Array = npt.NDArray[np.float64]


def terms(text: str) -> list[str]:
    """Word unigrams and bigrams of ``text``, as scikit-learn's default analyser makes them."""
    words = TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass(frozen=True)
class Csr:
    """A sparse row matrix as three arrays (values, column indices, row starts)."""

    data: Array
    indices: npt.NDArray[np.int64]
    indptr: npt.NDArray[np.int64]
    n_cols: int

    def dot(self, w: Array) -> Array:
        """``X @ w``."""
        out = np.zeros(len(self.indptr) - 1)
        rows = np.repeat(np.arange(len(out)), np.diff(self.indptr))
        np.add.at(out, rows, self.data * w[self.indices])
        return out.astype(np.float64)

    def tdot(self, g: Array) -> Array:
        """``X.T @ g``."""
        weights = self.data * np.repeat(g, np.diff(self.indptr))
        out = np.bincount(self.indices, weights=weights, minlength=self.n_cols)
        return out.astype(np.float64)


class TfidfLogistic:
    """TF-IDF (word 1-2 grams) + class-balanced L2 logistic regression."""

    def __init__(self, c: float = 1.0) -> None:
        self.c = c
        self.vocabulary: dict[str, int] = {}
        self.idf: Array = np.zeros(0)
        self.w: Array = np.zeros(0)
        self.b = 0.0

    def _matrix(self, texts: Sequence[str]) -> Csr:
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            counts: dict[int, int] = {}
            for term in terms(text):
                j = self.vocabulary.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            values = values * self.idf[cols]
            norm = float(np.sqrt(values @ values)) or 1.0
            data.extend((values / norm).tolist())
            indices.extend(cols.tolist())
            indptr.append(len(indices))
        return Csr(
            np.asarray(data, dtype=np.float64),
            np.asarray(indices, dtype=np.int64),
            np.asarray(indptr, dtype=np.int64),
            len(self.vocabulary),
        )

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> TfidfLogistic:
        """Learn the vocabulary, idf and weights from training texts and 0/1 labels."""
        df: dict[str, int] = {}
        for text in texts:
            for term in set(terms(text)):
                df[term] = df.get(term, 0) + 1
        self.vocabulary = {t: j for j, t in enumerate(sorted(df))}
        n = len(texts)
        counts = np.array([df[t] for t in sorted(df)], dtype=np.float64)
        self.idf = np.log((1.0 + n) / (1.0 + counts)) + 1.0
        x = self._matrix(texts)
        y = np.asarray(labels, dtype=np.float64)
        positives = float(y.sum())
        weight = np.where(y == 1, n / (2.0 * positives), n / (2.0 * (n - positives)))
        d = x.n_cols

        def loss(theta: Array) -> tuple[float, Array]:
            w, b = theta[:d], theta[d]
            z = x.dot(w) + b
            p = 1.0 / (1.0 + np.exp(-z))
            value = self.c * float(weight @ (np.logaddexp(0.0, z) - y * z)) + 0.5 * float(w @ w)
            g = self.c * weight * (p - y)
            return value, np.concatenate([x.tdot(g) + w, [g.sum()]])

        theta = lbfgs(loss, np.zeros(d + 1))
        self.w, self.b = theta[:d], float(theta[d])
        return self

    def decision(self, texts: Sequence[str]) -> Array:
        """Log-odds for each text."""
        return self._matrix(texts).dot(self.w) + self.b

    def probability(self, texts: Sequence[str]) -> Array:
        """P(manipulative) for each text."""
        return 1.0 / (1.0 + np.exp(-self.decision(texts)))


def lbfgs(
    f: Callable[[Array], tuple[float, Array]],
    x: Array,
    *,
    memory: int = 10,
    iterations: int = 1000,
    tolerance: float = 1e-6,
) -> Array:
    """Minimise a smooth convex ``f`` (returning value and gradient) by L-BFGS with a
    backtracking Armijo line search."""
    value, grad = f(x)
    s_list: list[Array] = []
    y_list: list[Array] = []
    for _ in range(iterations):
        if float(np.max(np.abs(grad))) < tolerance:
            break
        q = grad.copy()
        alphas = []
        for s, yv in zip(reversed(s_list), reversed(y_list), strict=True):
            a = float(s @ q) / float(yv @ s)
            alphas.append(a)
            q -= a * yv
        if y_list:
            q *= float(s_list[-1] @ y_list[-1]) / float(y_list[-1] @ y_list[-1])
        for (s, yv), a in zip(zip(s_list, y_list, strict=True), reversed(alphas), strict=True):
            q += (a - float(yv @ q) / float(yv @ s)) * s
        direction = -q
        slope = float(grad @ direction)
        if slope >= 0:
            direction, slope = -grad, -float(grad @ grad)
        step = 1.0
        while True:
            new_x = x + step * direction
            new_value, new_grad = f(new_x)
            if new_value <= value + 1e-4 * step * slope or step < 1e-12:
                break
            step *= 0.5
        s_new, y_new = new_x - x, new_grad - grad
        if float(s_new @ y_new) > 1e-12:
            s_list.append(s_new)
            y_list.append(y_new)
            if len(s_list) > memory:
                s_list.pop(0)
                y_list.pop(0)
        if abs(value - new_value) <= 1e-10 * max(1.0, abs(value)):
            x, value, grad = new_x, new_value, new_grad
            break
        x, value, grad = new_x, new_value, new_grad
    return x
