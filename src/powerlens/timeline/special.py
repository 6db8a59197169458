"""The few distribution functions the timeline's statistics need, in plain Python.

scipy is not a dependency of powerlens, so the regularised incomplete gamma and beta
functions are computed here with the series and continued fractions of Press et al.,
*Numerical Recipes* (3rd ed., 2007, §6.2 and §6.4), and their quantiles by bisection.
Accuracy is about 1e-10 in the probabilities, far finer than any interval printed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

_EPS = 1e-14
_TINY = 1e-300
_MAX_TERMS = 1000


def gamma_p(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), for a > 0, x ≥ 0."""
    if x <= 0.0:
        return 0.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:  # series
        term = total = 1.0 / a
        ap = a
        for _ in range(_MAX_TERMS):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return min(1.0, total * math.exp(log_front))
    # continued fraction for Q = 1 - P (modified Lentz)
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return max(0.0, 1.0 - math.exp(log_front) * h)


def _beta_fraction(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (_TINY if abs(d) < _TINY else d)
    h = d
    for m in range(1, _MAX_TERMS):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (_TINY if abs(d) < _TINY else d)
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (_TINY if abs(d) < _TINY else d)
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def beta_i(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * beta_i(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def _bisect(fn: Callable[[float], float], target: float, low: float, high: float) -> float:
    """The ``x`` in [low, high] (high doubled until it brackets) where increasing ``fn`` meets
    ``target``."""
    while fn(high) < target:
        low, high = high, high * 2.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if fn(mid) < target:
            low = mid
        else:
            high = mid
        if high - low <= 1e-12 * max(1.0, high):
            break
    return 0.5 * (low + high)


def gamma_ppf(q: float, a: float) -> float:
    """The ``q`` quantile of the Gamma(a, 1) distribution."""
    return _bisect(lambda x: gamma_p(a, x), q, 0.0, max(1.0, 2.0 * a))


def t_ppf(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom (q > 0.5 is positive)."""
    if q == 0.5:
        return 0.0
    if q < 0.5:
        return -t_ppf(1.0 - q, df)
    return _bisect(lambda t: 1.0 - t_sf(t, df), q, 0.0, 4.0)


def normal_ppf(q: float) -> float:
    """The ``q`` quantile of the standard normal distribution."""
    return math.sqrt(2.0) * _bisect(math.erf, 2.0 * q - 1.0, -10.0, 10.0)


__all__ = ["beta_i", "gamma_p", "gamma_ppf", "normal_ppf", "t_ppf", "t_sf"]
