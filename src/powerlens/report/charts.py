"""Small inline-SVG charts for the HTML report: no library, no script, every label escaped.

Charts are drawn 360 px wide, the width of a phone screen, so their text stays legible there
without scaling. Colours come from the Okabe & Ito (2008) colour-blind-safe set, and every
colour has a second cue: speakers have their name on their bar or lane, signal families a shape
of their own (``MARKERS``), the Over / With / To segments a fill pattern. Legends are drawn
by the page (``legend.py``) with the same shapes and patterns. Names pass through
``bidi.svg``: escaped, and isolated so a right-to-left override cannot reverse other text.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from powerlens.report import bidi

WIDTH = 360
"""Native chart width in px: a phone's screen less the page margins."""

PALETTE = ("#3b6ea8", "#d0743c", "#009e73", "#cc79a7", "#56b4e9", "#8c6d00", "#6c757d", "#222222")
"""Colour per speaker, in order of first appearance (blue, orange, then Okabe & Ito)."""

TREND_COLOUR = "#264653"
"""The line and points of the dyad index across sessions."""


@dataclass(frozen=True)
class Marker:
    """How a signal family is drawn: a shape, a colour and its name in the legend."""

    shape: str
    colour: str
    name: str


MARKERS = {
    "tactic": Marker("triangle", "#d55e00", "manipulation tactic"),
    "act": Marker("triangle_down", "#cc79a7", "control act"),
    "boundary": Marker("square", "#009e73", "refusal (Boundary Check)"),
    "proposal": Marker("circle", "#0072b2", "proposal"),
    "stance": Marker("diamond", "#e69f00", "power over / with / to"),
    "talk": Marker("cross", "#333333", "interruption"),
    "power_base": Marker("plus", "#0072b2", "base of power"),
    "resource": Marker("ring", "#d55e00", "appeal to a resource"),
    "self_talk": Marker("hollow_square", "#8c6d00", "self-critical or appeasing talk"),
    "dyad": Marker("hollow_diamond", "#222222", "helper or client move (MITI)"),
}
"""Signal families drawn on the timeline; any other family gets ``marker_for``'s default."""

STANCE_KEYS = (
    ("power_over", "#d55e00", "stripes", "over"),
    ("power_with", "#0072b2", "solid", "with"),
    ("power_to", "#009e73", "dots", "to"),
)
"""Over / With / To: key, colour, fill pattern and short name."""


def marker_for(family: str) -> Marker:
    """The family's marker; an unknown family is a grey hollow triangle named as it is."""
    return MARKERS.get(family) or Marker("hollow_triangle", "#666666", family.replace("_", " "))


def colour(index: int) -> str:
    """The colour of the speaker at ``index``."""
    return PALETTE[index % len(PALETTE)]


def shape(kind: str, x: float, y: float, r: float, fill: str) -> str:
    """One marker of ``kind`` centred on (x, y) with radius ``r``."""
    def pts(*xy: tuple[float, float]) -> str:
        return " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in xy)

    hollow = kind.startswith("hollow_") or kind == "ring"
    paint = f'fill="#fff" stroke="{fill}" stroke-width="1.6"' if hollow else f'fill="{fill}"'
    base = kind.removeprefix("hollow_")
    if base in ("circle", "ring"):
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * (0.85 if hollow else 1):.1f}" {paint}/>'
    if base == "square":
        side = r * (1.6 if hollow else 1.8)
        return (
            f'<rect x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side:.1f}" '
            f'height="{side:.1f}" {paint}/>'
        )
    if base in ("cross", "plus"):
        arms = ((-1, -1), (1, 1), (-1, 1), (1, -1)) if base == "cross" else (
            (-1.1, 0), (1.1, 0), (0, -1.1), (0, 1.1))
        (a, b, c, d) = arms
        return (
            f'<path d="M{pts(a)}L{pts(b)}M{pts(c)}L{pts(d)}" stroke="{fill}" '
            'stroke-width="2" fill="none"/>'
        )
    corners = {
        "diamond": ((0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)),
        "triangle": ((0, -1.25), (1.15, 0.9), (-1.15, 0.9)),
        "triangle_down": ((0, 1.25), (1.15, -0.9), (-1.15, -0.9)),
    }[base]
    return f'<polygon points="{pts(*corners)}" {paint}/>'


def _svg_open(title: str, width: float, height: float) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(bidi.strip(title))}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{bidi.svg(title)}</title>'
    )


def _short(name: str, limit: int) -> str:
    """``name`` for an SVG label: shortened to ``limit`` characters, escaped and isolated."""
    return bidi.svg(name if len(name) <= limit else name[: limit - 1] + "…")


