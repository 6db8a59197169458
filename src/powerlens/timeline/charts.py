"""The timeline's inline-SVG charts: weekly heat strips, the boundary-respect rate, first/last.

Same rules as the HTML report's charts (``report/charts.py``): no script, drawn 360 px wide
for a phone, Okabe & Ito colours each with a second cue (a row label naming the category and
person, a marker shape per person), every piece of transcript text (names) escaped and
isolated (``bidi.svg``). Weeks run left to right on one shared axis, labelled with dates.
"""

from __future__ import annotations

from powerlens.report import bidi, charts
from powerlens.timeline.build import Row, Timeline
from powerlens.timeline.history import week_start
from powerlens.timeline.stats import count_interval

WIDTH = charts.WIDTH
LABEL_W = 120
ROW_H = 14
GROUP_COLOURS = {
    "over": "#d55e00",
    "with": "#0072b2",
    "to": "#009e73",
    "boundary": "#cc79a7",
    "self": "#8c6d00",
    "talk": "#555555",
}
"""Colour of a heat strip by the framework group of its category (``build.group_of``)."""
PERSON_SHAPES = ("circle", "square", "diamond", "triangle", "triangle_down", "plus", "cross")
EMPTY = "#eeeeee"
"""A week with messages but none of this category."""


def label(category: str) -> str:
    """A category's name in words."""
    return {
        "refusal": "refusals",
        "capitulated": "gave in",
        "apology": "apologies",
        "opened": "opened contact",
        "power_with": "power with",
        "power_to": "power to",
    }.get(category, category.replace("_", " "))


def _open(title: str, height: float) -> str:
    return charts._svg_open(title, WIDTH, height)


def _short(name: str, limit: int) -> str:
    return charts._short(name, limit)


class Axis:
    """Weeks of one timeline mapped to x positions right of the row labels."""

    def __init__(self, timeline: Timeline) -> None:
        self.first = timeline.tally.first_week
        self.weeks = max(1, timeline.tally.weeks)
        self.span = WIDTH - LABEL_W - 4

    def x(self, week: float) -> float:
        """Left edge of week index ``week``."""
        return LABEL_W + self.span * week / self.weeks

    def cell(self) -> float:
        """Width of one week."""
        return self.span / self.weeks

    def ticks(self, y: float) -> str:
        """Date labels under the strips: the first week, each new year, the last week."""
        marks = {0: week_start(self.first).isoformat()}
        for w in range(1, self.weeks):
            day = week_start(self.first + w)
            if day.year != week_start(self.first + w - 1).year:
                marks[w] = str(day.year)
        parts = []
        last_x = -100.0
        for w, text in sorted(marks.items()):
            x = self.x(w)
            if x - last_x < 48:
                continue
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 4}" x2="{x:.1f}" y2="{y + 1}" stroke="#888"/>'
                f'<text x="{x:.1f}" y="{y + 11}" font-size="9" fill="#555">{text}</text>'
            )
            last_x = x
        end = week_start(self.first + self.weeks - 1).isoformat()
        if self.x(self.weeks) - last_x > 100:
            parts.append(
                f'<text x="{self.x(self.weeks):.1f}" y="{y + 11}" font-size="9" fill="#555" '
                f'text-anchor="end">{end}</text>'
            )
        return "".join(parts)


