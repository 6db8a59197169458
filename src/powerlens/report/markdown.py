"""The Markdown report: a note that fits an Obsidian vault.

YAML front matter (date, participants, context, tags), wiki-links to the framework's notes,
and findings with their evidence as block quotes. Transcript text is escaped twice over:
HTML-special characters become entities (Obsidian renders inline HTML) and Markdown syntax
characters are backslash-escaped, so a quote cannot turn into a link, a heading or markup.
Bidirectional controls (a right-to-left override in a name would reverse the text after it)
are stripped from the note's text and written as ``\\u`` escapes in the front matter.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import escape
from pathlib import Path

from powerlens.findings import framework_note
from powerlens.model import ConversationReport, Report
from powerlens.report import bidi, moves_view

FRAMEWORK_NOTES = (
    "Power_Dynamics",
    "Boundary_Models",
    "Conflict_Repair_Template",
    "Nonviolent_Communication_NVC",
    "Intersectional_Feminist_Psychology",
)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~>$%=^])")
"""Characters that start Markdown or Obsidian syntax (links, emphasis, tags, math, comments)."""


def md_escape(text: str) -> str:
    """Text safe to place in a Markdown line: no HTML, no markup, no links."""
    flat = " ".join(bidi.strip(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escape(flat, quote=False))


_LINE_START = re.compile(r"^(\d*)([-+.)])")
"""A list marker or rule at a line's start (``-``, ``+``, ``1.``, ``2)``), for ``md_lines``."""


def md_lines(text: str) -> str:
    """Text a person wrote (an answer), kept line by line, each line escaped as ``md_escape``.

    Blank lines are dropped and list markers or rules at a line's start escaped, so the text
    stays one paragraph of plain lines inside the note: it cannot end it or start a list.
    """
    lines = [md_escape(line) for line in text.splitlines() if line.strip()]
    return "\n".join(_LINE_START.sub(r"\1\\\2", line, count=1) for line in lines)


def _yaml(value: object) -> str:
    """A YAML scalar or flow sequence (JSON syntax is valid YAML and always quoted)."""
    text = json.dumps(value, ensure_ascii=False)
    return bidi.CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def front_matter(report: ConversationReport, today: dt.date | None = None) -> str:
    """The note's YAML front matter."""
    c = report.conversation
    started = next((u.start for u in c.utterances if u.start is not None), None)
    date = (today or dt.date.today()).isoformat()
    if started is not None and started > 10**8:  # an absolute (epoch) time, not a media offset
        date = dt.datetime.fromtimestamp(started, tz=dt.UTC).date().isoformat()
    tags = ["powerlens", *(f"context/{t}" for t in c.context)]
    lines = [
        "---",
        f"date: {_yaml(date)}",
        f"participants: {_yaml(c.speaker_names())}",
        f"context: {_yaml(list(c.context))}",
        f"tags: {_yaml(tags)}",
        f"source: {_yaml(c.source)}",
        f"conversation: {_yaml(c.id)}",
        "---",
    ]
    return "\n".join(lines)


