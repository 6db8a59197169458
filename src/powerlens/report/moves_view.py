"""The power moves per person, as plain rows for the terminal and Markdown reports.

Per person: their control acts by category (with the turns behind each), Power Over / With / To
counts, and the Boundary Check of each of their refusals (the response, and whether they then
gave in); for the conversation, whose plan was enacted and the turns that settled it. Read
only from the report's fields (``signals``, ``speakers``, ``boundaries``, ``decision``), so the
formats agree with the JSON; the HTML report has its own summary (``report.summary``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from powerlens.measures.moves.control import CONTROL_CATEGORIES
from powerlens.model import ConversationReport

BOUNDARY_LINES = 12
"""Refusals listed one per line; past this (a long chat) each person's refusals are counted by
how they were answered, and only those not respected are listed, this many."""
TURNS_LISTED = 10
"""Turn numbers written out in one list; the rest are counted ("and 40 more")."""

RESPONSE_WORDS = {
    "respected": "respected",
    "pressured": "pressed on",
    "punished": "punished (guilt, anger, threat or withdrawal)",
    "unanswered": "not answered",
}


@dataclass
class PersonMoves:
    """One person's moves: control acts by category (turn numbers), Over / With / To."""

    name: str
    control: dict[str, list[int]] = field(default_factory=dict)
    over: int = 0
    with_: int = 0
    to: int = 0


@dataclass(frozen=True)
class BoundaryRow:
    """One refusal: who said no (turn), how the others answered (turns), whether they gave in."""

    by: str
    turn: int
    response: str
    response_turns: tuple[int, ...]
    capitulated: bool


def _turns(report: ConversationReport) -> dict[str, int]:
    return {u.id: n for n, u in enumerate(report.conversation.utterances, start=1)}


def people(report: ConversationReport) -> list[PersonMoves]:
    """Each speaker with any power move, in order of speaking, with their control acts."""
    turn_of = _turns(report)
    found: dict[str, PersonMoves] = {}
    for name in report.conversation.speaker_names():
        stats = report.speakers.get(name, {})
        found[name] = PersonMoves(
            name,
            over=int(stats.get("power_over") or 0),
            with_=int(stats.get("power_with") or 0),
            to=int(stats.get("power_to") or 0),
        )
    control: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for s in report.signals:
        if (
            s.label == "power_over"
            and s.subtype in CONTROL_CATEGORIES
            and s.utterance_id in turn_of
        ):
            control[s.speaker][s.subtype].add(turn_of[s.utterance_id])
    for name, by_category in control.items():
        person = found.setdefault(name, PersonMoves(name))
        person.control = {c: sorted(t) for c, t in sorted(by_category.items())}
    return [p for p in found.values() if p.control or p.over or p.with_ or p.to]


def boundary_rows(report: ConversationReport) -> list[BoundaryRow]:
    """The Boundary Check, one row per refusal, in order."""
    turn_of = _turns(report)
    rows = []
    for b in report.sections.get("boundaries") or []:
        if b.get("refusal") not in turn_of:
            continue
        rows.append(
            BoundaryRow(
                by=str(b.get("by")),
                turn=turn_of[b["refusal"]],
                response=RESPONSE_WORDS.get(str(b.get("response")), str(b.get("response"))),
                response_turns=tuple(
                    turn_of[r] for r in b.get("response_utterances", []) if r in turn_of
                ),
                capitulated=bool(b.get("capitulated")),
            )
        )
    return rows


def boundary_digest(rows: list[BoundaryRow]) -> tuple[list[str], list[BoundaryRow], int]:
    """For more than ``BOUNDARY_LINES`` refusals: a count line per person ("Ben said no 160
    times: 140 respected, 15 pressed on ..."), the first refusals not respected, and how many
    of those are left out. Fewer refusals: no count lines, every row, none left out."""
    if len(rows) <= BOUNDARY_LINES:
        return [], rows, 0
    by_person: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        by_person[row.by][row.response] += 1
        by_person[row.by]["(went along)"] += row.capitulated
    counts = []
    for name, tally in by_person.items():
        total = sum(n for k, n in tally.items() if k != "(went along)")
        answers = ", ".join(
            f"{tally[word]} {word}" for word in RESPONSE_WORDS.values() if tally[word]
        )
        gave_in = tally["(went along)"]
        later = f"; went along afterwards {gave_in} times" if gave_in else ""
        counts.append(f"{name} said no {total} times: {answers}{later}")
    not_respected = [r for r in rows if r.response != RESPONSE_WORDS["respected"]]
    return counts, not_respected[:BOUNDARY_LINES], max(0, len(not_respected) - BOUNDARY_LINES)


def decision_line(report: ConversationReport) -> tuple[str, list[int]] | None:
    """Whose plan was enacted and the turns that put it forward and settled it, if any."""
    decision = report.sections.get("decision") or {}
    if not decision.get("plan_of"):
        return None
    turn_of = _turns(report)
    evidence = [turn_of[e] for e in decision.get("evidence", []) if e in turn_of]
    return str(decision["plan_of"]), evidence


def turn_list(turns: list[int] | tuple[int, ...]) -> str:
    """``turns 3, 5 and 7`` (or ``turn 3``)."""
    if not turns:
        return "no turn"
    if len(turns) == 1:
        return f"turn {turns[0]}"
    if len(turns) > TURNS_LISTED:
        listed = ", ".join(str(t) for t in turns[:TURNS_LISTED])
        return f"turns {listed} and {len(turns) - TURNS_LISTED} more"
    return "turns " + ", ".join(str(t) for t in turns[:-1]) + f" and {turns[-1]}"
