"""Synthetic histories with planted patterns: the timeline finds what was planted (issue 16).

The generator is ``tests/timeline_history.py``; ``bench/timeline_checks.py`` runs the same
checks over 200 seeds and writes the numbers in docs/validation.md.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from powerlens.model import Conversation, Utterance
from powerlens.timeline import Timeline, analyse, build
from powerlens.timeline.tally import category_of
from timeline_history import (
    CATEGORY_PHRASES,
    CHATTER,
    CONTROLLER,
    PARTNER,
    Plan,
    conversation,
    history,
    rate_at,
    truth_counts,
)

RISING = Plan(
    weeks=52,
    messages_per_day=8.0,
    rates={
        "monitoring": (1.0, 5.0),
        "degradation": (1.0, 1.0),
        "power_with": (3.0, 3.0),
        "self_critical": (1.0, 1.0),
    },
    refusals=(1.5, 1.5),
    responses={"respected": 0.5, "pressured": 0.3, "punished": 0.2},
    capitulate=0.6,
    seed=1,
)


def _categories(speaker: str, text: str) -> set[str]:
    other = PARTNER if speaker == CONTROLLER else CONTROLLER
    chat = Conversation(
        id="probe",
        utterances=(
            Utterance("u0", other, "how was work", start=1.7e9),
            Utterance("u1", speaker, text, start=1.7e9 + 60),
        ),
    )
    report = analyse(chat)
    found = {category_of(s) for s in report.signals if s.utterance_id == "u1"}
    found |= {"refusal" for b in report.sections["boundaries"] if b["refusal"] == "u1"}
    return found - {None}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("category", "phrase"),
    [(c, p) for c, phrases in CATEGORY_PHRASES.items() for p in phrases],
)
def test_timeline_phrase_bank_reads_as_its_category_alone(category: str, phrase: str) -> None:
    speaker = PARTNER if category == "self_critical" else CONTROLLER
    assert _categories(speaker, phrase) == {category}


def test_timeline_chatter_reads_as_nothing() -> None:
    assert {line: _categories(CONTROLLER, line) for line in CHATTER if _categories(
        CONTROLLER, line
    )} == {}


@cache
def _rising() -> tuple[list, Timeline]:  # type: ignore[type-arg]
    messages = history(RISING)
    return messages, build(analyse(conversation(messages)))


def test_timeline_weekly_counts_equal_what_was_planted() -> None:
    messages, timeline = _rising()
    for category in RISING.rates:
        person = PARTNER if category == "self_critical" else CONTROLLER
        row = timeline.row(category, person)
        assert row is not None
        assert list(row.weekly) == list(truth_counts(messages, category)), category
    for response in ("respected", "pressured", "punished"):
        row = timeline.row(response, PARTNER)
        assert row is not None and row.total == truth_counts(messages, f"refusal:{response}").sum()
    intimidation = timeline.row("intimidation", CONTROLLER)
    assert intimidation is not None
    assert intimidation.total == truth_counts(messages, "refusal:punished").sum()


def test_timeline_capitulation_counts_the_planted_and_the_okays() -> None:
    messages, timeline = _rising()
    planted = int(truth_counts(messages, "capitulated").sum())
    row = timeline.row("capitulated", PARTNER)
    assert row is not None
    # The moves family reads the refuser's "ok", "yeah" or "sounds good" of everyday chatter up
    # to eight messages after pressure as giving in too: never fewer than planted, some more.
    assert planted <= row.total <= 1.3 * planted


def test_timeline_recovers_planted_rates_within_their_intervals() -> None:
    _, timeline = _rising()
    for category, rate in RISING.rates.items():
        person = PARTNER if category == "self_critical" else CONTROLLER
        row = timeline.row(category, person)
        assert row is not None
        planted = np.mean([rate_at(rate, w, RISING.weeks) for w in range(RISING.weeks)])
        assert row.rate.low <= planted <= row.rate.high, category


def test_timeline_finds_the_rising_category_and_no_other() -> None:
    _, timeline = _rising()
    statuses = {(r.category, r.person): r.trend.status for r in timeline.rows}
    assert statuses[("monitoring", CONTROLLER)] == "rising"
    rising = [key for key, status in statuses.items() if status in ("rising", "falling")]
    assert rising == [("monitoring", CONTROLLER)]
    monitoring = timeline.row("monitoring", CONTROLLER)
    assert monitoring is not None and monitoring.trend.low is not None
    assert monitoring.trend.low <= (5.0 / 1.0) ** (4 / 51) <= (monitoring.trend.high or 0)


def test_timeline_counts_who_opens_contact() -> None:
    messages, timeline = _rising()
    opened = {CONTROLLER: 0, PARTNER: 0}
    previous = None
    for m in messages:
        if m.session != previous:
            opened[m.speaker] += 1
        previous = m.session
    assert {p: int(timeline.tally.opened[p].sum()) for p in opened} == opened


def test_timeline_first_appearance_of_a_category_that_begins_later() -> None:
    plan = Plan(weeks=30, messages_per_day=4.0, rates={"isolation": (2.0, 2.0)},
                begins={"isolation": 12}, seed=4)
    timeline = build(analyse(conversation(history(plan))))
    row = timeline.row("isolation", CONTROLLER)
    assert row is not None and row.first is not None
    assert int(row.weekly.nonzero()[0][0]) >= 12
    assert [c.week for c in row.changes] and abs(row.changes[0].week - 12) <= 2


def test_timeline_shows_no_trend_where_none_was_planted() -> None:
    significant = 0
    for seed in range(8):
        plan = Plan(
            weeks=26,
            messages_per_day=3.0,
            rates={"monitoring": (2.0, 2.0), "power_with": (2.0, 2.0)},
            refusals=(1.0, 1.0),
            responses={"respected": 0.7, "pressured": 0.3},
            seed=100 + seed,
        )
        timeline = build(analyse(conversation(history(plan))))
        significant += any(r.trend.status in ("rising", "falling") for r in timeline.rows)
    assert significant <= 1  # Holm keeps the chance of any false trend per history near 5%
