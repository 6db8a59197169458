"""The evidence log: every counted message with its date, speaker, category, rule and score.

What a person would bring to a counsellor, an advocate or a solicitor — and its first lines
say so: these are signals to look at with someone qualified, not a finding about a person.

- ``write_csv``: a UTF-8 CSV (with a byte-order mark, so spreadsheet programs read accents
  right), the note as ``#`` lines before the header row. Formula injection is neutralised:
  a cell whose first non-blank character is ``=``, ``+``, ``-``, ``@`` (or their full-width
  forms), a tab or a carriage return gets a leading apostrophe, so a spreadsheet shows it as
  text and never runs it (OWASP, "CSV Injection"). NUL characters, which CSV cannot carry,
  become U+FFFD; everything else is kept as written.
- ``markdown``: a section for the Markdown note, with the Power Over, boundary and
  self-talk rows (Power With and Power To are in the CSV), every cell escaped as the note's
  other text (``report.markdown.md_escape``), at most ``MARKDOWN_ROWS`` rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from powerlens.report.markdown import md_escape
from powerlens.timeline.build import Timeline, group_of
from powerlens.timeline.charts import label
from powerlens.timeline.tally import Event

NOTE = (
    "powerlens evidence log: signals to look at with someone qualified (a counsellor, an "
    "advocate, a solicitor), not a finding about a person. Each row is one message that a "
    "rule or model read as the category named; the rule and its score say how. Rules miss "
    "things and misread others (irony, quotes, jokes): check every row against what you know."
)
COLUMNS = (
    "date",
    "time",
    "speaker",
    "category",
    "group",
    "quote",
    "message",
    "rule",
    "score",
    "detail",
    "utterance",
    "line",
)
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
MARKDOWN_ROWS = 300
MARKDOWN_GROUPS = frozenset({"over", "boundary", "self"})


def neutralise(cell: str) -> str:
    """A cell a spreadsheet cannot run as a formula (see the module docstring)."""
    cell = cell.replace("\x00", "\ufffd")
    first = cell.lstrip(" ")[:1]
    if first and first in FORMULA_STARTS or cell[:1] in ("\t", "\r"):
        return "'" + cell
    return cell


def _when(event: Event) -> tuple[str, str]:
    moment = dt.datetime.fromtimestamp(event.start, tz=dt.UTC)
    return moment.date().isoformat(), moment.strftime("%H:%M:%S")


def rows(events: Iterable[Event]) -> Iterable[list[str]]:
    """One list of cells per event, in ``COLUMNS`` order (not yet neutralised)."""
    for e in events:
        date, time = _when(e)
        a, b = e.span
        yield [
            date,
            time,
            e.speaker,
            label(e.category),
            group_of(e.category),
            e.text[a:b] if 0 <= a < b <= len(e.text) else e.text,
            e.text,
            e.rule,
            f"{e.score:.2f}",
            e.detail,
            e.utterance_id,
            "" if e.line is None else str(e.line),
        ]


def to_csv(timeline: Timeline) -> str:
    """The evidence log as CSV text (see the module docstring)."""
    out = io.StringIO()
    out.write("\ufeff")
    for line in (NOTE, f"History: {timeline.conversation.source or timeline.conversation.id}"):
        out.write("# " + neutralise(" ".join(line.split())) + "\r\n")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for cells in rows(timeline.tally.events):
        writer.writerow([neutralise(c) for c in cells])
    return out.getvalue()


def markdown(timeline: Timeline) -> str:
    """The evidence log as a section of a Markdown note."""
    chosen = [e for e in timeline.tally.events if group_of(e.category) in MARKDOWN_GROUPS]
    out = ["## Evidence log", "", f"*{md_escape(NOTE)}*", ""]
    if not chosen:
        out.append("No Power Over, refusal or self-talk signals in this history.")
        return "\n".join(out) + "\n"
    out += [
        "| date | time | speaker | category | message | rule | score |",
        "|---|---|---|---|---|---|---:|",
    ]
    for cells in rows(chosen[:MARKDOWN_ROWS]):
        date, time, speaker, category, _, quote, message, rule, score, detail = cells[:10]
        text = md_escape(message)
        if quote != message:
            text += f" (span: “{md_escape(quote)}”)"
        if detail:
            category += f" ({detail})"
        out.append(
            f"| {date} | {time[:5]} | {md_escape(speaker)} | {md_escape(category)} | {text} | "
            f"{md_escape(rule)} | {score} |"
        )
    if len(chosen) > MARKDOWN_ROWS:
        out += [
            "",
            f"{len(chosen) - MARKDOWN_ROWS} more rows: `powerlens timeline ... --export "
            "evidence.csv` writes them all.",
        ]
    return "\n".join(out) + "\n"


__all__ = ["COLUMNS", "NOTE", "markdown", "neutralise", "rows", "to_csv"]
