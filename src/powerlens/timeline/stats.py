"""Rates, trends and change points for weekly counts, each with its uncertainty.

- **Rate per week** with an exact Poisson interval (Garwood 1936): for ``k`` events over an
  exposure of ``e`` weeks, ``[G⁻¹(α/2; k), G⁻¹(1−α/2; k+1)] / e`` with G the Gamma quantile.
- **Trend**: a quasi-Poisson log-linear regression of the weekly counts on the week (McCullagh &
  Nelder 1989, §4.5 and §9.2), fitted by iteratively reweighted least squares, with the part
  of the first and last week inside the history as exposure. The dispersion is estimated
  from the Pearson χ² (never below 1), so bursty counts widen the interval instead of giving
  false trends; the interval and p-value use Student's t with n − 2 degrees of freedom. The
  slope is reported as a rate ratio per four weeks. Below ``MIN_EVENTS`` events or
  ``MIN_WEEKS`` weeks with messages, or when every event falls in the first or last week
  (the estimate is then infinite), the answer is "too little data", not a number.
- **Multiplicity**: every trend shown in one timeline is one test; their p-values are
  adjusted together by Holm's (1979) step-down method, and only an adjusted p below
  ``ALPHA`` is called rising or falling.
- **Change points**: binary segmentation (Scott & Knott 1974) of the weekly counts under a
  Poisson model: a split is kept when twice the log-likelihood gain, divided by a dispersion
  estimated from successive differences (robust to the shifts themselves), exceeds
  ``CHANGE_PENALTY`` × log(weeks), each side keeping ``MIN_SEGMENT`` weeks or more; at most
  ``MAX_CHANGES``. The penalty was chosen by simulation so that a history with no planted
  change shows one in fewer than 5% of series (``bench/timeline_checks.py``).
- **Proportions** (the boundary-respect rate): Wilson score intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from powerlens.timeline.special import gamma_ppf, normal_ppf, t_ppf, t_sf

ALPHA = 0.05
"""Level of every interval (95%) and of the trend test."""
MIN_EVENTS = 10
"""Fewer events than this in a series: "too little data" for a trend."""
MIN_WEEKS = 8
"""Fewer weeks with messages than this: "too little data" for a trend."""
TREND_STEP = 4
"""The trend is reported as a rate ratio per this many weeks (about a month)."""
MIN_SEGMENT = 4
CHANGE_PENALTY = 3.0
MAX_CHANGES = 4


@dataclass(frozen=True)
class Rate:
    """Events per week with its interval."""

    events: int
    weeks: float
    rate: float
    low: float
    high: float


@dataclass(frozen=True)
class Trend:
    """A log-linear trend: rate ratio per ``TREND_STEP`` weeks with its interval and p-value.

    ``status`` is ``"rising"``, ``"falling"``, ``"no clear trend"`` or ``"too little data"``
    (then the numbers are None). ``p_adjusted`` is set by ``holm`` across a timeline's trends.
    """

    status: str
    ratio: float | None = None
    low: float | None = None
    high: float | None = None
    p: float | None = None
    p_adjusted: float | None = None
    dispersion: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class Change:
    """A shift in the weekly rate: the first week of the new level (index into the weeks) and
    the rate per week before and after it (within the segments either side)."""

    week: int
    before: float
    after: float


def rate(events: int, weeks: float) -> Rate:
    """``events`` over ``weeks`` of exposure, with the exact Poisson interval."""
    if weeks <= 0:
        return Rate(events, weeks, math.nan, math.nan, math.nan)
    low = 0.0 if events == 0 else gamma_ppf(ALPHA / 2, events)
    high = gamma_ppf(1 - ALPHA / 2, events + 1)
    return Rate(events, weeks, events / weeks, low / weeks, high / weeks)


@cache
def count_interval(events: int) -> tuple[float, float]:
    """The exact 95% Poisson interval of one week's count (a rate per week with its interval)."""
    r = rate(events, 1.0)
    return r.low, r.high


def wilson(successes: int, trials: int) -> tuple[float, float, float] | None:
    """Proportion with its Wilson score interval; None without trials."""
    if trials <= 0:
        return None
    z = normal_ppf(1 - ALPHA / 2)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    )
    return p, max(0.0, centre - half), min(1.0, centre + half)


