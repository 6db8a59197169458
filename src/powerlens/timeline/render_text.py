"""The timeline as terminal text (rich tables) and as a Markdown note for a vault.

Terminal: transcript text (names) goes to rich as plain ``Text`` and the output is cleaned of
control and bidirectional characters (``report.terminal.clean``). Markdown: front matter,
tables with every cell escaped (``report.markdown.md_escape``), the framework's prompts, and
the evidence log section (``evidence.markdown``).
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from powerlens.report.markdown import FRAMEWORK_NOTES, _yaml, md_escape
from powerlens.report.terminal import clean
from powerlens.timeline import describe, evidence
from powerlens.timeline.build import Row, Timeline
from powerlens.timeline.charts import label

GROUPS = ("over", "with", "to", "boundary", "self", "talk")
COLUMNS = ("category", "times", "per week (95% interval)", "trend", "first – last", "shifts")


def _cells(timeline: Timeline, row: Row) -> list[str]:
    return [
        label(row.category),
        f"{row.total:,}",
        describe.rate(row),
        describe.trend(row),
        describe.seen(row),
        describe.shifts(timeline, row),
    ]


def _rows(timeline: Timeline, person: str, group: str) -> list[Row]:
    return [r for r in timeline.rows if r.person == person and r.group == group]


def terminal(timeline: Timeline, width: int = 140) -> str:
    """The timeline as plain terminal text."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, soft_wrap=False)
    c = timeline.conversation
    console.print(Text(f"Timeline — {c.id}", style="bold"))
    console.print(Text(describe.period(timeline)))
    console.print(
        Text(f"Read {c.read_count}, analysed {len(c.utterances)}, rejected {len(c.rejected)}.")
    )
    console.print(Text(describe.CARE))
    for person in timeline.people:
        table = Table(title=Text(f"{person}, week by week"), expand=False)
        for name in COLUMNS:
            table.add_column(name, justify="right" if name == "times" else "left")
        for group in GROUPS:
            rows = _rows(timeline, person, group)
            if rows:
                table.add_row(Text(describe.GROUP_TITLES[group], style="bold"), *[""] * 5)
            for row in rows:
                table.add_row(*[Text(cell) for cell in _cells(timeline, row)])
        console.print()
        console.print(table)
        console.print(Text(describe.respect(timeline, person)))
    console.print()
    for line in describe.talk(timeline):
        console.print(Text(line))
    console.print()
    for prompt in describe.prompts():
        console.print(Text(f"Reflect: {prompt}"))
    return clean(buffer.getvalue())


def markdown(timeline: Timeline) -> str:
    """The timeline as a Markdown note, with the evidence log."""
    c = timeline.conversation
    out = [
        "---",
        f"date: {_yaml(describe.date(timeline.tally.end))}",
        f"participants: {_yaml(timeline.people)}",
        f"tags: {_yaml(['powerlens', 'powerlens/timeline'])}",
        f"source: {_yaml(c.source)}",
        f"conversation: {_yaml(c.id)}",
        "---",
        "",
        f"# Timeline: {md_escape(c.id)}",
        "",
        md_escape(describe.period(timeline)),
        "",
        md_escape(describe.CARE)
        + " Framework: "
        + ", ".join(f"[[{name}]]" for name in FRAMEWORK_NOTES)
        + ".",
        "",
        f"Read {c.read_count}, analysed {len(c.utterances)}, rejected {len(c.rejected)}.",
    ]
    for person in timeline.people:
        out += ["", f"## {md_escape(person)}", ""]
        out += ["| " + " | ".join(COLUMNS) + " |", "|---|---:|---|---|---|---|"]
        for group in GROUPS:
            for row in _rows(timeline, person, group):
                cells = [md_escape(cell) for cell in _cells(timeline, row)]
                out.append("| " + " | ".join(cells) + " |")
        out += ["", md_escape(describe.respect(timeline, person))]
    out += ["", "## Talk", ""]
    out += [f"- {md_escape(line)}" for line in describe.talk(timeline)]
    out += ["", "## Reflect", ""]
    out += [f"- {md_escape(prompt)}" for prompt in describe.prompts()]
    out += ["", evidence.markdown(timeline)]
    return "\n".join(out).rstrip() + "\n"


__all__ = ["markdown", "terminal"]
