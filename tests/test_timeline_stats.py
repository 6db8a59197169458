"""The timeline's statistics: intervals, the trend test, Holm, change points (issue 16)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from powerlens.timeline import special, stats


def test_special_quantiles_match_published_tables() -> None:
    # chi-square and t tables: chi2(0.025; 10) / 2 = 1.6235, chi2(0.975; 12) / 2 = 11.668
    assert special.gamma_ppf(0.025, 5) == pytest.approx(1.62349, abs=1e-4)
    assert special.gamma_ppf(0.975, 6) == pytest.approx(11.6683, abs=1e-4)
    assert special.t_ppf(0.975, 10) == pytest.approx(2.22814, abs=1e-5)
    assert special.t_ppf(0.025, 10) == pytest.approx(-2.22814, abs=1e-5)
    assert special.t_sf(2.0, 5) == pytest.approx(0.050970, abs=1e-6)
    assert special.normal_ppf(0.975) == pytest.approx(1.959964, abs=1e-6)
    assert special.beta_i(2.0, 3.0, 0.4) == pytest.approx(0.5248, abs=1e-4)


def test_stats_rate_is_the_exact_poisson_interval() -> None:
    r = stats.rate(5, 1.0)
    assert (r.rate, round(r.low, 4), round(r.high, 4)) == (5.0, 1.6235, 11.6683)
    zero = stats.rate(0, 2.0)
    assert zero.low == 0.0 and zero.high == pytest.approx(3.6889 / 2, abs=1e-4)


def test_stats_wilson_interval() -> None:
    p, low, high = stats.wilson(8, 10) or (0, 0, 0)
    assert p == 0.8 and low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(
        0.9433, abs=1e-4
    )
    assert stats.wilson(0, 0) is None


def test_stats_trend_recovers_a_rising_rate() -> None:
    rng = np.random.default_rng(7)
    weeks = np.arange(52)
    truth = 1.0 * np.exp(0.03 * weeks)  # x1.127 per 4 weeks
    y = rng.poisson(truth)
    t = stats.trend(y, np.ones(52))
    assert t.status == "rising" and t.low is not None and t.high is not None
    assert t.low < math.exp(0.12) < t.high
    assert t.p is not None and t.p < 0.001


def test_stats_trend_says_too_little_data() -> None:
    few = np.zeros(30, dtype=int)
    few[[3, 9, 20]] = 1
    assert stats.trend(few, np.ones(30)).status == "too little data"
    short = np.full(5, 4)
    assert "5 weeks" in stats.trend(short, np.ones(5)).reason
    last = np.zeros(20, dtype=int)
    last[-1] = 12
    assert stats.trend(last, np.ones(20)).reason == "every event falls in the first or last week"


def test_stats_trend_leaves_out_weeks_without_messages() -> None:
    y = np.array([2, 3, 0, 0, 0, 2, 3, 2, 3, 2, 3, 2, 2, 3])
    exposure = np.array([1.0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    with_gap = stats.trend(y, exposure)
    assert with_gap.p is not None and with_gap.p > 0.5  # flat once the silent weeks are out


def test_stats_overdispersion_widens_the_interval() -> None:
    y = np.array([0, 9, 0, 1, 12, 0, 0, 8, 1, 0, 10, 0, 2, 11, 0, 0])
    t = stats.trend(y, np.ones(len(y)))
    assert t.dispersion is not None and t.dispersion > 3


def test_stats_holm_adjusts_and_keeps_order() -> None:
    trends = [
        stats.Trend("rising", 1.2, 1.1, 1.3, p=0.01),
        stats.Trend("too little data"),
        stats.Trend("falling", 0.9, 0.8, 0.99, p=0.04),
        stats.Trend("rising", 1.1, 1.0, 1.2, p=0.03),
    ]
    out = stats.holm(trends)
    assert [t.p_adjusted for t in out] == [pytest.approx(0.03), None, 0.06, 0.06]
    statuses = ["rising", "too little data", "no clear trend", "no clear trend"]
    assert [t.status for t in out] == statuses


def test_stats_change_point_found_where_planted() -> None:
    rng = np.random.default_rng(3)
    y = np.concatenate([rng.poisson(0.5, 30), rng.poisson(4.0, 30)])
    found = stats.change_points(y, np.ones(60))
    assert [c.week for c in found] and abs(found[0].week - 30) <= 2
    assert found[0].before < 1.0 < 3.0 < found[0].after


def test_stats_no_change_point_or_trend_on_flat_counts_beyond_the_error_rate() -> None:
    rng = np.random.default_rng(11)
    changes = trends = tested = 0
    for _ in range(100):
        y = rng.poisson(2.0, 52)
        changes += bool(stats.change_points(y, np.ones(52)))
        t = stats.trend(y, np.ones(52))
        if t.p is not None:
            tested += 1
            trends += t.p < stats.ALPHA
    assert tested == 100
    assert changes <= 5 and trends <= 10  # 5% nominal; measured over 1,800 series in docs


def test_stats_each_week_has_its_interval() -> None:
    assert stats.count_interval(0) == (0.0, pytest.approx(3.6889, abs=1e-4))
    low, high = stats.count_interval(3)
    assert (round(low, 4), round(high, 4)) == (0.6187, 8.7673)
