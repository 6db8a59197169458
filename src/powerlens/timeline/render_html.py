"""The timeline in HTML: a section for the report (and the web app) and a page of its own.

``section`` draws the weekly heat strips (Power Over; Power With and To; refusals and
self-talk; messages and opened contact), the boundary-respect rate over time and the first
and last week of each category, each in a figure with a one-line reading and a legend
(``report.legend.figure``), then a table of rates and trends per person and the framework's
prompts. ``page`` wraps it in the report's self-contained page (no script, the same
Content-Security-Policy). Names and categories are escaped and isolated (``bidi``).
"""

from __future__ import annotations

from html import escape

from powerlens.report import charts as report_charts
from powerlens.report import html as report_html
from powerlens.report.bidi import bdi, prose
from powerlens.report.legend import _key as key_svg
from powerlens.report.legend import figure, swatch_key
from powerlens.timeline import charts, describe, stats
from powerlens.timeline.build import RESPECT_BLOCK, Row, Timeline
from powerlens.timeline.charts import GROUP_COLOURS, label

STRIPS = (
    (("over",), "Power over, week by week"),
    (("with", "to"), "Power with and power to, week by week"),
    (("boundary", "self"), "Refusals, apologies and self-talk, week by week"),
    (("talk",), "Messages and opened contact, week by week"),
)


def _box(fill: str) -> str:
    return (
        '<svg class="key" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg"><rect x="1.5" y="1.5" width="13" height="13" '
        f'fill="{fill}" stroke="#999"/></svg>'
    )


SHIFT_KEY = (
    '<svg class="key" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
    'xmlns="http://www.w3.org/2000/svg"><path d="M8,4l6,9h-12z" fill="#222"/></svg>'
)


def _keys(rows: list[Row]) -> list[tuple[str, str]]:
    keys = []
    for group in dict.fromkeys(r.group for r in rows):
        colour = GROUP_COLOURS[group]
        keys += [
            (swatch_key(colour, 0.2), f"{escape(describe.GROUP_TITLES[group].lower())}: fewer"),
            (swatch_key(colour, 1.0), "more (darkest: the row's busiest week)"),
        ]
    keys += [(_box(charts.EMPTY), "none that week"), (_box("#ffffff"), "no messages that week")]
    if any(r.changes for r in rows):
        keys.append((SHIFT_KEY, "a shift in the weekly rate (change point)"))
    return keys


def _busiest(rows: list[Row]) -> str:
    if all(r.group == "talk" for r in rows):
        parts = [
            f"{escape(label(category))}: "
            + ", ".join(f"{bdi(r.person)} {r.total:,}" for r in rows if r.category == category)
            for category in dict.fromkeys(r.category for r in rows)
        ]
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]
    top = max(rows, key=lambda r: r.total)
    return f"Most often: {escape(label(top.category))} by {bdi(top.person)} ({top.total:,} times)."


def strips(timeline: Timeline) -> str:
    """The heat-strip figures, one per group of categories that has any count."""
    parts = []
    for groups, title in STRIPS:
        rows = [r for r in timeline.rows if r.group in groups and r.total]
        if not rows:
            continue
        svg = charts.heat_strips(timeline, rows, title)
        rising = [r for r in rows if r.trend.status == "rising"]
        reading = _busiest(rows)
        if rising:
            reading += (
                " Rising: "
                + ", ".join(f"{escape(label(r.category))} ({bdi(r.person)})" for r in rising)
                + "."
            )
        parts.append(figure(title, svg, reading, _keys(rows)))
    return "".join(parts)


def respect_figure(timeline: Timeline) -> str:
    """The boundary-respect rate over time; nothing when no refusal was answered."""
    if not timeline.respect:
        return ""
    title = "Refusals respected, over time"
    svg = charts.respect_chart(timeline, title)
    people = [p for p in timeline.people if any(r.person == p for r in timeline.respect)]
    reading = " ".join(prose(describe.respect(timeline, p)) for p in people)
    keys = [
        (
            "",
            f"each point: the share of the refusals answered in {RESPECT_BLOCK} weeks that "
            "were respected; the line through it is its 95% interval",
        )
    ]
    for p in people:
        k = timeline.people.index(p)
        shape = charts.PERSON_SHAPES[k % len(charts.PERSON_SHAPES)]
        keys.append(
            (key_svg(report_charts.shape(shape, 8, 8, 4.5, report_charts.colour(k))), bdi(p))
        )
    return figure(title, svg, reading, keys)


def span_figure(timeline: Timeline) -> str:
    """The first and last week of each category (Power Over, refusals and self-talk)."""
    rows = [r for r in timeline.rows if r.group in ("over", "boundary", "self") and r.total]
    if not rows:
        return ""
    title = "First and last time each appears"
    first = min(rows, key=lambda r: r.first or 0.0)
    reading = (
        f"Earliest: {escape(label(first.category))} by {bdi(first.person)} on "
        f"{describe.date(first.first)}."
    )
    keys = [
        (swatch_key(GROUP_COLOURS[g]), escape(describe.GROUP_TITLES[g].lower()))
        for g in ("over", "boundary", "self")
    ]
    return figure(title, charts.span_chart(timeline, rows, title), reading, keys)


def rates(timeline: Timeline) -> str:
    """Per person, one line per category: times, rate per week, trend, first and last, shifts
    (a list rather than a table, so it reads on a phone)."""
    parts = []
    for person in timeline.people:
        items = []
        for row in timeline.rows:
            if row.person != person or not row.total:
                continue
            shifts = describe.shifts(timeline, row)
            items.append(
                f"<li><b>{escape(label(row.category))}</b>: {row.total:,} times, "
                f"{escape(describe.rate(row))}; {escape(describe.trend(row))}; "
                f"seen {escape(describe.seen(row))}"
                + (f"; shifts: {escape(shifts)}" if row.changes else "")
                + "</li>"
            )
        parts.append(f"<h4>{bdi(person)}</h4><ul class='rates'>{''.join(items)}</ul>")
    return "".join(parts)


def section(timeline: Timeline) -> str:
    """The timeline as a section of the HTML report."""
    prompts = "".join(f"<p class='prompt'>{escape(p)}</p>" for p in describe.prompts())
    talk = "".join(f"<li>{prose(line)}</li>" for line in describe.talk(timeline))
    return (
        f"<section class='timeline'><h2>Over time</h2>"
        f"<p>{prose(describe.period(timeline))}</p><p class='note'>{escape(describe.CARE)}</p>"
        f"<div class='charts'>{strips(timeline)}{respect_figure(timeline)}"
        f"{span_figure(timeline)}</div><h3>Rates and trends</h3>{rates(timeline)}"
        f"<p class='note'>Trend: the weekly count's change per {stats.TREND_STEP} "
        "weeks from a quasi-Poisson regression; p adjusted across every trend shown (Holm). "
        "Shifts: change points by binary segmentation.</p>"
        f"<ul>{talk}</ul>{prompts}</section>"
    )


def page(timeline: Timeline) -> str:
    """The timeline as one self-contained HTML page."""
    c = timeline.conversation
    body = (
        f"<article><h1>Timeline: {bdi(c.id)}</h1><p class='meta'>{bdi(c.source)} · read "
        f"{c.read_count}, analysed {len(c.utterances)}, rejected {len(c.rejected)}</p>"
        f"{section(timeline)}</article>"
    )
    return report_html.page(body, title="powerlens timeline")


__all__ = ["page", "section"]
