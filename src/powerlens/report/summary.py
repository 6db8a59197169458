"""The report's summary: what a person wants to know before reading the evidence.

Per person: their share of the talk, their Power Over / With / To moves, the refusals they made
and how each was answered (the Boundary Check), the proposals they made and their outcomes;
then whose plan was enacted, and, for a therapeutic dyad, the helper's share and the index.
Everything comes from fields of the JSON contract (``speakers``' ``word_share``, ``turns``,
``power_over`` / ``power_with`` / ``power_to``, ``refusals``, ``refusals_respected``; the
``boundaries``, ``proposals``, ``decision`` and ``dyad`` sections; the signals' subtypes), so a
section that a run left out is simply not summarised. Links go to the turns in the transcript.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from powerlens.model import ConversationReport
from powerlens.report import charts
from powerlens.report.bidi import bdi, prose

RESPONSES = {
    "respected": "respected",
    "pressured": "pressed on",
    "punished": "punished (guilt, anger, threat or withdrawal)",
    "unanswered": "not answered",
}
"""How a refusal was answered, in words (``boundaries[].response``)."""
FOLD_AFTER = 3
"""More refusals than this are counted, with the list of them folded under the count."""


def _words(name: object) -> str:
    return escape(str(name).replace("_", " "))


def _turn(index: int | None) -> str:
    return "" if index is None else f'<a href="#u{index}">turn {index + 1}</a>'


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _moves(report: ConversationReport, name: str, stats: dict[str, Any]) -> str:
    """``over / with / to`` counts, with the kinds of power-over move (any subtype) behind them."""
    counts = [int(stats.get(k) or 0) for k in ("power_over", "power_with", "power_to")]
    text = " / ".join(str(n) for n in counts)
    kinds = Counter(
        s.subtype
        for s in report.signals
        if s.speaker == name and s.label == "power_over" and s.subtype
    )
    if kinds:
        text += " <span class='kinds'>(over: " + ", ".join(
            f"{_words(kind)} {n}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])
        ) + ")</span>"
    return text


def _refusals(
    report: ConversationReport, name: str, stats: dict[str, Any], index_of: dict[str, int]
) -> str:
    """Each refusal by ``name`` and how it was answered, or the counts without the section."""
    boundaries = report.sections.get("boundaries")
    if not isinstance(boundaries, list):
        made = int(stats.get("refusals") or 0)
        if not made:
            return "none"
        return f"{made}, {int(stats.get('refusals_respected') or 0)} respected"
    speaker_of = {u.id: u.speaker for u in report.conversation.utterances}
    items, kinds, gave_in = [], Counter[str](), 0
    for b in boundaries:
        if not isinstance(b, dict) or b.get("by") != name:
            continue
        response = str(b.get("response"))
        kinds[RESPONSES.get(response, _words(response)).split(" (")[0]] += 1
        said = RESPONSES.get(response, _words(response))
        repliers = sorted(
            {speaker_of[r] for r in b.get("response_utterances") or [] if r in speaker_of}
        )
        if repliers and response != "unanswered":
            more = f" and {len(repliers) - 2} more" if len(repliers) > 2 else ""
            said += " by " + ", ".join(bdi(r) for r in repliers[:2]) + more
        if b.get("capitulated"):
            said += "; then went along"
            gave_in += 1
        items.append(f"<li>{_turn(index_of.get(str(b.get('refusal'))))}: {said}</li>")
    if not items:
        return "none"
    if len(items) <= FOLD_AFTER:
        return f"<ul>{''.join(items)}</ul>"
    counts = ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())
    went = f"; went along {gave_in}×" if gave_in else ""
    return (
        f"<details><summary>{len(items)}: {counts}{went}</summary>"
        f"<ul>{''.join(items)}</ul></details>"
    )


def _proposals(report: ConversationReport, name: str) -> str | None:
    proposals = report.sections.get("proposals")
    if not isinstance(proposals, list):
        return None
    outcomes = Counter(
        str(p.get("outcome")) for p in proposals if isinstance(p, dict) and p.get("by") == name
    )
    if not outcomes:
        return "none"
    total = sum(outcomes.values())
    return f"{total}: " + ", ".join(f"{_words(o)} {n}" for o, n in outcomes.most_common())


def _plan(report: ConversationReport, index_of: dict[str, int]) -> str:
    """Whose plan was enacted, with links to the turns that show it."""
    decision = report.sections.get("decision")
    proposals = report.sections.get("proposals")
    if not isinstance(decision, dict):
        return ""
    if decision.get("plan_of"):
        joint = " (a plan that combines both sides)" if decision.get("joint") else ""
        turns = [
            _turn(index_of[e]) for e in decision.get("evidence") or [] if e in index_of
        ]
        where = f" — see {', '.join(turns)}" if turns else ""
        return (
            f"<p class='plan'><b>Whose plan won:</b> {bdi(str(decision['plan_of']))}'s{joint}"
            f"{where}.</p>"
        )
    n = len(proposals) if isinstance(proposals, list) else 0
    if not n:
        return "<p class='plan'><b>Whose plan won:</b> no proposals were made.</p>"
    made = _count(n, "proposal was", "proposals were")
    return f"<p class='plan'><b>Whose plan won:</b> none settled; {made} made.</p>"


def _dyad(report: ConversationReport) -> str:
    d = report.sections.get("dyad")
    if not isinstance(d, dict):
        return ""
    share = (d.get("talk") or {}).get("helper_word_share")
    index = (d.get("index") or {}).get("value")
    rq = d.get("reflection_to_question")
    parts = [f"helper {bdi(str(d.get('helper')))}"]
    if isinstance(share, int | float):
        parts.append(f"the helper spoke {share:.0%} of the words")
    if isinstance(rq, int | float):
        parts.append(f"{rq:.2f} reflections per question")
    if isinstance(index, int | float):
        parts.append(
            f"power-differential index {index:.2f} (0 = client-led, 1 = helper-controlled)"
        )
    return f"<p class='plan'><b>Therapeutic dyad:</b> {'; '.join(parts)}.</p>"


def _person(report: ConversationReport, k: int, name: str, index_of: dict[str, int]) -> str:
    stats = report.speakers.get(name, {})
    share = stats.get("word_share")
    talk = f"{share:.0%} of words" if isinstance(share, float) else "–"
    talk += f" · {_count(int(stats.get('turns') or 0), 'turn', 'turns')}"
    rows = [("Talk", talk)]
    if any(key in stats for key in ("power_over", "power_with", "power_to")):
        rows.append(("Over / With / To", _moves(report, name, stats)))
    if "refusals" in stats or isinstance(report.sections.get("boundaries"), list):
        rows.append(("Refusals", _refusals(report, name, stats, index_of)))
    proposals = _proposals(report, name)
    if proposals is not None:
        rows.append(("Proposals", proposals))
    role = stats.get("dyad_role")
    title = bdi(name) + (f" <span class='role'>({_words(role)})</span>" if role else "")
    body = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    colour = k % len(charts.PALETTE)
    return f"<section class='person s{colour}'><h3>{title}</h3><dl>{body}</dl></section>"


def summary_section(report: ConversationReport) -> str:
    """The summary block: whose plan won, one card per person, and the findings to jump to."""
    conversation = report.conversation
    index_of = {u.id: i for i, u in enumerate(conversation.utterances)}
    people = "".join(
        _person(report, k, name, index_of) for k, name in enumerate(conversation.speaker_names())
    )
    first: dict[str, int] = {}
    for k, f in enumerate(report.findings):
        first.setdefault(f.concept, k)
    times = Counter(f.concept for f in report.findings)
    jump = "".join(
        f'<li><a href="#f{k}">{prose(concept)}</a>'
        + (f" ({times[concept]}×)" if times[concept] > 1 else "")
        + "</li>"
        for concept, k in first.items()
    )
    findings = (
        f"<p class='jump-title'>Signals to explore:</p><ol class='glance' id='glance'>{jump}</ol>"
        if jump
        else ""
    )
    return (
        f"<section class='summary'><h2>At a glance</h2>{_plan(report, index_of)}{_dyad(report)}"
        f"<div class='people'>{people}</div>{findings}</section>"
    )


__all__ = ["summary_section"]
