"""The terminal report: a readable table per conversation, rendered with rich.

All transcript text is passed to rich as plain ``Text`` (never as markup), so a speaker
named ``[bold]`` or a message full of brackets prints as written. Everything shown is read
from the report (the same data as the JSON contract); nothing is recomputed here. Language
measures (accommodation, politeness, pronouns) are shown as signals to explore, with the
counts behind them, never as statements about a person.

Transcript text cannot steer the terminal: control characters (escape sequences that clear the
screen or set the window title, carriage returns) and bidirectional controls (a right-to-left
override in a name would reverse the text after it) are removed from the output (``clean``).
Rich lays them out as zero width, so the tables stay aligned.
"""

from __future__ import annotations

import io
import re
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from powerlens.model import ConversationReport, Report
from powerlens.report import bidi, moves_view

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]|" + bidi.CONTROLS.pattern)
"""C0 and C1 controls but tab and newline, DEL, and the scoped bidirectional controls."""


def clean(text: str) -> str:
    """``text`` without characters that would steer a terminal or reorder the line."""
    return UNSAFE.sub("", text)


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


STRATEGY_NAMES = {
    "positive_lexicon": "positive words",
    "negative_lexicon": "negative words",
    "apologizing": "apologising",
    "please_start": "please (opening)",
    "indirect_btw": "by the way",
    "direct_question": "direct question",
    "direct_start": "direct start",
    "counterfactual_modal": "could/would you",
    "indicative_modal": "can/will you",
}
"""Readable names for the politeness strategies of ``powerlens.measures.deference``."""
PRONOUN_STRATEGIES = frozenset(
    {
        "first_person_start",
        "first_person",
        "first_person_plural",
        "second_person",
        "second_person_start",
    }
)
"""Strategies that are pronoun counts: left out of the list (the I / we / you columns show them)."""
TOP_STRATEGIES = 3
TOP_PAIRS = 3


def _speaker_order(report: ConversationReport) -> list[str]:
    return [
        name
        for name, _ in sorted(report.speakers.items(), key=lambda kv: -int(kv[1].get("words", 0)))
    ]


def _top_strategies(shares: dict[str, float]) -> str:
    used = [
        (label, share)
        for label, share in shares.items()
        if share > 0 and label not in PRONOUN_STRATEGIES
    ]
    used.sort(key=lambda item: -item[1])  # stable: ties keep the strategy order
    parts = [
        f"{STRATEGY_NAMES.get(label, label.replace('_', ' '))} {share:.0%}"
        for label, share in used[:TOP_STRATEGIES]
    ]
    return ", ".join(parts) if parts else "none"


def _per_100(rate: float | None) -> str:
    return "–" if rate is None else f"{100 * rate:.1f}"


def language_table(report: ConversationReport) -> Table | None:
    """Per-speaker politeness (deference) and I / we / you rates (pronoun status), if run."""
    politeness = "deference" in report.measures
    pronouns = "pronoun_status" in report.measures
    if not (politeness or pronouns):
        return None
    table = Table(title=Text(f"Politeness and pronouns — {report.conversation.id}"), expand=False)
    table.add_column("speaker")
    if politeness:
        table.add_column("politeness", justify="right")
        table.add_column("most used strategies (pronouns aside)")
    if pronouns:
        for column in ("I", "we", "you"):
            table.add_column(column, justify="right")
    for name in _speaker_order(report):
        s = report.speakers[name]
        row: list[Text | str] = [Text(name)]
        if politeness:
            mean = s.get("politeness_mean")
            row += [
                "–" if mean is None else f"{mean:.2f}",
                _top_strategies(s.get("politeness_strategies") or {}),
            ]
        if pronouns:
            row += [_per_100(s.get(f"pronoun_{k}_rate")) for k in ("i", "we", "you")]
        table.add_row(*row)
    return table


def language_notes(report: ConversationReport) -> list[Text]:
    """How to read the politeness and pronoun columns (shown under the table)."""
    notes = []
    if "deference" in report.measures:
        notes.append(
            "  politeness: 0–1, how polite the wording reads (model trained on online requests; "
            "0.5 = boundary); %: share of turns."
        )
    if "pronoun_status" in report.measures:
        notes.append(
            "  I / we / you: per 100 words (Kacewicz et al. 2014); roles and context shape them."
        )
    return [Text(n, style="dim") for n in notes]


def _signed(value: float) -> str:
    return f"{round(value, 3) + 0.0:+.3f}"


