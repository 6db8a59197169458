"""Legends and figure frames for the HTML report's charts.

A phone has no hover, so a chart's ``<title>`` tooltips cannot carry its meaning: each chart
sits in a ``<figure>`` with a heading, a one-line reading of what it shows and a legend in HTML
(keys drawn as small inline SVGs with the chart's own shapes, colours and patterns). Labels
are passed in already escaped (the callers isolate names with ``bidi.bdi``).
"""

from __future__ import annotations

from html import escape

from powerlens.report import charts


def _key(body: str) -> str:
    return (
        '<svg class="key" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def marker_key(family: str) -> str:
    """The family's timeline shape."""
    m = charts.marker_for(family)
    return _key(charts.shape(m.shape, 8, 8, 4.5, m.colour))


def swatch_key(colour: str, opacity: float = 1.0) -> str:
    """A filled square of ``colour``."""
    return _key(
        f'<rect x="1" y="1" width="14" height="14" fill="{colour}" fill-opacity="{opacity}"/>'
    )


def tick_key(colour: str) -> str:
    """A turn's tick on the timeline."""
    return _key(f'<rect x="6.5" y="1" width="3" height="14" fill="{colour}"/>')


def line_key(colour: str) -> str:
    """A line through a point: a line chart's series."""
    return _key(
        f'<path d="M1,12L15,4" stroke="{colour}" stroke-width="2"/>'
        f'<circle cx="8" cy="8" r="3" fill="{colour}"/>'
    )


def pattern_key(uid: str, key: str) -> str:
    """A square filled with the Over / With / To pattern ``{uid}-{key}`` of a chart on the page."""
    return _key(f'<rect x="1" y="1" width="14" height="14" fill="url(#{uid}-{key})"/>')


def legend(items: list[tuple[str, str]]) -> str:
    """A legend of ``(key svg, label html)`` items; an empty key leaves the label alone."""
    lis = "".join(f"<li>{key}<span>{label}</span></li>" for key, label in items)
    return f'<ul class="legend">{lis}</ul>'


def figure(title: str, svg: str, reading: str, items: list[tuple[str, str]]) -> str:
    """A chart with its heading, one-line reading and legend (``title`` is plain text)."""
    return (
        f'<figure class="fig"><h3>{escape(title)}</h3>{svg}'
        f'<figcaption><p class="reading">{reading}</p>{legend(items)}</figcaption></figure>'
    )


__all__ = ["figure", "legend", "line_key", "marker_key", "pattern_key", "swatch_key", "tick_key"]
