"""Validation of the politeness model as Danescu-Niculescu-Mizil et al. (ACL 2013) did it.

The Stanford Politeness Corpus (``stanford_politeness/`` in the shared data; research use with
attribution) holds Wikipedia and Stack Exchange requests with a normalised politeness score from
five annotators. As in the paper, the task is binary: the top quartile of scores (polite) against
the bottom quartile (impolite), quartiles computed per domain. Reported: in-domain accuracy by
10-fold cross-validation on Wikipedia and on Stack Exchange (the paper used leave-one-out), the
cross-domain accuracy (train on one domain, test on the other), and the Spearman rank correlation
between the model's out-of-fold score and the human score over all requests of a domain. A
bag-of-words model (no strategy features) is the paper's baseline and is reported beside.

The logistic-regression trainer here (numpy only; L2-regularised, Newton's method with
conjugate gradients over a sparse binary design) is the one ``scripts/train_politeness.py``
uses to fit the shipped weights. Known limits: part of the corpus is held back by the data
maintainers, so the numbers cover the visible part only; the paper's figures are quoted as
published, for its own (different) SVM and parser-based features.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from powerlens.measures.deference import features

PAPER = {
    "wikipedia_in_domain": {"bow": 0.7984, "ling": 0.8379, "human": 0.8672},
    "stack_exchange_in_domain": {"bow": 0.7447, "ling": 0.7819, "human": 0.8089},
    "wikipedia_to_stack_exchange": {"bow": 0.6423, "ling": 0.6753},
    "stack_exchange_to_wikipedia": {"bow": 0.7217, "ling": 0.7447},
}
"""Accuracies from the paper's classification results (BOW and linguistic SVMs, humans)."""

FILES = {"wikipedia": "wikipedia.annotated.csv", "stack_exchange": "stack-exchange.annotated.csv"}
L2 = 3.0
"""Regularisation strength used for every fit (chosen once by cross-validation on Wikipedia)."""
MIN_COUNT = 2
"""A word feature enters the vocabulary when it occurs in at least this many training texts."""
SOFTNESS = 4.0
"""Training targets are ``sigmoid(SOFTNESS * normalised score)``: every request is used, the
clear ones with targets near 0 or 1 (chosen once by cross-validation on Wikipedia)."""
QUICK_SAMPLE = 1200
QUICK_FOLDS = 5
SEED = 20130604


@dataclass(frozen=True)
class Request:
    """One annotated request of the corpus."""

    id: str
    text: str
    score: float


def load(data_root: Path, domain: str) -> list[Request]:
    """The requests of one domain (``wikipedia`` or ``stack_exchange``)."""
    path = data_root / "stanford_politeness" / FILES[domain]
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Request(row["Id"], row["Request"], float(row["Normalized Score"]))
            for row in csv.DictReader(handle)
        ]


def quartile_labels(requests: Sequence[Request]) -> NDArray[np.int8]:
    """1 for the top quartile of human scores, 0 for the bottom, -1 for the middle half."""
    scores = np.array([r.score for r in requests])
    low, high = np.quantile(scores, [0.25, 0.75])
    labels = np.full(len(scores), -1, dtype=np.int8)
    labels[scores >= high] = 1
    labels[scores <= low] = 0
    return labels