def echoes_view(report: ConversationReport) -> list[Text]:
    """The top directed coordination pairs: who echoes whose function-word style."""
    section = report.sections.get("accommodation")
    if not section:
        return []
    thresholds = section.get("thresholds", {})
    minimum = max(int(thresholds.get(k, 0)) for k in ("target", "exchanges", "exchanges_pair"))
    scored, few = [], []
    for dyad in section.get("dyads", []):
        value = dyad.get("aggregate")
        if dyad["n_exchanges"] < minimum or value is None or value != value:  # NaN: unscored
            few.append(dyad)
        else:
            scored.append(dyad)
    scored.sort(key=lambda d: (-d["aggregate"], d["speaker"], d["target"]))
    lines = [
        Text(
            "Who echoes whose function-word style (replier → person answered; accommodation, "
            "Danescu-Niculescu-Mizil et al. 2012)",
            style="bold",
        )
    ]
    for d in scored[:TOP_PAIRS]:
        lines.append(
            Text(
                f"  {d['speaker']} → {d['target']}: {_signed(d['aggregate'])} "
                f"over {d['n_exchanges']} exchanges"
            )
        )
    if len(scored) > TOP_PAIRS:
        lines.append(Text(f"  … and {len(scored) - TOP_PAIRS} more pairs", style="dim"))
    shown = sum(int(d["n_exchanges"]) for d in section.get("dyads", []))
    hidden = int(section.get("n_exchanges", shown)) - shown
    parts = [f"{d['speaker']} → {d['target']} ({d['n_exchanges']})" for d in few]
    if hidden > 0:
        parts.append(f"{hidden} exchange{'s' if hidden != 1 else ''} in other pairs")
    if parts:
        lines.append(
            Text(
                f"  too few exchanges to score (under {minimum} per pair, or no marker scored): "
                + ", ".join(parts),
                style="dim",
            )
        )
    if not scored and not parts:
        lines.append(Text("  no exchanges between different speakers", style="dim"))
    lines.append(
        Text(
            "  score: how much more often a reply uses a function-word category when the turn it "
            "answers did; above 0 = echoes.",
            style="dim",
        )
    )
    return lines


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


def moves_table(report: ConversationReport) -> Table | None:
    """Per person: control acts by category (with their turns) and Over / With / To."""
    people = moves_view.people(report)
    if not people:
        return None
    table = Table(title=Text(f"Power moves — {report.conversation.id}"), expand=False)
    for name, justify in (
        ("speaker", "left"),
        ("over / with / to", "right"),
        ("control acts", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for p in people:
        acts = "; ".join(
            f"{c.replace('_', ' ')} ({moves_view.turn_list(t)})" for c, t in p.control.items()
        )
        table.add_row(Text(p.name), f"{p.over} / {p.with_} / {p.to}", Text(acts or "–"))
    return table


def boundary_view(report: ConversationReport) -> list[Text]:
    """The Boundary Check, one line per refusal, and whose plan was enacted."""
    lines = []
    counts, rows, left_out = moves_view.boundary_digest(moves_view.boundary_rows(report))
    lines += [Text(f"  boundary check: {line}") for line in counts]
    if counts and rows:
        lines.append(Text("  not respected, in order:"))
    for row in rows:
        answered = f" ({moves_view.turn_list(row.response_turns)})" if row.response_turns else ""
        gave_in = "; they later went along" if row.capitulated else ""
        lines.append(
            Text(
                f"  boundary check: {row.by} said no at turn {row.turn}: {row.response}"
                f"{answered}{gave_in}"
            )
        )
    if left_out:
        lines.append(Text(f"  … and {left_out} more not respected (the JSON report lists each)"))
    decided = moves_view.decision_line(report)
    if decided is not None:
        name, turns = decided
        lines.append(Text(f"  plan enacted: {name}'s ({moves_view.turn_list(turns)})"))
    return lines


def conversation_view(report: ConversationReport) -> Group:
    """Everything the terminal shows for one conversation."""
    parts: list[Any] = [_counts_line(report), speaker_table(report)]
    talk = report.sections.get("talk")
    if talk:
        parts.append(_floor_line(talk))
    language = language_table(report)
    if language is not None:
        parts.append(language)
        parts.extend(language_notes(report))
    parts.extend(echoes_view(report))
    moves = moves_table(report)
    if moves is not None:
        parts.append(moves)
    parts.extend(boundary_view(report))
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
    return clean(buffer.getvalue())
