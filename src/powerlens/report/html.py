"""The HTML report: one self-contained page (no script, no CDN), readable on a phone.

Charts are inline SVG (``charts.py``). Every piece of transcript text — speaker names,
utterances, quotes, sources — passes through ``html.escape``; the page carries a
Content-Security-Policy that forbids scripts and any network access, so a transcript full of
``<script>`` tags renders as text and runs nothing.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from powerlens.findings import framework_note
from powerlens.model import ConversationReport, Report, Signal
from powerlens.report import charts

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

STYLE_FAMILIES = frozenset({"deference", "pronoun_status"})
"""Per-turn language-style signals: grouped on one line in the transcript, left off the timeline."""

STYLE = """
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:860px;margin:0 auto;padding:1rem}
h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#555;font-size:.9rem}.chart{max-width:100%;height:auto;display:block;margin:.5rem 0}
.finding{background:#fff;border-left:4px solid #3b6ea8;padding:.6rem .8rem;margin:.8rem 0}
.finding .concept{font-weight:600}.finding .basis{color:#666;font-size:.85rem}
.finding blockquote{margin:.3rem 0 .3rem 1rem;color:#444;font-size:.95rem}
.prompt{font-style:italic;color:#2a5d8f}
.utt{padding:.3rem .5rem;border-bottom:1px solid #eee;background:#fff;overflow-wrap:anywhere}
.utt:target{background:#fff6d5}.who{font-weight:600}.idx{color:#999;font-size:.8rem}
.sig{font-size:.8rem;color:#555}mark{background:#ffe08a}
table{border-collapse:collapse;width:100%;font-size:.9rem;display:block;overflow-x:auto}
td,th{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:right}td:first-child,th:first-child{text-align:left}
.note{color:#555;font-size:.9rem}
"""


def _percent(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, float) else "–"


def highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` escaped, with the (merged) signal spans wrapped in ``<mark>``."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        start, end = max(0, start), min(len(text), end)
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, position = [], 0
    for start, end in merged:
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def speaker_table(report: ConversationReport) -> str:
    """The per-speaker talk table."""
    rows = []
    for name, s in sorted(report.speakers.items(), key=lambda item: -int(item[1].get("words", 0))):
        rows.append(
            f"<tr><td>{escape(name)}</td><td>{s.get('words', 0)}</td>"
            f"<td>{_percent(s.get('word_share'))}</td><td>{_percent(s.get('time_share'))}</td>"
            f"<td>{s.get('turns', 0)}</td><td>{s.get('longest_monologue_words', 0)}</td>"
            f"<td>{s.get('interruptions_made', 0)}</td><td>{s.get('interruptions_received', 0)}</td>"
            f"<td>{s.get('questions_asked', 0)}</td><td>{s.get('questions_answered', 0)}</td></tr>"
        )
    head = (
        "<tr><th>speaker</th><th>words</th><th>share</th><th>time</th><th>turns</th>"
        "<th>longest turn</th><th>interrupts</th><th>interrupted</th><th>asked</th>"
        "<th>answered</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def chart_section(report: ConversationReport) -> str:
    """Talk share, timeline, dyad matrix and the Over / With / To balance."""
    conversation = report.conversation
    names = conversation.speaker_names()
    parts = ["<h2>Charts</h2>"]
    shares = [(n, float(report.speakers.get(n, {}).get("word_share", 0.0))) for n in names]
    parts.append(charts.share_bars("Share of words", shares))
    index_of = {u.id: i for i, u in enumerate(conversation.utterances)}
    marks = [
        (index_of[s.utterance_id], s.family, f"{s.family}: {s.label} ({s.source})")
        for s in report.signals
        if s.utterance_id in index_of and s.family not in STYLE_FAMILIES
    ]
    turns = [(i, u.speaker) for i, u in enumerate(conversation.utterances)]
    parts.append("<h3>Timeline (dots: signals other than politeness and pronoun style)</h3>")
    parts.append(charts.timeline(names, turns, marks))
    interruptions = Counter(
        (s.speaker, s.target) for s in report.signals if s.label == "interruption" and s.target
    )
    if len(names) >= 2:
        values = {pair: float(n) for pair, n in interruptions.items()}
        parts.append("<h3>Who interrupts whom (row → column)</h3>")
        parts.append(charts.matrix("Interruptions", names, values, ".0f"))
        overrides = _override_values(report)
        if overrides:
            parts.append("<h3>Whose proposals were overridden or rejected by whom (row → column)</h3>")
            parts.append(charts.matrix("Overrides", names, overrides, ".0f"))
        coordination = _coordination_values(report)
        if coordination:
            parts.append("<h3>Who coordinates to whom (row → column)</h3>")
            parts.append(charts.matrix("Coordination", names, coordination, ".2f"))
    stance = [s for s in report.signals if s.family == "stance"]
    if stance:
        counted: dict[str, Counter[str]] = {n: Counter() for n in names}
        for s in stance:  # one pass, not one per speaker
            counted.setdefault(s.speaker, Counter())[s.label] += 1
        rows = [(n, dict(counted[n])) for n in names]
        parts.append("<h3>Power over / with / to</h3>")
        parts.append(charts.stacked("Stance", rows, ["power_over", "power_with", "power_to"]))
    return "".join(parts)


def _override_values(report: ConversationReport) -> dict[tuple[str, str], float]:
    """Count of proposals each speaker (row) overrode or rejected, by proposer (column)."""
    speaker_of = {u.id: u.speaker for u in report.conversation.utterances}
    counts: Counter[tuple[str, str]] = Counter()
    for proposal in report.sections.get("proposals") or []:
        settled_by = speaker_of.get(proposal.get("settled_by") or "")
        lost = proposal.get("outcome") in ("overridden", "rejected")
        if lost and settled_by and settled_by != proposal.get("by"):
            counts[(settled_by, str(proposal.get("by")))] += 1
    return {pair: float(n) for pair, n in counts.items()}


def _coordination_values(report: ConversationReport) -> dict[tuple[str, str], float]:
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
        if isinstance(score, int | float) and pair.get("speaker") and pair.get("target"):
            values[(str(pair["speaker"]), str(pair["target"]))] = float(score)
    return values


def _note(concept_title: str) -> str:
    """A pointer to the framework note behind a finding (a page in the practitioner's vault)."""
    note = framework_note(concept_title)
    return f"<div class='basis'>Framework note: {escape(note.replace('_', ' '))}</div>" if note else ""


def findings_section(report: ConversationReport) -> str:
    """Findings with strength, basis, quoted evidence linked to the transcript, and a prompt."""
    if not report.findings:
        return (
            "<h2>Signals to explore</h2><p class='note'>No strong signals in this conversation.</p>"
        )
    index_of = {u.id: i for i, u in enumerate(report.conversation.utterances)}
    by_id = {u.id: u for u in report.conversation.utterances}
    parts = ["<h2>Signals to explore</h2>"]
    for k, finding in enumerate(report.findings):
        quotes = []
        for utterance_id in finding.evidence[:4]:
            u = by_id.get(utterance_id)
            if u is None:
                continue
            quotes.append(
                f'<blockquote><a href="#u{index_of[utterance_id]}">{escape(u.speaker)}</a>: '
                f"{escape(u.text)}</blockquote>"
            )
        parts.append(
            f'<section class="finding" id="f{k}"><div class="concept">{escape(finding.concept)}</div>'
            f"<p>{escape(finding.statement)}</p>"
            f'<div class="basis">strength {finding.strength:.2f} — {escape(finding.strength_basis)}</div>'
            f"{''.join(quotes)}<p class='prompt'>{escape(finding.prompt)}</p>"
            f"{_note(finding.concept)}</section>"
        )
    return "".join(parts)


def _signal_text(signal: Signal) -> str:
    subtype = f" / {escape(signal.subtype)}" if signal.subtype else ""
    return (
        f"{escape(signal.family)}: {escape(signal.label)}{subtype} — "
        f"{escape(signal.source)}, score {signal.score:.2f}"
    )


def _signal_line(signal: Signal) -> str:
    return f"<div class='sig'>{_signal_text(signal)}</div>"


def transcript_section(report: ConversationReport) -> str:
    """Every utterance, anchored by index, with its signals' spans highlighted and listed."""
    by_utterance: dict[str, list[Signal]] = {}
    for s in report.signals:
        by_utterance.setdefault(s.utterance_id, []).append(s)
    parts = ["<h2>Transcript</h2>"]
    for i, u in enumerate(report.conversation.utterances):
        signals = by_utterance.get(u.id, [])
        text = highlighted(u.text, [s.span for s in signals])
        listed = "".join(_signal_line(s) for s in signals if s.family not in STYLE_FAMILIES)
        style = [s for s in signals if s.family in STYLE_FAMILIES]
        if style:
            listed += (
                "<div class='sig style'>style: "
                + " · ".join(_signal_text(s) for s in style)
                + "</div>"
            )
        parts.append(
            f'<div class="utt" id="u{i}"><span class="idx">{i}</span> '
            f'<span class="who">{escape(u.speaker)}</span>: {text}{listed}</div>'
        )
    return "".join(parts)


def conversation_html(report: ConversationReport) -> str:
    """The whole section for one conversation."""
    c = report.conversation
    context = f" · context: {escape(', '.join(c.context))}" if c.context else ""
    rejected = "".join(f"<li>line {r.line}: {escape(r.reason)}</li>" for r in c.rejected[:50])
    return (
        f"<article><h1>{escape(c.id)}</h1>"
        f"<p class='meta'>{escape(c.source)}{context} · read {c.read_count}, analysed "
        f"{len(c.utterances)}, rejected {len(c.rejected)}</p>"
        f"{'<ul class=note>' + rejected + '</ul>' if rejected else ''}"
        f"<h2>Who did the most talking?</h2>{speaker_table(report)}"
        f"{chart_section(report)}{findings_section(report)}{transcript_section(report)}</article>"
    )


def render(report: Report) -> str:
    """The report as one self-contained HTML page."""
    from powerlens.report.dyad_html import overview  # imports this module: import late

    body = overview(report.conversations) + "".join(conversation_html(c) for c in report.conversations)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<meta name='referrer' content='no-referrer'>"
        f"<title>powerlens report</title><style>{STYLE}</style></head><body><main>"
        "<p class='note'>These are signals to explore, not diagnoses of anyone. Each one "
        "names the turns behind it so you can check it against what you know.</p>"
        f"{body}</main></body></html>\n"
    )
