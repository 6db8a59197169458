"""The HTML report's charts for one conversation, each with a legend and a one-line reading.

A chart is drawn only when it has something to show: the talk shares and the timeline whenever
there are turns, the "who interrupts whom", override and coordination grids only when a pair
has a value, the Over / With / To bars only when someone made such a move. Everything is read
from the report (speakers, signals, sections), nothing is recomputed.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from powerlens.model import ConversationReport
from powerlens.report import charts
from powerlens.report.bidi import bdi
from powerlens.report.legend import (
    figure,
    marker_key,
    pattern_key,
    swatch_key,
    tick_key,
)

STYLE_FAMILIES = frozenset({"deference", "pronoun_status", "accommodation"})
"""Language-style signals (politeness, pronouns, function-word echoes): folded away in the
transcript and left off the timeline."""

MATRIX_KEYS = [
    (swatch_key("#3b6ea8", 0.2), "fewer"),
    (swatch_key("#3b6ea8", 1.0), "more"),
    ("", "row → column; the number is the count"),
]


def talk_figure(report: ConversationReport) -> str:
    """Share of words per speaker."""
    names = report.conversation.speaker_names()
    shares = [(n, float(report.speakers.get(n, {}).get("word_share", 0.0))) for n in names]
    ranked = sorted(shares, key=lambda item: -item[1])
    reading = "Share of all words: " + ", ".join(f"{bdi(n)} {s:.0%}" for n, s in ranked) + "."
    keys = [(swatch_key(charts.colour(i)), bdi(n)) for i, n in enumerate(names)]
    return figure("Share of words", charts.share_bars("Share of words", shares), reading, keys)


def timeline_figure(report: ConversationReport) -> str:
    """Turns in order, one lane per speaker, with the signals that are not language style."""
    conversation = report.conversation
    names = conversation.speaker_names()
    index_of = {u.id: i for i, u in enumerate(conversation.utterances)}
    marks = [
        (index_of[s.utterance_id], s.speaker, s.family, f"{s.family}: {s.label} ({s.source})")
        for s in report.signals
        if s.utterance_id in index_of and s.family not in STYLE_FAMILIES
    ]
    turns = [(i, u.speaker) for i, u in enumerate(conversation.utterances)]
    svg = charts.timeline(names, turns, marks)
    marked = Counter(conversation.utterances[i].speaker for i in {m[0] for m in marks})
    reading = f"{len(turns)} turns from left to right"
    if marked:
        top, count = marked.most_common(1)[0]
        reading += (
            f"; {sum(marked.values())} carry a signal, {count} of them {bdi(top)}'s. "
            "The transcript below shows each."
        )
    else:
        reading += "; none carries a signal beyond language style."
    families = Counter(m[2] for m in marks)
    keys = [(tick_key("#777"), "a turn, in its speaker's colour")]
    keys += [
        (marker_key(family), f"{charts.marker_for(family).name} ({count})")
        for family, count in families.most_common()
    ]
    return figure("Timeline", svg, reading, keys)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _top_pair(values: dict[tuple[str, str], float]) -> tuple[str, str, float]:
    (a, b), value = max(values.items(), key=lambda item: (abs(item[1]), item[0]))
    return a, b, value


def interruption_figure(report: ConversationReport) -> str:
    """Who cut in on whom; nothing when nobody did."""
    counts = Counter(
        (s.speaker, s.target) for s in report.signals if s.label == "interruption" and s.target
    )
    values = {pair: float(n) for pair, n in counts.items() if pair[0] != pair[1]}
    names = report.conversation.speaker_names()
    if not values or len(names) < 2:
        return ""
    a, b, n = _top_pair(values)
    reading = (
        f"{bdi(a)} cut in on {bdi(b)} most often ({n:.0f}×); "
        f"{_count(round(sum(values.values())), 'interruption', 'interruptions')} in all."
    )
    svg = charts.matrix("Interruptions", names, values, ".0f")
    return figure("Who interrupts whom (row → column)", svg, reading, MATRIX_KEYS)


def override_values(report: ConversationReport) -> dict[tuple[str, str], float]:
    """Count of proposals each speaker (row) overrode or rejected, by proposer (column)."""
    speaker_of = {u.id: u.speaker for u in report.conversation.utterances}
    counts: Counter[tuple[str, str]] = Counter()
    for proposal in report.sections.get("proposals") or []:
        settled_by = speaker_of.get(proposal.get("settled_by") or "")
        lost = proposal.get("outcome") in ("overridden", "rejected")
        if lost and settled_by and settled_by != proposal.get("by"):
            counts[(settled_by, str(proposal.get("by")))] += 1
    return {pair: float(n) for pair, n in counts.items()}


def override_figure(report: ConversationReport) -> str:
    """Whose proposals were overridden or rejected by whom; nothing when none was."""
    values = override_values(report)
    names = report.conversation.speaker_names()
    if not values or len(names) < 2:
        return ""
    a, b, n = _top_pair(values)
    reading = f"{bdi(a)} overrode or rejected {bdi(b)}'s proposals most often ({n:.0f}×)."
    svg = charts.matrix("Overrides", names, values, ".0f")
    title = "Whose proposals were overridden or rejected by whom (row → column)"
    return figure(title, svg, reading, MATRIX_KEYS)


def coordination_values(report: ConversationReport) -> dict[tuple[str, str], float]:
    """Per-dyad aggregate coordination from the accommodation section, if present."""
    section = report.sections.get("accommodation")
    values: dict[tuple[str, str], float] = {}
    if not isinstance(section, dict):
        return values
    for pair in section.get("dyads", []):
        if not isinstance(pair, dict):
            continue
        score = pair.get("aggregate")
        if isinstance(score, dict):
            score = next((v for v in score.values() if isinstance(v, int | float)), None)
        speaker, target = pair.get("speaker"), pair.get("target")
        if isinstance(score, int | float) and score == score and speaker and target:  # not NaN
            values[(str(speaker), str(target))] = float(score)
    return values


def coordination_figure(report: ConversationReport) -> str:
    """Who echoes whose function-word style; nothing when no pair was scored."""
    values = coordination_values(report)
    names = report.conversation.speaker_names()
    if not values or len(names) < 2:
        return ""
    a, b, score = _top_pair(values)
    reading = (
        f"Strongest: {bdi(a)} → {bdi(b)} ({score:+.2f}). Above 0, the row's replies take up "
        "the column's function-word style (accommodation)."
    )
    keys = [
        (swatch_key("#3b6ea8", 0.2), "weaker"),
        (swatch_key("#3b6ea8", 1.0), "stronger"),
        ("", "row → column; the number is the coordination score"),
    ]
    svg = charts.matrix("Coordination", names, values, ".2f")
    return figure("Who coordinates to whom (row → column)", svg, reading, keys)


def stance_figure(report: ConversationReport) -> str:
    """Over / With / To per speaker (the speakers' counts); nothing when nobody made such a move."""
    names = report.conversation.speaker_names()
    keys = [key for key, *_ in charts.STANCE_KEYS]
    rows = [(n, {k: int(report.speakers.get(n, {}).get(k) or 0) for k in keys}) for n in names]
    if not any(sum(counts.values()) for _, counts in rows):
        return ""
    uid = "p" + hashlib.sha1(report.conversation.id.encode("utf-8")).hexdigest()[:8]
    parts = []
    for key, _, _, short in charts.STANCE_KEYS:
        best = max(rows, key=lambda row: row[1][key])
        if best[1][key]:
            parts.append(f"most “{short}”: {bdi(best[0])} ({best[1][key]})")
        else:
            parts.append(f"no “{short}” moves")
    reading = "; ".join(parts) + "."
    reading = reading[0].upper() + reading[1:]
    legend = [
        (pattern_key(uid, key), f"power {short}")
        for key, _, _, short in charts.STANCE_KEYS
    ]
    svg = charts.stacked("Power over / with / to", rows, uid)
    return figure("Power over / with / to", svg, reading, legend)


def chart_section(report: ConversationReport) -> str:
    """Every chart that has data, under one heading."""
    if not report.conversation.utterances:
        return ""
    parts = [
        talk_figure(report),
        timeline_figure(report),
        interruption_figure(report),
        override_figure(report),
        coordination_figure(report),
        stance_figure(report),
    ]
    return f"<h2>Charts</h2><div class='charts'>{''.join(parts)}</div>"


__all__ = ["STYLE_FAMILIES", "chart_section", "coordination_values", "override_values"]
