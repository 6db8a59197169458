"""The timeline: a long chat history read as a pattern over weeks (issue 16).

Control shows as a pattern over time (Stark 2007; the UK statutory guidance on controlling or
coercive behaviour): the same demands, checks and punishments again and again, the other
person's room to say no shrinking. A timeline reads months or years of one relationship's
messages and shows, per person and per week, each control category, Power With and Power To,
refusals and how they were answered, apologies and self-talk, talk share and who opens
contact; the rate of each with its interval, its trend with an honest test, the weeks where
the pattern shifts, and an evidence log of every message counted.

Flow (one way, each step linear in the number of messages):
``read_history`` (readers → ``history.merge``: one conversation in time order) →
``analyse`` (the moves family, once over the whole history) → ``build`` (``tally``: weekly
counts per person and category; ``stats``: rates, trends, change points) → ``render``
(terminal, JSON, HTML, Markdown) and ``evidence.to_csv``.

Known limits: the moves family's readings (rules, English only) decide what is counted; its
sequences (a refusal and its answer, a proposal and its uptake) are read across the whole
history by turn order, so an answer that comes after a night's silence still answers; the
same person named differently in two exports counts as two people; days and weeks follow
the times as the export gives them (``history``).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from powerlens.errors import UsageError
from powerlens.measures import Options
from powerlens.model import Conversation, ConversationReport
from powerlens.readers import load
from powerlens.timeline.build import Row, Timeline, analyse, build
from powerlens.timeline.evidence import to_csv
from powerlens.timeline.history import merge, spans_days
from powerlens.timeline.tally import GAP_HOURS

SPAN_DAYS = 3
"""The HTML report and the web app show the timeline of a conversation whose first and last
messages are more than this many days apart."""

RENDERERS = {
    "terminal": ("powerlens.timeline.render_text", "terminal"),
    "json": ("powerlens.timeline.render_json", "render"),
    "html": ("powerlens.timeline.render_html", "page"),
    "md": ("powerlens.timeline.render_text", "markdown"),
}
"""Format name -> module and function rendering a ``Timeline`` as text."""


def read_history(
    paths: Sequence[str | Path], *, format: str | None = None, encoding: str | None = None
) -> Conversation:
    """Every conversation in ``paths`` (files or folders) as one history in time order."""
    conversations: list[Conversation] = []
    for path in paths:
        conversations += load(path, format=format, encoding=encoding)
    return merge(conversations)


def timeline(
    paths: Sequence[str | Path],
    *,
    format: str | None = None,
    encoding: str | None = None,
    options: Options | None = None,
    gap_hours: float = GAP_HOURS,
) -> Timeline:
    """Read, analyse and count a chat history: ``powerlens timeline`` as a function."""
    return build(analyse(read_history(paths, format=format, encoding=encoding), options), gap_hours)


def for_report(report: ConversationReport) -> Timeline | None:
    """The timeline of an analysed conversation that spans more than ``SPAN_DAYS`` days (from
    the report's own signals: nothing is analysed again), else None."""
    if not spans_days(report.conversation, SPAN_DAYS):
        return None
    return build(report)


def render(result: Timeline, format: str = "terminal") -> str:
    """The timeline as text in ``format`` (see ``RENDERERS``)."""
    if format not in RENDERERS:
        raise UsageError(
            f"unknown timeline format {format!r}.", fix=f"choose from: {', '.join(RENDERERS)}"
        )
    module, function = RENDERERS[format]
    text: str = getattr(importlib.import_module(module), function)(result)
    return text


__all__ = [
    "GAP_HOURS",
    "RENDERERS",
    "SPAN_DAYS",
    "Row",
    "Timeline",
    "analyse",
    "build",
    "for_report",
    "merge",
    "read_history",
    "render",
    "timeline",
    "to_csv",
]
