"""The terminal report: a readable table per conversation, rendered with rich.

All transcript text is passed to rich as plain ``Text`` (never as markup), so a speaker
named ``[bold]`` or a message full of brackets prints as written.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from powerlens.model import ConversationReport, Report


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def speaker_table(report: ConversationReport) -> Table:
    """Per-speaker talk measures: the "who did the most talking?" table."""
    table = Table(title=Text(f"Who did the most talking? — {report.conversation.id}"), expand=False)
    columns = [
        ("speaker", "left"),
        ("words", "right"),
        ("share", "right"),
        ("time", "right"),
        ("turns", "right"),
        ("longest turn", "right"),
        ("interrupts", "right"),
        ("interrupted", "right"),
        ("questions asked", "right"),
        ("answered", "right"),
    ]
    for name, justify in columns:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    rows = sorted(report.speakers.items(), key=lambda item: -int(item[1].get("words", 0)))
    for name, s in rows:
        table.add_row(
            Text(name),
            str(s.get("words", 0)),
            _percent(s.get("word_share")),
            _percent(s.get("time_share")),
            str(s.get("turns", 0)),
            f"{s.get('longest_monologue_words', 0)} words",
            str(s.get("interruptions_made", 0)),
            str(s.get("interruptions_received", 0)),
            str(s.get("questions_asked", 0)),
            str(s.get("questions_answered", 0)),
        )
    return table


def _floor_line(talk: dict[str, Any]) -> Text:
    parts = []
    for key, label in (
        ("opened_by", "opened"),
        ("closed_by", "closed"),
        ("last_word", "last word"),
    ):
        who = talk.get(key)
        if who:
            parts.append(f"{label}: {who['speaker']}")
    return Text(" · ".join(parts))


def _counts_line(report: ConversationReport) -> Text:
    c = report.conversation
    line = Text(
        f"{c.source or c.id} — read {c.read_count}, analysed {len(c.utterances)}, "
        f"rejected {len(c.rejected)}"
    )
    if c.context:
        line.append(f" — context: {', '.join(c.context)}")
    return line


def _quote(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def findings_view(report: ConversationReport) -> list[Text]:
    """Each finding: concept, statement, strength, quoted evidence and its reflective prompt."""
    by_id = {u.id: u for u in report.conversation.utterances}
    lines: list[Text] = []
    if report.findings:
        lines.append(Text("Signals to explore", style="bold"))
    for finding in report.findings:
        lines.append(Text(f"• {finding.concept} (strength {finding.strength:.2f})", style="bold"))
        lines.append(Text(f"  {finding.statement}"))
        for utterance_id in finding.evidence[:3]:
            utterance = by_id.get(utterance_id)
            if utterance is not None:
                quote = f"    > {utterance.speaker}: “{_quote(utterance.text)}”"
                lines.append(Text(quote, style="dim"))
        lines.append(Text(f"  ? {finding.prompt}", style="italic"))
    return lines


def conversation_view(report: ConversationReport) -> Group:
    """Everything the terminal shows for one conversation."""
    parts: list[Any] = [_counts_line(report), speaker_table(report)]
    talk = report.sections.get("talk")
    if talk:
        parts.append(_floor_line(talk))
    for rejection in report.conversation.rejected[:10]:
        parts.append(Text(f"  rejected line {rejection.line}: {rejection.reason}", style="dim"))
    if len(report.conversation.rejected) > 10:
        parts.append(Text(f"  … and {len(report.conversation.rejected) - 10} more", style="dim"))
    if report.skipped:
        skipped = "; ".join(f"{name} ({reason})" for name, reason in report.skipped.items())
        parts.append(Text(f"  not run: {skipped}", style="dim"))
    parts.extend(findings_view(report))
    return Group(*parts)


def render(report: Report, width: int = 120) -> str:
    """The report as plain terminal text (the CLI prints the same views with colour)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, soft_wrap=False)
    for conversation in report.conversations:
        console.print(conversation_view(conversation))
        console.print()
    return buffer.getvalue()
