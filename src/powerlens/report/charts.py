"""Small inline-SVG charts for the HTML report: no library, no script, every label escaped."""

from __future__ import annotations

from html import escape

PALETTE = ("#3b6ea8", "#d0743c", "#5a9e6f", "#a05195", "#c9a227", "#6c757d", "#2a9d8f", "#e76f51")
"""Colour per speaker, in order of first appearance."""

SIGNAL_COLOURS = {
    "talk": "#6c757d",
    "power_base": "#a05195",
    "stance": "#d0743c",
    "boundary": "#2a9d8f",
    "proposal": "#3b6ea8",
    "tactic": "#c0392b",
    "self_talk": "#c9a227",
    "deference": "#5a9e6f",
    "accommodation": "#8e9aaf",
    "dyad": "#264653",
}


def _svg_open(title: str, width: float, height: float) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )


def colour(index: int) -> str:
    """The colour of the speaker at ``index``."""
    return PALETTE[index % len(PALETTE)]


def share_bars(title: str, shares: list[tuple[str, float]], width: int = 360) -> str:
    """Horizontal bars, one per speaker, labelled with the share as a percentage."""
    row, label_w = 26, 110
    height = row * len(shares) + 30
    parts = [
        _svg_open(title, width, height)
    ]
    for i, (name, share) in enumerate(shares):
        y = 20 + i * row
        bar = max(0.0, min(1.0, share)) * (width - label_w - 50)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12">{escape(name[:16])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{bar:.1f}" height="18" fill="{colour(i)}"/>'
            f'<text x="{label_w + bar + 4:.1f}" y="{y + 14}" font-size="12">{share:.0%}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline(
    speakers: list[str],
    turns: list[tuple[int, str]],
    marks: list[tuple[int, str, str]],
    width: int = 640,
) -> str:
    """One lane per speaker with a tick per utterance; signals marked as dots above the tick.

    ``turns`` are ``(index, speaker)``; ``marks`` are ``(index, family, tooltip)``.
    """
    lane = 22
    n = max(1, max((i for i, _ in turns), default=0) + 1)
    height = lane * len(speakers) + 40
    x0, span = 110, width - 120
    lanes = {name: k for k, name in enumerate(speakers)}
    parts = [
        _svg_open("Timeline of the conversation", width, height)
    ]
    for name, k in lanes.items():
        y = 20 + k * lane
        parts.append(f'<text x="0" y="{y + 12}" font-size="12">{escape(name[:16])}</text>')
        parts.append(f'<line x1="{x0}" y1="{y + 8}" x2="{x0 + span}" y2="{y + 8}" stroke="#ddd"/>')
    for index, name in turns:
        x = x0 + span * (index + 0.5) / n
        y = 20 + lanes[name] * lane
        parts.append(
            f'<rect x="{x - 1.5:.1f}" y="{y + 2}" width="3" height="12" fill="{colour(lanes[name])}"/>'
        )
    for index, family, tip in marks:
        x = x0 + span * (index + 0.5) / n
        fill = SIGNAL_COLOURS.get(family, "#333")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{height - 12}" r="4" fill="{fill}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def matrix(title: str, names: list[str], values: dict[tuple[str, str], float], fmt: str) -> str:
    """A from (rows) → to (columns) matrix as an SVG grid, shaded by value."""
    cell, label_w = 46, 110
    size = len(names)
    width, height = label_w + cell * size + 10, 40 + cell * size
    peak = max((abs(v) for v in values.values()), default=0.0) or 1.0
    parts = [
        _svg_open(title, width, height)
    ]
    for j, name in enumerate(names):
        parts.append(
            f'<text x="{label_w + j * cell + 4}" y="14" font-size="11">{escape(name[:7])}</text>'
        )
    for i, row in enumerate(names):
        y = 24 + i * cell
        parts.append(f'<text x="0" y="{y + cell / 2 + 4}" font-size="12">{escape(row[:16])}</text>')
        for j, col in enumerate(names):
            x = label_w + j * cell
            value = values.get((row, col))
            if row == col or value is None:
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="#f3f3f3"/>'
                )
                continue
            opacity = 0.15 + 0.85 * abs(value) / peak
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="#3b6ea8" '
                f'fill-opacity="{opacity:.2f}"/><text x="{x + 6}" y="{y + cell / 2 + 4}" '
                f'font-size="11">{escape(format(value, fmt))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def stacked(title: str, rows: list[tuple[str, dict[str, int]]], keys: list[str]) -> str:
    """One stacked bar per speaker (e.g. power over / with / to counts), with a legend."""
    width, label_w, row = 420, 110, 26
    height = 40 + row * len(rows)
    colours = ("#d0743c", "#3b6ea8", "#5a9e6f", "#a05195")
    parts = [
        _svg_open(title, width, height)
    ]
    for k, key in enumerate(keys):
        parts.append(
            f'<rect x="{label_w + k * 95}" y="2" width="10" height="10" fill="{colours[k % 4]}"/>'
            f'<text x="{label_w + k * 95 + 14}" y="11" font-size="11">{escape(key)}</text>'
        )
    peak = max((sum(c.values()) for _, c in rows), default=0) or 1
    for i, (name, counts) in enumerate(rows):
        y = 24 + i * row
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(name[:16])}</text>')
        x = float(label_w)
        for k, key in enumerate(keys):
            w = counts.get(key, 0) / peak * (width - label_w - 40)
            if w:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="18" fill="{colours[k % 4]}">'
                    f"<title>{escape(key)}: {counts.get(key, 0)}</title></rect>"
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
    colour = SIGNAL_COLOURS["dyad"]
    for run in runs:
        if len(run) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(
                f'<polyline class="trend-line" points="{path}" fill="none" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
    base = top + plot_h
    for i, ((label, value), point) in enumerate(zip(points, coords, strict=True)):
        x = x0 + step * (i + 0.5)
        name = escape(label if len(label) <= 14 else label[:13] + "…")
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
            f'fill="{colour}"><title>{escape(label)}: {value:.2f}</title></circle>'
            f'<text class="trend-value" x="{point[0]:.1f}" y="{point[1] - 8:.1f}" font-size="11" '
            f'text-anchor="middle">{value:.2f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
