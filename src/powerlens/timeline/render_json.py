"""The timeline as JSON (``powerlens.timeline/1``): weeks, series, trends, refusals, evidence.

Described field by field in ``docs/timeline.md``. Weeks are ISO dates of their Mondays;
numbers that cannot be computed (a trend with too little data) are ``null``, never NaN.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from powerlens.timeline import describe, evidence, stats
from powerlens.timeline.build import Row, Timeline

SCHEMA = "powerlens.timeline/1"


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def _series(timeline: Timeline, row: Row) -> dict[str, Any]:
    t = row.trend
    return {
        "category": row.category,
        "group": row.group,
        "person": row.person,
        "total": row.total,
        "weekly": [int(n) for n in row.weekly],
        "weekly_interval": [[_num(v) for v in stats.count_interval(int(n))] for n in row.weekly],
        "rate": {
            "per_week": _num(row.rate.rate),
            "low": _num(row.rate.low),
            "high": _num(row.rate.high),
        },
        "trend": {
            "status": t.status,
            "ratio_per_4_weeks": _num(t.ratio),
            "low": _num(t.low),
            "high": _num(t.high),
            "p": _num(t.p),
            "p_adjusted": _num(t.p_adjusted),
            "dispersion": _num(t.dispersion),
            "reason": t.reason or None,
        },
        "changes": [
            {
                "week": describe.week_date(timeline, c.week),
                "before": _num(c.before),
                "after": _num(c.after),
            }
            for c in row.changes
        ],
        "first": describe.date(row.first) if row.first is not None else None,
        "last": describe.date(row.last) if row.last is not None else None,
    }


def to_dict(timeline: Timeline) -> dict[str, Any]:
    """The timeline as plain data."""
    t = timeline.tally
    c = timeline.conversation
    words = {p: int(t.words[p].sum()) for p in t.people}
    total_words = sum(words.values()) or 1
    return {
        "schema": SCHEMA,
        "note": evidence.NOTE,
        "history": {
            "id": c.id,
            "source": c.source,
            "first": describe.date(t.start),
            "last": describe.date(t.end),
            "weeks": t.weeks,
            "read": c.read_count,
            "analysed": len(c.utterances),
            "rejected": len(c.rejected),
            "gap_hours": t.gap_hours,
        },
        "weeks": [describe.week_date(timeline, k) for k in range(t.weeks)],
        "exposure": [round(float(e), 4) for e in t.exposure],
        "people": [
            {
                "name": p,
                "messages": int(t.messages[p].sum()),
                "words": words[p],
                "word_share": round(words[p] / total_words, 6),
                "opened": int(t.opened[p].sum()),
            }
            for p in t.people
        ],
        "series": [_series(timeline, row) for row in timeline.rows],
        "respect": [
            {
                "person": p.person,
                "from": describe.week_date(timeline, p.week),
                "respected": p.respected,
                "answered": p.answered,
                "rate": _num(p.interval[0]) if p.interval else None,
                "low": _num(p.interval[1]) if p.interval else None,
                "high": _num(p.interval[2]) if p.interval else None,
            }
            for p in timeline.respect
        ],
        "evidence": [
            dict(zip(evidence.COLUMNS, cells, strict=True)) for cells in evidence.rows(t.events)
        ],
    }


def render(timeline: Timeline) -> str:
    """The timeline as indented JSON text."""
    return orjson.dumps(to_dict(timeline), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"


__all__ = ["SCHEMA", "render", "to_dict"]