def share_bars(title: str, shares: list[tuple[str, float]], width: int = WIDTH) -> str:
    """Horizontal bars, one per speaker, labelled with the name and the share as a percentage."""
    row, label_w = 26, 110
    height = row * len(shares) + 14
    parts = [_svg_open(title, width, height)]
    for i, (name, share) in enumerate(shares):
        y = 6 + i * row
        bar = max(0.0, min(1.0, share)) * (width - label_w - 40)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12">{_short(name, 16)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{bar:.1f}" height="18" fill="{colour(i)}"/>'
            f'<text x="{label_w + bar + 4:.1f}" y="{y + 14}" font-size="12">{share:.0%}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


MAX_STACK = 3
"""Most markers drawn above one turn (one per family); more are counted in the tooltip."""

MAX_SLOTS = 250
"""Most turn positions one timeline draws: a longer conversation (a chat history) is drawn in
``SLOTS_WHEN_LONG`` equal runs of turns, a tick where a speaker spoke in the run and one marker
per family and speaker, so the chart stays a few kilobytes however long the talk."""
SLOTS_WHEN_LONG = 128
MAX_TIPS = 3
"""Tooltip lines kept per marker when runs of turns are drawn; the rest are counted."""


def timeline(
    speakers: list[str],
    turns: list[tuple[int, str]],
    marks: list[tuple[int, str, str, str]],
    width: int = WIDTH,
) -> str:
    """One lane per speaker with a tick per turn; signals as shapes above the turn's tick.

    ``turns`` are ``(index, speaker)``; ``marks`` are ``(index, speaker, family, tooltip)`` and
    sit on the lane of the speaker whose turn it is, one shape per family, stacked upwards.
    Beyond ``MAX_SLOTS`` turns, each tick and marker stands for a run of turns.
    """
    n = max(1, max((i for i, _ in turns), default=0) + 1)
    slots = n if n <= MAX_SLOTS else SLOTS_WHEN_LONG
    x0 = 96
    span = width - x0 - 6
    lanes = {name: k for k, name in enumerate(speakers)}
    owner = dict(turns)

    def slot_of(index: int) -> int:
        return index if slots == n else index * slots // n

    stacks: dict[tuple[int, str], dict[str, list[str]]] = {}
    for index, _, family, tip in marks:
        if owner.get(index) in lanes:
            key = (slot_of(index), owner[index])
            stacks.setdefault(key, {}).setdefault(family, []).append(tip)
    depth = min(MAX_STACK, max((len(f) for f in stacks.values()), default=0))
    lane = 20 + 10 * depth
    height = 6 + lane * len(speakers) + 16

    def x_of(slot: int) -> float:
        return x0 + span * (slot + 0.5) / slots

    def tick_y(name: str) -> float:
        return 6 + lanes[name] * lane + 10 * depth + 2

    parts = [_svg_open("Timeline of the conversation", width, height)]
    for name in lanes:
        y = tick_y(name)
        parts.append(
            f'<text x="0" y="{y + 10}" font-size="12">{_short(name, 13)}</text>'
            f'<line x1="{x0}" y1="{y + 6}" x2="{x0 + span}" y2="{y + 6}" stroke="#ccc"/>'
        )
    for slot, name in dict.fromkeys((slot_of(index), name) for index, name in turns):
        parts.append(
            f'<rect x="{x_of(slot) - 1.5:.1f}" y="{tick_y(name)}" width="3" height="12" '
            f'fill="{colour(lanes[name])}"/>'
        )
    for (slot, name), families in sorted(stacks.items(), key=lambda item: item[0][0]):
        for level, (family, tips) in enumerate(list(families.items())[:MAX_STACK]):
            m = marker_for(family)
            cy = tick_y(name) - 6 - 10 * level
            if slots != n and len(tips) > MAX_TIPS:
                tips = [*tips[:MAX_TIPS], f"and {len(tips) - MAX_TIPS} more"]
            parts.append(
                f"<g>{shape(m.shape, x_of(slot), cy, 3.6, m.colour)}"
                f"<title>{bidi.svg('; '.join(tips))}</title></g>"
            )
    axis = height - 4
    parts.append(
        f'<text x="{x0}" y="{axis}" font-size="10" fill="#555">turn 1</text>'
        f'<text x="{x0 + span}" y="{axis}" font-size="10" fill="#555" text-anchor="end">'
        f"turn {n}</text></svg>"
    )
    return "".join(parts)


