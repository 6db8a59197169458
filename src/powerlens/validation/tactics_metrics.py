"""Figures of the tactic validation: AUC, accuracy and macro-F1 at 0.5, reliability (ECE)."""

from __future__ import annotations

from typing import Any


def auc(y: list[int], p: list[float]) -> float:
    """Area under the ROC curve (rank statistic, ties counted half)."""
    pos = [s for s, t in zip(p, y, strict=True) if t == 1]
    neg = [s for s, t in zip(p, y, strict=True) if t == 0]
    if not pos or not neg:
        return float("nan")
    order = sorted((s, i) for i, s in enumerate(pos + neg))
    ranks = [0.0] * len(order)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and order[j + 1][0] == order[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k][1]] = (i + j) / 2 + 1
        i = j + 1
    r = sum(ranks[: len(pos)])
    return (r - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def detection(y: list[int], p: list[float]) -> dict[str, float]:
    """Accuracy, macro-F1 and AUC at the 0.5 decision threshold."""
    pred = [1 if s >= 0.5 else 0 for s in p]
    f1s = []
    for cls in (0, 1):
        tp = sum(1 for a, b in zip(y, pred, strict=True) if a == b == cls)
        fp = sum(1 for a, b in zip(y, pred, strict=True) if b == cls and a != cls)
        fn = sum(1 for a, b in zip(y, pred, strict=True) if a == cls and b != cls)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {
        "n": len(y),
        "accuracy": sum(a == b for a, b in zip(y, pred, strict=True)) / len(y),
        "macro_f1": sum(f1s) / 2,
        "auc": auc(y, p),
        "positive_rate": sum(y) / len(y),
    }


def reliability(
    y: list[int], p: list[float], bins: int = 5, base_rate: float | None = None
) -> dict[str, Any]:
    """Predicted against observed rate per score bin, and the expected calibration error.

    With ``base_rate`` the dialogues are weighted so that manipulative ones make up that share
    (label-shift reweighting), which is the population a prior-shifted score claims to fit.
    """
    positives = sum(y) / len(y)
    weight = (
        {1: 1.0, 0: 1.0}
        if base_rate is None
        else {1: base_rate / positives, 0: (1 - base_rate) / (1 - positives)}
    )
    total = sum(weight[t] for t in y)
    rows = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [
            (s, t)
            for s, t in zip(p, y, strict=True)
            if lo <= s < hi or (b == bins - 1 and s == 1.0)
        ]
        if not members:
            rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": 0, "mean_score": None, "observed": None})
            continue
        mass = sum(weight[t] for _, t in members)
        mean = sum(weight[t] * s for s, t in members) / mass
        observed = sum(weight[t] * t for _, t in members) / mass
        ece += mass / total * abs(mean - observed)
        rows.append(
            {
                "bin": f"{lo:.1f}-{hi:.1f}",
                "n": len(members),
                "mean_score": mean,
                "observed": observed,
            }
        )
    return {"bins": rows, "ece": ece}