def _fit(y: np.ndarray, t: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Poisson IRLS of ``y`` on ``[1, t]`` with ``offset``: coefficients and fitted means."""
    x = np.column_stack([np.ones_like(t), t])
    beta = np.array([math.log(max(y.sum(), 0.5) / np.exp(offset).sum()), 0.0])
    for _ in range(60):
        eta = x @ beta + offset
        mu = np.exp(np.clip(eta, -50, 50))
        z = eta - offset + (y - mu) / mu
        w = mu
        xtw = x.T * w
        step = np.linalg.solve(xtw @ x, xtw @ z)
        done = bool(np.max(np.abs(step - beta)) < 1e-9)
        beta = step
        if done:
            return beta, np.exp(x @ beta + offset)
    return None


def trend(counts: np.ndarray, exposure: np.ndarray) -> Trend:
    """The trend of weekly ``counts`` (weeks with ``exposure`` 0 are left out)."""
    keep = exposure > 0
    y = counts[keep].astype(float)
    e = exposure[keep].astype(float)
    n = len(y)
    total = int(y.sum())
    if total < MIN_EVENTS or n < MIN_WEEKS:
        reason = (
            f"{total} event{'' if total == 1 else 's'} in {n} week{'' if n == 1 else 's'} "
            "with messages"
        )
        return Trend("too little data", reason=reason)
    if y[0] == total or y[-1] == total:
        return Trend("too little data", reason="every event falls in the first or last week")
    t = np.flatnonzero(keep).astype(float)
    t = (t - t.mean()) / TREND_STEP
    fitted = _fit(y, t, np.log(e))
    if fitted is None:
        return Trend("too little data", reason="the regression did not converge")
    beta, mu = fitted
    x = np.column_stack([np.ones_like(t), t])
    info = (x.T * mu) @ x
    pearson = float(np.sum((y - mu) ** 2 / mu))
    dispersion = max(1.0, pearson / (n - 2))
    se = math.sqrt(dispersion * float(np.linalg.inv(info)[1, 1]))
    df = n - 2
    q = t_ppf(1 - ALPHA / 2, df)
    b = float(beta[1])
    p = min(1.0, 2 * t_sf(abs(b) / se, df))
    return Trend(
        "rising" if b > 0 else "falling",
        ratio=math.exp(b),
        low=math.exp(b - q * se),
        high=math.exp(b + q * se),
        p=p,
        dispersion=dispersion,
    )


def holm(trends: list[Trend]) -> list[Trend]:
    """The trends with Holm-adjusted p-values; a direction is kept only where it is below
    ``ALPHA``, otherwise the status becomes "no clear trend"."""
    tested = sorted((t.p, i) for i, t in enumerate(trends) if t.p is not None)
    m = len(tested)
    adjusted: dict[int, float] = {}
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    out = []
    for i, t in enumerate(trends):
        if i not in adjusted:
            out.append(t)
            continue
        status = t.status if adjusted[i] < ALPHA else "no clear trend"
        out.append(Trend(status, t.ratio, t.low, t.high, t.p, adjusted[i], t.dispersion, t.reason))
    return out


def _loglik(total: float, exposure: float) -> float:
    """Maximised Poisson log-likelihood of a segment (without the terms in y! that cancel)."""
    return total * math.log(total / exposure) - total if total > 0 else 0.0


def change_points(counts: np.ndarray, exposure: np.ndarray) -> list[Change]:
    """Shifts in the weekly rate by penalised binary segmentation (see the module docstring)."""
    keep = np.flatnonzero(exposure > 0)
    y = counts[keep].astype(float)
    e = exposure[keep].astype(float)
    n = len(y)
    if n < 2 * MIN_SEGMENT or y.sum() < MIN_EVENTS:
        return []
    rates = y / e
    diffs = np.diff(rates)
    dispersion = max(1.0, float(np.mean(diffs**2)) / (2 * max(float(np.mean(rates)), 1e-9)))
    penalty = CHANGE_PENALTY * math.log(n)
    cy = np.concatenate([[0.0], np.cumsum(y)])
    ce = np.concatenate([[0.0], np.cumsum(e)])
    cuts: list[int] = []
    segments = [(0, n)]
    while segments and len(cuts) < MAX_CHANGES:
        best: tuple[float, int, int] | None = None
        for a, b in segments:
            whole = _loglik(cy[b] - cy[a], ce[b] - ce[a])
            for k in range(a + MIN_SEGMENT, b - MIN_SEGMENT + 1):
                gain = (
                    _loglik(cy[k] - cy[a], ce[k] - ce[a])
                    + _loglik(cy[b] - cy[k], ce[b] - ce[k])
                    - whole
                )
                score = 2 * gain / dispersion
                if score > penalty and (best is None or score > best[0]):
                    best = (score, k, a)
        if best is None:
            break
        _, k, a = best
        b = next(end for start, end in segments if start == a)
        segments.remove((a, b))
        segments += [(a, k), (k, b)]
        cuts.append(k)
    bounds = [0, *sorted(cuts), n]
    found = []
    for left, cut, right in zip(bounds, bounds[1:], bounds[2:], strict=False):
        found.append(
            Change(
                week=int(keep[cut]),
                before=float((cy[cut] - cy[left]) / (ce[cut] - ce[left])),
                after=float((cy[right] - cy[cut]) / (ce[right] - ce[cut])),
            )
        )
    return found


__all__ = [
    "ALPHA",
    "MIN_EVENTS",
    "MIN_WEEKS",
    "TREND_STEP",
    "Change",
    "Rate",
    "Trend",
    "change_points",
    "count_interval",
    "holm",
    "rate",
    "trend",
    "wilson",
]