def note(report: ConversationReport, today: dt.date | None = None) -> str:
    """One conversation as a vault note."""
    c = report.conversation
    by_id = {u.id: u for u in c.utterances}
    out = [front_matter(report, today), "", f"# Power dynamics: {md_escape(c.id)}", ""]
    out.append(
        "Signals to explore, not diagnoses. Framework: "
        + ", ".join(f"[[{name}]]" for name in FRAMEWORK_NOTES)
        + "."
    )
    out += [
        "",
        "## Who did the most talking?",
        "",
        "| speaker | words | share | turns | interrupts |",
    ]
    out.append("|---|---:|---:|---:|---:|")
    for name, s in sorted(report.speakers.items(), key=lambda item: -int(item[1].get("words", 0))):
        share = s.get("word_share")
        out.append(
            f"| {md_escape(name)} | {s.get('words', 0)} | "
            f"{f'{share:.0%}' if isinstance(share, float) else '–'} | {s.get('turns', 0)} | "
            f"{s.get('interruptions_made', 0)} |"
        )
    out += [
        "",
        f"Read {c.read_count}, analysed {len(c.utterances)}, rejected {len(c.rejected)}.",
        "",
    ]
    out += _moves_section(report)
    out += ["## Signals to explore", ""]
    if not report.findings:
        out.append("No strong signals in this conversation.")
    for finding in report.findings:
        link = framework_note(finding.concept)
        out.append(f"### {md_escape(finding.concept)}" + (f" ([[{link}]])" if link else ""))
        out += ["", md_escape(finding.statement), ""]
        out.append(f"*Strength {finding.strength:.2f}: {md_escape(finding.strength_basis)}*")
        out.append("")
        for utterance_id in finding.evidence[:4]:
            u = by_id.get(utterance_id)
            if u is not None:
                out.append(f"> **{md_escape(u.speaker)}**: {md_escape(u.text)}")
                out.append(">")
        if out[-1] == ">":
            out.pop()
        out += ["", f"**Reflect:** {md_escape(finding.prompt)}", ""]
    out.append(evidence_log(report))
    return "\n".join(out).rstrip() + "\n"


def evidence_log(report: ConversationReport) -> str:
    """The timeline's evidence log, for a conversation spanning more than a few days."""
    from powerlens.timeline import for_report  # the timeline escapes with this module
    from powerlens.timeline.evidence import markdown

    found = for_report(report)
    return "" if found is None else markdown(found)


def _moves_section(report: ConversationReport) -> list[str]:
    """Per person: control acts by category and Over / With / To; each refusal and its answer;
    whose plan was enacted."""
    people = moves_view.people(report)
    rows = moves_view.boundary_rows(report)
    decided = moves_view.decision_line(report)
    if not (people or rows or decided):
        return []
    out = ["## Power moves", ""]
    if people:
        out += ["| speaker | over / with / to | control acts |", "|---|---:|---|"]
        for p in people:
            acts = "; ".join(
                f"{c.replace('_', ' ')} ({moves_view.turn_list(t)})" for c, t in p.control.items()
            )
            out.append(f"| {md_escape(p.name)} | {p.over} / {p.with_} / {p.to} | {acts or '–'} |")
        out.append("")
    counts, listed, left_out = moves_view.boundary_digest(rows)
    out += [f"- Boundary check: {md_escape(line)}." for line in counts]
    if counts and listed:
        out.append("- Not respected, in order:")
    for row in listed:
        answered = f" ({moves_view.turn_list(row.response_turns)})" if row.response_turns else ""
        gave_in = "; they later went along" if row.capitulated else ""
        out.append(
            f"- Boundary check: {md_escape(row.by)} said no at turn {row.turn}: "
            f"{row.response}{answered}{gave_in}."
        )
    if left_out:
        out.append(f"- … and {left_out} more not respected (the JSON report lists each).")
    if decided is not None:
        name, turns = decided
        out.append(f"- Plan enacted: {md_escape(name)}'s ({moves_view.turn_list(turns)}).")
    return [*out, ""]


def render(report: Report) -> str:
    """All conversations as Markdown notes, separated by a rule."""
    return "\n---\n\n".join(note(c) for c in report.conversations)


def note_filename(report: ConversationReport, today: dt.date | None = None) -> str:
    """A safe file name for the note: date and conversation id."""
    date = (today or dt.date.today()).isoformat()
    stem = re.sub(r"[^\w\- ]+", "_", report.conversation.id).strip() or "conversation"
    return f"{date} powerlens {stem[:80]}.md"


def write_vault_notes(report: Report, vault: Path) -> list[Path]:
    """Write one note per conversation into ``vault/powerlens/`` and return their paths."""
    folder = vault.expanduser() / "powerlens"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for conversation in report.conversations:
        path = folder / note_filename(conversation)
        path.write_text(note(conversation), encoding="utf-8")
        written.append(path)
    return written
