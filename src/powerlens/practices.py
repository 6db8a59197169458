"""The framework's practices as guides: its questions, pre-filled with what the analysis found.

Tracking Influence, Boundary Check and Airing the Privilege each become a list of steps; a
step is one reflective question with the evidence that bears on it (bidirectional controls
stripped: the lines quote the transcript inside prose, where an override would run on). The
CLI asks the questions (or prints them with ``--non-interactive``) and saves the answers as
Markdown beside the report; the web app uses the same guides for its forms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from powerlens.findings import framework
from powerlens.model import ConversationReport
from powerlens.report import bidi
from powerlens.report.markdown import md_escape, md_lines

PRACTICES = ("tracking_influence", "boundary_check", "airing_the_privilege")


@dataclass
class Step:
    """One question of a practice and what the analysis found that bears on it."""

    question: str
    found: list[str] = field(default_factory=list)
    answer: str = ""


@dataclass
class Guide:
    """A practice worked through for one conversation."""

    practice: str
    title: str
    conversation: str
    steps: list[Step]


def _concept_statements(report: ConversationReport, *titles: str) -> list[str]:
    return [f.statement for f in report.findings if any(f.concept.startswith(t) for t in titles)]


def _talk_lines(report: ConversationReport) -> list[str]:
    ranked = sorted(report.speakers.items(), key=lambda item: -int(item[1].get("words", 0)))
    return [
        f"{name}: {s.get('words', 0)} words ({float(s.get('word_share', 0.0)):.0%}), "
        f"{s.get('turns', 0)} turns, interrupted others {s.get('interruptions_made', 0)} times"
        for name, s in ranked
    ]


def _resources(report: ConversationReport) -> list[str]:
    by_utterance = {u.id: u for u in report.conversation.utterances}
    lines = []
    for s in report.signals:
        if s.family in ("resource", "power_base") and s.utterance_id in by_utterance:
            text = by_utterance[s.utterance_id].text[s.span[0] : s.span[1]]
            lines.append(f"{s.speaker} — {s.label}: “{text}”")
    return lines[:8]


def guide(practice: str, report: ConversationReport) -> Guide:
    """The practice's questions for this conversation, each pre-filled with the evidence."""
    if practice not in PRACTICES:
        raise ValueError(f"unknown practice {practice!r}; choose from {', '.join(PRACTICES)}")
    spec = framework()["practices"][practice]
    questions: list[str] = spec["questions"]
    steps = [Step(q) for q in questions]
    if practice == "tracking_influence":
        steps[0].found = _talk_lines(report) + _concept_statements(
            report, "Tracking Influence: who"
        )
        steps[1].found = _concept_statements(report, "Tracking Influence: whose plan")
        steps[2].found = _resources(report) or ["No appeals to resources were detected."]
    elif practice == "boundary_check":
        boundaries = report.sections.get("boundaries") or []
        steps[0].found = _concept_statements(report, "Boundary Check") or [
            "No refusals were detected." if not boundaries else ""
        ]
        by_id = {u.id: u for u in report.conversation.utterances}
        steps[1].found = [
            f"{b.get('by')}: “{by_id[b['refusal']].text}” → {b.get('response')}"
            for b in boundaries
            if b.get("refusal") in by_id
        ]
    else:
        systemic = report.sections.get("systemic")
        if not systemic:
            steps[0].found = [
                "No declarations were given. Each person may declare their position in a file "
                "(powerlens practice privilege --init) and pass it with --declarations."
            ]
        else:
            steps[0].found = _concept_statements(report, "Airing the Privilege")
            steps[1].found = [
                f"{d['more_declared_power']} over {d['other']}: declared differential "
                f"{d['declared_differential']:+.2f}, "
                f"word-share gap {d['observed_word_share_gap']:+.0%}"
                for d in systemic.get("dyads", [])
            ]
    for step in steps:  # prose around quotes: a right-to-left override would run past the quote
        step.found = [bidi.strip(line) for line in step.found if line]
    return Guide(practice, spec["title"], report.conversation.id, steps)


def to_markdown(g: Guide, today: dt.date | None = None) -> str:
    """The worked practice as a Markdown note (questions, what was found, answers).

    What was found quotes the transcript and the answers are what a person typed: both are
    escaped (``md_escape``, ``md_lines``), so neither can carry HTML (an ``<img onerror=...>``
    answer stays text), links or markup into the vault.
    """
    date = (today or dt.date.today()).isoformat()
    out = [
        "---",
        f'date: "{date}"',
        f'practice: "{g.practice}"',
        'tags: ["powerlens", "practice"]',
        "---",
        "",
        f"# {md_escape(g.title)}: {md_escape(g.conversation)}",
        "",
    ]
    for number, step in enumerate(g.steps, start=1):
        out += [f"## {number}. {md_escape(step.question)}", ""]
        out += [f"- {md_escape(line)}" for line in step.found] or ["- (nothing detected)"]
        answer = md_lines(step.answer) or "_(not answered yet)_"
        out += ["", f"**Answer:** {answer}", ""]
    return "\n".join(out).rstrip() + "\n"