def matrix(title: str, names: list[str], values: dict[tuple[str, str], float], fmt: str) -> str:
    """A from (rows) → to (columns) matrix as an SVG grid, shaded by value."""
    cell, label_w = 44, 96
    size = len(names)
    width, height = label_w + cell * size + 4, 24 + cell * size
    peak = max((abs(v) for v in values.values()), default=0.0) or 1.0
    parts = [_svg_open(title, width, height)]
    for j, name in enumerate(names):
        parts.append(
            f'<text x="{label_w + j * cell + 3}" y="14" font-size="10">{_short(name, 6)}</text>'
        )
    for i, row in enumerate(names):
        y = 22 + i * cell
        parts.append(f'<text x="0" y="{y + cell / 2 + 4}" font-size="12">{_short(row, 13)}</text>')
        for j, col in enumerate(names):
            x = label_w + j * cell
            value = values.get((row, col))
            if row == col or value is None:
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="#f3f3f3"/>'
                )
                continue
            opacity = 0.15 + 0.85 * abs(value) / peak
            ink = "#fff" if opacity > 0.6 else "#222"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="#3b6ea8" '
                f'fill-opacity="{opacity:.2f}"/><text x="{x + 6}" y="{y + cell / 2 + 4}" '
                f'font-size="11" fill="{ink}">{escape(format(value, fmt))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def patterns(uid: str) -> str:
    """``<defs>`` with the Over / With / To fills, ids ``{uid}-{key}`` (legends reuse them)."""
    defs = []
    for key, fill, pattern, _ in STANCE_KEYS:
        if pattern == "stripes":
            body = (
                f'<rect width="6" height="6" fill="{fill}"/>'
                '<path d="M-1,1L1,-1M0,6L6,0M5,7L7,5" stroke="#fff" stroke-width="1.6"/>'
            )
        elif pattern == "dots":
            body = f'<rect width="6" height="6" fill="{fill}"/><circle cx="3" cy="3" r="1.3" fill="#fff"/>'
        else:
            body = f'<rect width="6" height="6" fill="{fill}"/>'
        defs.append(
            f'<pattern id="{uid}-{key}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f"{body}</pattern>"
        )
    return f"<defs>{''.join(defs)}</defs>"



def stacked(title: str, rows: list[tuple[str, dict[str, int]]], uid: str) -> str:
    """One stacked bar per speaker of their Over / With / To counts, each with its pattern."""
    width, label_w, row = WIDTH, 110, 26
    height = 8 + row * len(rows)
    parts = [_svg_open(title, width, height), patterns(uid)]
    peak = max((sum(c.values()) for _, c in rows), default=0) or 1
    for i, (name, counts) in enumerate(rows):
        y = 4 + i * row
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{_short(name, 16)}</text>')
        x = float(label_w)
        for key, _, _, short in STANCE_KEYS:
            w = counts.get(key, 0) / peak * (width - label_w - 30)
            if w:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="18" fill="url(#{uid}-{key})">'
                    f"<title>{short}: {counts.get(key, 0)}</title></rect>"
                )
            x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 14}" font-size="11">{sum(counts.values())}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(title: str, points: list[tuple[str, float | None]], width: int = 640) -> str:
    """A line chart of values in [0, 1] across labelled steps (e.g. the index per session).

    Each point is a circle marked with its value; a step without a value leaves a gap in the
    line and is labelled "no data". Labels are escaped and shortened to 14 characters.
    """
    x0, top, plot_h = 44, 24, 180
    slanted = len(points) > 6
    height = top + plot_h + (86 if slanted else 40)
    span = width - x0 - 24
    step = span / max(1, len(points))
    parts = [_svg_open(title, width, height)]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + span}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{tick:g}</text>'
        )
    coords: list[tuple[float, float] | None] = []
    for i, (_, value) in enumerate(points):
        x = x0 + step * (i + 0.5)
        coords.append(
            None if value is None else (x, top + plot_h * (1 - max(0.0, min(1.0, value))))
        )
    runs: list[list[tuple[float, float]]] = [[]]
    for point in coords:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    for run in runs:
        if len(run) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(
                f'<polyline class="trend-line" points="{path}" fill="none" '
                f'stroke="{TREND_COLOUR}" stroke-width="2"/>'
            )
    base = top + plot_h
    for i, ((label, value), point) in enumerate(zip(points, coords, strict=True)):
        x = x0 + step * (i + 0.5)
        name = _short(label, 14)
        if slanted:
            parts.append(
                f'<text x="{x:.1f}" y="{base + 14}" font-size="11" text-anchor="end" '
                f'transform="rotate(-35 {x:.1f} {base + 14})">{name}</text>'
            )
        else:
            parts.append(
                f'<text x="{x:.1f}" y="{base + 16}" font-size="11" text-anchor="middle">{name}</text>'
            )
        if point is None or value is None:
            parts.append(
                f'<text class="trend-value" x="{x:.1f}" y="{base - 6}" font-size="10" '
                f'text-anchor="middle" fill="#999">no data</text>'
            )
            continue
        parts.append(
            f'<circle class="trend-point" cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="4" '
            f'fill="{TREND_COLOUR}"><title>{bidi.svg(label)}: {value:.2f}</title></circle>'
            f'<text class="trend-value" x="{point[0]:.1f}" y="{point[1] - 8:.1f}" font-size="11" '
            f'text-anchor="middle">{value:.2f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
