"""The HTML report's transcript: every turn, the signals that matter marked, the rest folded away.

Signals other than language style (refusals, proposals, Over / With / To moves, tactics,
interruptions, helper moves, and any family added later) have their spans highlighted (unless
the span is the whole turn, as for an interruption) and a tag under the turn with the family's
timeline shape; a turn quoted by a finding links back to
it. The rule or model behind each signal, its score and the span it fired on, and the style
signals (politeness, pronouns, function-word echoes) are folded into a ``<details>`` under the
turn: one tap away, no script. Each turn's text is isolated (``bidi``) and escaped.
"""

from __future__ import annotations

from html import escape

from powerlens.model import ConversationReport, Signal
from powerlens.report import charts
from powerlens.report.bidi import balance_part, bdi, prose
from powerlens.report.figures import STYLE_FAMILIES
from powerlens.report.legend import marker_key

SPAN_QUOTE = 60
"""Characters of a signal's span quoted in its folded line."""

FULL_TRANSCRIPT = 1000
"""Conversations up to this many turns show every turn. A longer one (a chat history) shows the
turns a finding quotes and then, in order, those that carry a signal that matters, this many in
all, with the turns left out counted where they were: a page a phone can open. The JSON report
keeps every turn."""


def highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` escaped and balanced (``bidi``), with the merged spans wrapped in ``<mark>``."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        start, end = max(0, start), min(len(text), end)
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    stack: list[str] = []
    out, position = [], 0
    for start, end in merged:
        out.append(escape(balance_part(text[position:start], stack)))
        out.append(f"<mark>{escape(balance_part(text[start:end], stack))}</mark>")
        position = end
    out.append(escape(balance_part(text[position:], stack)))
    out.extend(reversed(stack))
    return "".join(out)


def _words(text: str) -> str:
    return escape(text.replace("_", " "))


def tag(signal: Signal) -> str:
    """The signal in words with its family's shape: "refusal · explicit", "interruption → Jo"."""
    text = _words(signal.label)
    if signal.subtype:
        text += f" · {_words(signal.subtype)}"
    if signal.target and signal.target != signal.speaker:
        text += f" → {bdi(signal.target)}"
    name = escape(charts.marker_for(signal.family).name)
    return f'<li class="tag" title="{name}">{marker_key(signal.family)}{text}</li>'


def signal_line(signal: Signal, text: str) -> str:
    """The signal as evidence: family, label, the span it fired on, rule or model, score."""
    subtype = f" / {escape(signal.subtype)}" if signal.subtype else ""
    span = text[signal.span[0] : signal.span[1]]
    if len(span) > SPAN_QUOTE:
        span = span[: SPAN_QUOTE - 1] + "…"
    quoted = f" “{bdi(span)}”" if span else ""
    return (
        f"{escape(signal.family)}: {escape(signal.label)}{subtype}{quoted} — "
        f"{escape(signal.source)}, score {signal.score:.2f}"
    )


def _fold(key: list[Signal], style: list[Signal], text: str) -> str:
    if not key and not style:
        return ""
    lines = "".join(f"<div class='sig'>{signal_line(s, text)}</div>" for s in key)
    lines += "".join(f"<div class='sig style'>style: {signal_line(s, text)}</div>" for s in style)
    summary = "rules and scores" if key else "style signals (politeness, pronouns)"
    return f"<details class='why'><summary>{summary}</summary>{lines}</details>"


def shown_turns(report: ConversationReport, key_ids: set[str], quoted: set[str]) -> list[int]:
    """Indices of the turns the transcript shows: all of them, or for a conversation longer
    than ``FULL_TRANSCRIPT`` the turns findings quote, then the first that carry key signals."""
    utterances = report.conversation.utterances
    if len(utterances) <= FULL_TRANSCRIPT:
        return list(range(len(utterances)))
    chosen = [i for i, u in enumerate(utterances) if u.id in quoted][:FULL_TRANSCRIPT]
    room = FULL_TRANSCRIPT - len(chosen)
    if room > 0:
        taken = set(chosen)
        keyed = (i for i, u in enumerate(utterances) if u.id in key_ids and i not in taken)
        chosen += [i for _, i in zip(range(room), keyed, strict=False)]
    return sorted(chosen)


def _gap(count: int) -> str:
    turns = "turn" if count == 1 else "turns"
    return f"<p class='note'>… {count:,} {turns} not shown …</p>"


def transcript_section(report: ConversationReport) -> str:
    """Every utterance (or, for a long one, the turns that matter), anchored by index, marked
    where a signal that matters fired."""
    by_utterance: dict[str, list[Signal]] = {}
    for s in report.signals:
        by_utterance.setdefault(s.utterance_id, []).append(s)
    quoted_by: dict[str, list[int]] = {}
    for k, finding in enumerate(report.findings):
        for utterance_id in finding.evidence:
            quoted_by.setdefault(utterance_id, []).append(k)
    key_ids = {s.utterance_id for s in report.signals if s.family not in STYLE_FAMILIES}
    utterances = report.conversation.utterances
    shown = shown_turns(report, key_ids, set(quoted_by))
    lanes = {name: k for k, name in enumerate(report.conversation.speaker_names())}
    parts = ["<h2>Transcript</h2>"]
    if len(shown) < len(utterances):
        left_out = sum(1 for u in utterances if u.id in key_ids) - sum(
            1 for i in shown if utterances[i].id in key_ids
        )
        more = f" ({left_out:,} more with signals are left out)" if left_out else ""
        parts.append(
            f"<p class='note'>{len(utterances):,} turns: too many for one page. Shown are the "
            f"{len(shown):,} that a finding quotes or that carry a signal that matters{more}. "
            "Every turn, with its signals, is in the JSON report (<code>--format json</code>); "
            "for a chat history with dates, <code>powerlens timeline --export evidence.csv"
            "</code> lists every signal.</p>"
        )
    previous = -1
    for i in shown:
        if i > previous + 1:
            parts.append(_gap(i - previous - 1))
        previous = i
        u = utterances[i]
        signals = by_utterance.get(u.id, [])
        key = [s for s in signals if s.family not in STYLE_FAMILIES]
        style = [s for s in signals if s.family in STYLE_FAMILIES]
        whole = (0, len(u.text))
        text = highlighted(u.text, [s.span for s in key if s.span[0] > 0 or s.span[1] < whole[1]])
        tags = "".join(dict.fromkeys(tag(s) for s in key))
        links = "".join(
            f'<li><a class="in-finding" href="#f{k}">↑ {prose(report.findings[k].concept)}</a></li>'
            for k in dict.fromkeys(quoted_by.get(u.id, []))
        )
        listed = f"<ul class='tags'>{tags}{links}</ul>" if tags or links else ""
        colour = f" s{lanes.get(u.speaker, 0) % len(charts.PALETTE)}"
        parts.append(
            f'<div class="utt{colour}{" key" if key else ""}" id="u{i}">'
            f'<span class="idx">{i + 1}</span> <span class="who">{bdi(u.speaker)}</span>: '
            f"<bdi>{text}</bdi>{listed}{_fold(key, style, u.text)}</div>"
        )
    if previous < len(utterances) - 1:
        parts.append(_gap(len(utterances) - 1 - previous))
    return "".join(parts)


__all__ = [
    "FULL_TRANSCRIPT",
    "highlighted",
    "shown_turns",
    "signal_line",
    "tag",
    "transcript_section",
]