def soft_targets(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """The training targets of the recipe: human scores squashed into (0, 1)."""
    return np.asarray(1.0 / (1.0 + np.exp(-SOFTNESS * scores)), dtype=np.float64)


def feature_names(texts: Sequence[str], *, strategies: bool = True) -> list[list[str]]:
    """The feature names of each text (without the ``s:`` strategy features when asked)."""
    out = []
    for text in texts:
        names = features(text)
        out.append(names if strategies else [n for n in names if not n.startswith("s:")])
    return out


@dataclass
class Design:
    """A sparse binary design matrix in CSR form (rows = texts, columns = vocabulary)."""

    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    n_features: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def dot(self, w: NDArray[np.float64]) -> NDArray[np.float64]:
        """``X @ w``."""
        sums = np.concatenate(([0.0], np.cumsum(w[self.indices])))
        return np.asarray(sums[self.indptr[1:]] - sums[self.indptr[:-1]], dtype=np.float64)

    def tdot(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        """``X.T @ v``."""
        per_entry = np.repeat(v, np.diff(self.indptr))
        sums = np.bincount(self.indices, weights=per_entry, minlength=self.n_features)
        return np.asarray(sums, dtype=np.float64)


def vocabulary(rows: Sequence[Sequence[str]], min_count: int = MIN_COUNT) -> list[str]:
    """Features seen in at least ``min_count`` rows (strategy features always kept), sorted."""
    counts: dict[str, int] = {}
    for names in rows:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return sorted(n for n, c in counts.items() if c >= min_count or n.startswith("s:"))


def design(rows: Sequence[Sequence[str]], vocab: Sequence[str]) -> Design:
    """The design matrix of ``rows`` over ``vocab`` (unknown features are dropped)."""
    index = {name: i for i, name in enumerate(vocab)}
    indptr = [0]
    indices: list[int] = []
    for names in rows:
        indices.extend(sorted({index[n] for n in names if n in index}))
        indptr.append(len(indices))
    return Design(np.array(indptr, dtype=np.int64), np.array(indices, dtype=np.int64), len(vocab))


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


def fit_logistic(
    x: Design, y: NDArray[np.float64], l2: float = L2, iterations: int = 30
) -> tuple[float, NDArray[np.float64]]:
    """L2-regularised logistic regression (Newton-CG, deterministic); returns (bias, weights)."""
    d = x.n_features
    theta = np.zeros(d + 1)  # last entry is the (unregularised) bias

    def margin(t: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(x.dot(t[:d]) + t[d], dtype=np.float64)

    def gradient(t: NDArray[np.float64]) -> NDArray[np.float64]:
        r = _sigmoid(margin(t)) - y
        return np.concatenate((x.tdot(r) + l2 * t[:d], [r.sum()]))

    for _ in range(iterations):
        g = gradient(theta)
        if _sq(g) ** 0.5 < 1e-4 * max(1.0, float(len(y))):
            break
        p = _sigmoid(margin(theta))
        s = p * (1.0 - p)

        def hess(v: NDArray[np.float64], s: NDArray[np.float64] = s) -> NDArray[np.float64]:
            xv = x.dot(v[:d]) + v[d]
            sv = s * xv
            return np.concatenate((x.tdot(sv) + l2 * v[:d], [sv.sum() + 1e-8 * v[d]]))

        step = _conjugate_gradient(hess, -g, 40)
        theta = theta + step
    return float(theta[d]), theta[:d]


def _conjugate_gradient(
    apply: Any, b: NDArray[np.float64], iterations: int, tol: float = 1e-3
) -> NDArray[np.float64]:
    x = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    rs = _sq(r)
    for _ in range(iterations):
        ap = apply(p)
        alpha = rs / float(np.sum(p * ap))
        x += alpha * p
        r -= alpha * ap
        rs_new = _sq(r)
        if rs_new < tol * tol * _sq(b):
            break
        p = r + (rs_new / rs) * p
        rs = rs_new
    return x


def _sq(v: NDArray[np.float64]) -> float:
    """Squared norm without BLAS (BLAS threads slow small vectors down on a busy machine)."""
    return float(np.sum(v * v))


@dataclass
class Fitted:
    """A fitted model: vocabulary, bias and weights."""

    vocab: list[str]
    bias: float
    weights: NDArray[np.float64]

    def logits(self, rows: Sequence[Sequence[str]]) -> NDArray[np.float64]:
        """Log-odds of politeness for each row of feature names."""
        return design(rows, self.vocab).dot(self.weights) + self.bias


def train(rows: Sequence[Sequence[str]], y: NDArray[np.float64], l2: float = L2) -> Fitted:
    """Fit the politeness model on rows of feature names with targets in [0, 1]."""
    vocab = vocabulary(rows)
    bias, weights = fit_logistic(design(rows, vocab), y, l2)
    return Fitted(vocab, bias, weights)


def spearman(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def _ranks(v: NDArray[np.float64]) -> NDArray[np.float64]:
    order = np.argsort(v, kind="stable")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(len(v), dtype=np.float64)
    _, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return np.asarray(sums[inverse] / counts[inverse], dtype=np.float64)


def cross_validate(
    rows: Sequence[Sequence[str]], labels: NDArray[np.int8], scores: NDArray[np.float64],
    folds: int, seed: int = SEED,
) -> dict[str, float]:
    """Out-of-fold accuracy on the quartile task and rank correlation over all requests."""
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(len(rows)) % folds
    logits = np.zeros(len(rows))
    for k in range(folds):
        train_idx = np.flatnonzero(fold_of != k)
        model = train([rows[int(i)] for i in train_idx], soft_targets(scores[train_idx]))
        test_idx = np.flatnonzero(fold_of == k)
        logits[test_idx] = model.logits([rows[int(i)] for i in test_idx])
    return _metrics(logits, labels, scores)


def _metrics(
    logits: NDArray[np.float64], labels: NDArray[np.int8], scores: NDArray[np.float64]
) -> dict[str, float]:
    binary = labels >= 0
    correct = (logits[binary] > 0) == (labels[binary] == 1)
    return {
        "accuracy": float(correct.mean()),
        "n_binary": int(binary.sum()),
        "spearman": spearman(logits, scores),
        "n_all": len(logits),
    }


def _sample(requests: list[Request], n: int, seed: int) -> list[Request]:
    if n >= len(requests):
        return requests
    keep = np.sort(np.random.default_rng(seed).choice(len(requests), n, replace=False))
    return [requests[i] for i in keep]


def run(data_root: Path, *, quick: bool = False) -> dict[str, Any]:
    """Run the politeness validation; ``quick`` uses a fixed sample of each domain, 5 folds."""
    folds = QUICK_FOLDS if quick else 10
    domains: dict[str, Any] = {}
    for domain in FILES:
        requests = load(data_root, domain)
        if quick:
            requests = _sample(requests, QUICK_SAMPLE, SEED)
        labels = quartile_labels(requests)
        scores = np.array([r.score for r in requests])
        texts = [r.text for r in requests]
        ling = feature_names(texts)
        bow = [[n for n in names if not n.startswith("s:")] for names in ling]
        domains[domain] = {"rows": ling, "bow": bow, "labels": labels, "scores": scores}
    result: dict[str, Any] = {"quick": quick, "folds": folds, "l2": L2, "results": {}}
    for domain, d in domains.items():
        for kind in ("ling", "bow"):
            rows = d["rows" if kind == "ling" else "bow"]
            m = cross_validate(rows, d["labels"], d["scores"], folds)
            result["results"][f"{domain}_in_domain/{kind}"] = m
    for source, target in (("wikipedia", "stack_exchange"), ("stack_exchange", "wikipedia")):
        s, t = domains[source], domains[target]
        for kind in ("ling", "bow"):
            key = "rows" if kind == "ling" else "bow"
            model = train(s[key], soft_targets(s["scores"]))
            m = _metrics(model.logits(t[key]), t["labels"], t["scores"])
            result["results"][f"{source}_to_{target}/{kind}"] = m
    result["results"].update(_both_domains(domains, folds))
    return result


def _both_domains(domains: dict[str, Any], folds: int) -> dict[str, dict[str, float]]:
    """The shipped recipe (both domains together), cross-validated, scored per domain."""
    rows = [r for d in domains.values() for r in d["rows"]]
    labels = np.concatenate([d["labels"] for d in domains.values()])
    scores = np.concatenate([d["scores"] for d in domains.values()])
    fold_of = np.random.default_rng(SEED).permutation(len(rows)) % folds
    logits = np.zeros(len(rows))
    for k in range(folds):
        train_idx = np.flatnonzero(fold_of != k)
        model = train([rows[i] for i in train_idx], soft_targets(scores[train_idx]))
        test_idx = np.flatnonzero(fold_of == k)
        logits[test_idx] = model.logits([rows[i] for i in test_idx])
    out = {}
    start = 0
    for domain, d in domains.items():
        end = start + len(d["rows"])
        part = slice(start, end)
        out[f"both_domains/{domain}"] = _metrics(logits[part], labels[part], scores[part])
        start = end
    return out


def to_markdown(result: dict[str, Any]) -> str:
    """The validation table for ``docs/validation.md``."""
    names = {
        "wikipedia_in_domain": "Wikipedia, in-domain",
        "stack_exchange_in_domain": "Stack Exchange, in-domain",
        "wikipedia_to_stack_exchange": "train Wikipedia, test Stack Exchange",
        "stack_exchange_to_wikipedia": "train Stack Exchange, test Wikipedia",
    }
    mode = "quick sample" if result["quick"] else "full visible data"
    lines = [
        f"Top vs bottom quartile, {mode}; in-domain by {result['folds']}-fold cross-validation.",
        "",
        "| setting | n (binary) | powerlens BOW | powerlens strategies + BOW | paper BOW | "
        "paper Ling. | humans | Spearman ρ (all requests) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, label in names.items():
        ling = result["results"][f"{key}/ling"]
        bow = result["results"][f"{key}/bow"]
        paper = PAPER[key]
        human = f"{paper['human']:.1%}" if "human" in paper else "–"
        lines.append(
            f"| {label} | {ling['n_binary']} | {bow['accuracy']:.1%} | {ling['accuracy']:.1%} | "
            f"{paper['bow']:.1%} | {paper['ling']:.1%} | {human} | {ling['spearman']:.3f} |"
        )
    lines += [
        "",
        "The shipped recipe (one model trained on both domains), "
        f"{result['folds']}-fold cross-validated over both domains together:",
        "",
        "| scored on | n (binary) | accuracy | Spearman ρ (all requests) |",
        "|---|---|---|---|",
    ]
    for domain, label in (("wikipedia", "Wikipedia"), ("stack_exchange", "Stack Exchange")):
        m = result["results"][f"both_domains/{domain}"]
        lines.append(f"| {label} | {m['n_binary']} | {m['accuracy']:.1%} | {m['spearman']:.3f} |")
    return "\n".join(lines) + "\n"