def heat_strips(timeline: Timeline, rows: list[Row], title: str) -> str:
    """One strip per row: a cell per week shaded by its count (darkest at the row's busiest
    week), white where there were no messages at all, a ▲ under each change point."""
    axis = Axis(timeline)
    exposure = timeline.tally.exposure
    height = 6 + ROW_H * len(rows) + 18
    parts = [_open(title, height)]
    w = axis.cell()
    for i, row in enumerate(rows):
        y = 4 + i * ROW_H
        colour = GROUP_COLOURS.get(row.group, "#555555")
        peak = max(1, int(row.weekly.max()))
        name = f"{label(row.category)} · {row.person}"
        parts.append(
            f'<text x="0" y="{y + 10}" font-size="10">{_short(name, 24)}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{axis.span:.1f}" height="{ROW_H - 3}" '
            f'fill="{EMPTY}"/>'
        )
        for k, count in enumerate(row.weekly):
            if exposure[k] == 0:
                parts.append(
                    f'<rect x="{axis.x(k):.1f}" y="{y}" width="{w:.2f}" height="{ROW_H - 3}" '
                    'fill="#fff"/>'
                )
            elif count:
                when = week_start(timeline.tally.first_week + k).isoformat()
                low, high = count_interval(int(count))
                parts.append(
                    f'<rect x="{axis.x(k):.1f}" y="{y}" width="{w:.2f}" height="{ROW_H - 3}" '
                    f'fill="{colour}" fill-opacity="{0.2 + 0.8 * count / peak:.2f}">'
                    f"<title>week of {when}: {int(count)} (95% {low:.1f}–{high:.1f})</title></rect>"
                )
        for change in row.changes:
            cx = axis.x(change.week)
            parts.append(
                f'<path d="M{cx:.1f},{y + ROW_H - 4}l3,4h-6z" fill="#222">'
                f"<title>shift: {change.before:.1f} → {change.after:.1f} a week</title></path>"
            )
    parts.append(axis.ticks(height - 12))
    parts.append("</svg>")
    return "".join(parts)


def respect_chart(timeline: Timeline, title: str) -> str:
    """The share of each person's refusals that were respected, per block of weeks, with its
    95% interval as a vertical line; one marker shape and colour per person."""
    axis = Axis(timeline)
    top, plot_h = 8, 120
    height = top + plot_h + 22
    people = timeline.people
    parts = [_open(title, height)]
    for tick in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{LABEL_W}" y1="{y:.1f}" x2="{WIDTH - 4}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LABEL_W - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end">'
            f"{tick:.0%}</text>"
        )
    for k, person in enumerate(people):
        points = [p for p in timeline.respect if p.person == person and p.interval]
        if not points:
            continue
        colour = charts.colour(k)
        coords = []
        for p in points:
            assert p.interval is not None
            share, low, high = p.interval
            x = axis.x(p.week + 2)
            y = top + plot_h * (1 - share)
            coords.append((x, y))
            when = week_start(timeline.tally.first_week + p.week).isoformat()
            parts.append(
                f'<line x1="{x:.1f}" y1="{top + plot_h * (1 - high):.1f}" x2="{x:.1f}" '
                f'y2="{top + plot_h * (1 - low):.1f}" stroke="{colour}" stroke-opacity="0.5"/>'
                f"<g>{charts.shape(PERSON_SHAPES[k % len(PERSON_SHAPES)], x, y, 3.2, colour)}"
                f"<title>{bidi.svg(person)}, from {when}: {p.respected} of {p.answered} "
                "respected</title></g>"
            )
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.2"/>'
            )
        parts.append(
            f'<text x="0" y="{top + 12 + 12 * k}" font-size="10" fill="{colour}">'
            f"{_short(person, 20)}</text>"
        )
    parts.append(axis.ticks(height - 10))
    parts.append("</svg>")
    return "".join(parts)


def span_chart(timeline: Timeline, rows: list[Row], title: str) -> str:
    """Per category and person, a bar from the first to the last week it appears."""
    axis = Axis(timeline)
    shown = [r for r in rows if r.first is not None and r.last is not None]
    height = 6 + ROW_H * len(shown) + 18
    parts = [_open(title, height)]
    for i, row in enumerate(shown):
        assert row.first is not None and row.last is not None
        y = 4 + i * ROW_H
        first = row.weekly.nonzero()[0]
        a, b = int(first[0]), int(first[-1])
        colour = GROUP_COLOURS.get(row.group, "#555555")
        name = f"{label(row.category)} · {row.person}"
        bar = max(2.0, axis.x(b + 1) - axis.x(a))
        start = week_start(timeline.tally.first_week + a).isoformat()
        end = week_start(timeline.tally.first_week + b).isoformat()
        parts.append(
            f'<text x="0" y="{y + 10}" font-size="10">{_short(name, 24)}</text>'
            f'<rect x="{axis.x(a):.1f}" y="{y + 3}" width="{bar:.1f}" '
            f'height="5" fill="{colour}"><title>first in the week of {start}, last in the week '
            f"of {end}</title></rect>"
        )
    parts.append(axis.ticks(height - 12))
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["GROUP_COLOURS", "heat_strips", "label", "respect_chart", "span_chart"]
