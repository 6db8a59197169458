"""The therapeutic dyad as HTML: per-session MITI tables and the index across sessions.

Renders what ``powerlens dyad`` shows in the terminal — the helper's share of talk, MITI 4.2.1
counts and thresholds (Moyers, Manuel & Ernst 2014), directive vs autonomy-supporting moves and
the power-differential index with its components (``powerlens.measures.dyad``) — as one
self-contained page with the HTML report's shell and Content-Security-Policy (no script, no
network), plus an inline SVG line chart of the index across sessions. Every piece of
transcript-derived text (session ids, speaker names, sources, the helper decision) is escaped.

Known limits: the chart shows the index only, not its components; it says nothing MITI's global
ratings would (those need a human coder); the sessions appear in the order given, which is taken
to be their order in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from powerlens.model import ConversationReport
from powerlens.report import charts
from powerlens.report.bidi import bdi, prose
from powerlens.report.legend import figure, line_key
from powerlens.report.style import CSP, STYLE

TREND_TITLE = "Power-differential index across sessions"
SCALE_NOTE = (
    "0 = client-led, 1 = helper-controlled. A signal to explore with the helper, not a fidelity "
    "rating: MITI's global scores need a trained coder."
)

LEFT = ' style="text-align:left"'
"""Text columns read better left-aligned (the report's tables align numbers to the right)."""


def format_value(value: Any) -> str:
    """A dyad measure as shown in tables: two decimals, "–" when there is no value."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def dyad_reports(reports: Sequence[ConversationReport]) -> list[ConversationReport]:
    """The reports that carry a dyad section with a helper (the others had no dyad to analyse)."""
    return [r for r in reports if isinstance(r.sections.get("dyad"), dict)]


def session_rows(report: ConversationReport) -> list[tuple[str, Any, str]]:
    """One session's dyad measures as (measure, value, note) rows, index components last."""
    d = report.sections["dyad"]
    rows: list[tuple[str, Any, str]] = [
        ("helper", d["helper"], d["helper_decision"]),
        ("helper share of words", d["talk"]["helper_word_share"], ""),
        ("helper share of turns", d["talk"]["helper_turn_share"], ""),
        ("open / closed questions", f"{d['questions']['open']} / {d['questions']['closed']}", ""),
        (
            "simple / complex reflections",
            f"{d['reflections']['simple']} / {d['reflections']['complex']}",
            "",
        ),
    ]
    for key, label in (
        ("reflection_to_question", "reflection-to-question ratio"),
        ("percent_complex_reflections", "complex reflections"),
        ("percent_open_questions", "open questions"),
    ):
        f = d["fidelity"][key]
        rows.append(
            (
                label,
                f["value"],
                f"{f['level'] or 'no data'} ({f['instrument']}: "
                f"fair ≥{f['fair']:g}, good ≥{f['good']:g})",
            )
        )
    rows += [
        (
            "advice/information with / without permission",
            f"{d['input']['with_permission']} / {d['input']['without_permission']}",
            "",
        ),
        (
            "directive / autonomy-supporting moves",
            f"{d['moves']['directive']} / {d['moves']['autonomy_support']}",
            f"{d['moves']['permission_asks']} permission asks",
        ),
        (
            "client refusals respected / pressured",
            f"{d['refusals']['respected']} / {d['refusals']['pressured']}",
            "Boundary Check",
        ),
        (
            "client change / sustain talk",
            f"{d['client_talk']['change']} / {d['client_talk']['sustain']}",
            "rough signal",
        ),
        ("power-differential index", d["index"]["value"], "0 = client-led, 1 = helper-controlled"),
    ]
    for name, comp in d["index"]["components"].items():
        rows.append(
            (f"  {name}", comp["value"], f"{comp['description']}; weight {comp['weight']:g}")
        )
    return rows


def trend(reports: Sequence[ConversationReport]) -> list[dict[str, Any]]:
    """The index and its main ratios per session, in the order given."""
    out = []
    for i, r in enumerate(dyad_reports(reports), start=1):
        d = r.sections["dyad"]
        out.append(
            {
                "session": i,
                "id": r.conversation.id,
                "source": r.conversation.source,
                "helper": d["helper"],
                "power_differential": d["index"]["value"],
                "helper_word_share": d["talk"]["helper_word_share"],
                "reflection_to_question": d["reflection_to_question"],
                "percent_complex_reflections": d["reflections"]["percent_complex"],
            }
        )
    return out


def trend_section(points: list[dict[str, Any]]) -> str:
    """The index across sessions: an inline SVG line chart and a table with the changes."""
    chart = charts.trend_chart(
        TREND_TITLE, [(str(p["id"]), p["power_differential"]) for p in points]
    )
    valued = [p for p in points if p["power_differential"] is not None]
    reading = "No session has a value yet."
    if valued:
        first, last = valued[0], valued[-1]
        reading = (
            f"From {first['power_differential']:.2f} ({bdi(str(first['id']))}) to "
            f"{last['power_differential']:.2f} ({bdi(str(last['id']))}) over {len(valued)} "
            f"session{'s' if len(valued) != 1 else ''} with a value."
        )
    keys = [
        (line_key(charts.TREND_COLOUR), "the index per session, its value above the point"),
        ("", "“no data”: a session without a value, a gap in the line"),
    ]
    rows = []
    previous: float | None = None
    for p in points:
        value = p["power_differential"]
        change = "–" if value is None or previous is None else f"{value - previous:+.2f}"
        rows.append(
            f"<tr><td>{p['session']}</td><td{LEFT}>{bdi(str(p['id']))}</td><td>{format_value(value)}</td>"
            f"<td>{change}</td><td>{format_value(p['helper_word_share'])}</td>"
            f"<td>{format_value(p['reflection_to_question'])}</td>"
            f"<td>{format_value(p['percent_complex_reflections'])}</td></tr>"
        )
        previous = value if value is not None else previous
    head = (
        f"<tr><th>#</th><th{LEFT}>session</th><th>index</th><th>change</th><th>helper words</th>"
        "<th>R:Q</th><th>complex refl.</th></tr>"
    )
    return (
        f'<section class="dyad-trend"><h2>{TREND_TITLE}</h2>'
        f"<p class='note'>{escape(SCALE_NOTE)}</p>"
        f"{figure('Index per session', chart, reading, keys)}"
        f"<table>{head}{''.join(rows)}</table></section>"
    )


def session_section(report: ConversationReport) -> str:
    """One session's dyad table."""
    c = report.conversation
    body = "".join(
        f"<tr><td>{escape(label)}</td><td>{bdi(format_value(value))}</td>"
        f"<td{LEFT}>{prose(note)}</td></tr>"
        for label, value, note in session_rows(report)
    )
    return (
        f'<article class="dyad-session"><h2>{bdi(c.id)}</h2>'
        f"<p class='meta'>{bdi(c.source)} · {len(c.utterances)} utterances</p>"
        f"<table><tr><th>measure</th><th>value</th><th{LEFT}>note</th></tr>{body}</table></article>"
    )


def overview(reports: Sequence[ConversationReport]) -> str:
    """The trend section for a report covering two or more dyad sessions, else nothing."""
    points = trend(reports)
    valued = [p for p in points if p["power_differential"] is not None]
    return trend_section(points) if len(valued) >= 2 else ""


def render(reports: Sequence[ConversationReport], *, show_trend: bool = False) -> str:
    """A self-contained page: the trend (with ``show_trend`` or two or more sessions), then
    each session's table."""
    points = trend(reports)
    trend_html = trend_section(points) if points and (show_trend or len(points) >= 2) else ""
    sessions = "".join(session_section(r) for r in dyad_reports(reports))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<meta name='referrer' content='no-referrer'>"
        f"<title>powerlens: therapeutic dyad</title><style>{STYLE}</style></head><body><main>"
        "<h1>Therapeutic dyad</h1>"
        "<p class='note'>These are signals to explore, not diagnoses of anyone or ratings of a "
        "helper. Each count comes from rules that name the turns behind it.</p>"
        f"{trend_html}{sessions}</main></body></html>\n"
    )


__all__ = ["dyad_reports", "overview", "render", "session_rows", "trend", "trend_section"]
