"""From a history's weekly counts to what the reports show: rates, trends, shifts, first/last.

One ``Row`` per person and category (and per person for messages and contact opened): the
weekly counts, the mean rate per week with its interval, the trend with its test (adjusted
together with every other trend of the timeline, ``stats.holm``), the change points, and the
first and last time the category appears. The boundary-respect rate is computed per person
per ``RESPECT_BLOCK`` weeks (refusals are rarer than weeks), with Wilson intervals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from powerlens.analysis import analyze_conversation, resolve_measures
from powerlens.measures import Options
from powerlens.model import Conversation, ConversationReport
from powerlens.timeline import stats
from powerlens.timeline.tally import (
    BOUNDARY,
    CONTROL,
    GAP_HOURS,
    OTHER_OVER,
    SELF,
    WITH_TO,
    Tally,
    tally,
)

RESPECT_BLOCK = 4
"""Weeks per point of the boundary-respect rate over time."""
MEASURES = ("moves",)
"""The measure families a timeline reads (the talk counts are taken from the text itself)."""


def group_of(category: str) -> str:
    """Which part of the framework a category belongs to: over, with, to, boundary, self, talk."""
    if category in CONTROL or category in OTHER_OVER:
        return "over"
    if category in WITH_TO:
        return category.removeprefix("power_")
    if category in BOUNDARY:
        return "boundary"
    if category in SELF:
        return "self"
    if category in ("messages", "opened"):
        return "talk"
    return "over"


@dataclass(frozen=True)
class Row:
    """One person's weekly counts of one category, and what they show."""

    category: str
    person: str
    weekly: np.ndarray
    rate: stats.Rate
    trend: stats.Trend
    changes: tuple[stats.Change, ...]
    first: float | None
    last: float | None

    @property
    def group(self) -> str:
        """The framework group of the category (``group_of``)."""
        return group_of(self.category)

    @property
    def total(self) -> int:
        """Events over the whole history."""
        return int(self.weekly.sum())


@dataclass(frozen=True)
class RespectPoint:
    """One person's refusals in a block of weeks: how many were respected, of those answered."""

    week: int
    person: str
    respected: int
    answered: int
    interval: tuple[float, float, float] | None


@dataclass
class Timeline:
    """Everything the timeline's reports show about one history."""

    conversation: Conversation
    tally: Tally
    rows: list[Row] = field(default_factory=list)
    respect: list[RespectPoint] = field(default_factory=list)

    def row(self, category: str, person: str) -> Row | None:
        """The row of one category and person, if it has any count."""
        return next((r for r in self.rows if r.category == category and r.person == person), None)

    @property
    def people(self) -> list[str]:
        """People in order of their first message."""
        return self.tally.people


def analyse(
    conversation: Conversation,
    options: Options | None = None,
    step: Callable[[str], None] | None = None,
) -> ConversationReport:
    """The moves family's reading of the whole history, once (linear in its length); ``step``
    as for ``analyze_conversation`` (a progress display)."""
    return analyze_conversation(
        conversation,
        resolve_measures(list(MEASURES)),
        options or Options(),
        explicit=True,
        step=step,
    )


def _row(
    t: Tally,
    category: str,
    person: str,
    weekly: np.ndarray,
    seen: dict[tuple[str, str], list[float]],
) -> Row:
    active = t.exposure > 0
    times = seen.get((category, person), [])
    return Row(
        category,
        person,
        weekly,
        stats.rate(int(weekly[active].sum()), float(t.exposure.sum())),
        stats.trend(weekly, t.exposure),
        tuple(stats.change_points(weekly, t.exposure)),
        times[0] if times else None,
        times[-1] if times else None,
    )


def respect_points(t: Tally, block: int = RESPECT_BLOCK) -> list[RespectPoint]:
    """Per person and block of ``block`` weeks: refusals respected out of those answered."""
    found: dict[tuple[str, int], list[int]] = {}
    for r in t.refusals:
        if r.response == "unanswered":
            continue
        cell = found.setdefault((r.by, r.week // block * block), [0, 0])
        cell[0] += r.response == "respected"
        cell[1] += 1
    return [
        RespectPoint(week, person, k, n, stats.wilson(k, n))
        for (person, week), (k, n) in sorted(found.items(), key=lambda item: item[0][1])
    ]


def build(report: ConversationReport, gap_hours: float = GAP_HOURS) -> Timeline:
    """The timeline of one analysed, dated history (a report of the moves family, or of
    ``analyze`` with it among the families)."""
    t = tally(report, gap_hours)
    seen: dict[tuple[str, str], list[float]] = {}
    moments = [(e.start, e.category, e.speaker) for e in t.events]
    moments += [(r.start, r.response, r.by) for r in t.refusals]
    moments += [(r.start, "capitulated", r.by) for r in t.refusals if r.capitulated]
    for when, category, person in sorted(moments):
        span = seen.setdefault((category, person), [when, when])
        span[1] = when
    rows = []
    for category in t.categories():
        for person in t.people:
            weekly = t.counts.get((category, person))
            if weekly is not None and weekly.sum():
                rows.append(_row(t, category, person, weekly, seen))
    for person in t.people:
        rows.append(_row(t, "messages", person, t.messages[person], seen))
        rows.append(_row(t, "opened", person, t.opened[person], seen))
    adjusted = stats.holm([r.trend for r in rows])
    rows = [dataclasses.replace(r, trend=a) for r, a in zip(rows, adjusted, strict=True)]
    return Timeline(report.conversation, t, rows, respect_points(t))


__all__ = ["MEASURES", "RESPECT_BLOCK", "RespectPoint", "Row", "Timeline", "analyse", "build"]
