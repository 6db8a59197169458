"""The HTML report: one self-contained page (no script, no CDN), laid out for a phone.

The page opens with a summary (``summary.py``: per person their share of the talk, Over / With /
To, refusals and how they were answered, proposals; whose plan won), then the talk table, the
charts that have data, each with a legend and a one-line reading (``figures.py``), the findings
with their evidence, and the transcript with the signals that matter marked and the rules and
style signals folded away (``transcript_html.py``). Charts are inline SVG (``charts.py``).

Every piece of transcript text — speaker names, utterances, quotes, sources — is escaped and
isolated against bidirectional overrides (``bidi.py``); the page carries a
Content-Security-Policy that forbids scripts and any network access, so a transcript full of
``<script>`` tags renders as text and runs nothing. Colours are told apart by readers with
colour blindness (Okabe & Ito) and always come with a second cue: a name, a shape, a pattern.
"""

from __future__ import annotations

from html import escape

from powerlens.findings import framework_note
from powerlens.model import ConversationReport, Report
from powerlens.report.bidi import balance, bdi, prose
from powerlens.report.dyad_html import overview
from powerlens.report.figures import STYLE_FAMILIES, chart_section
from powerlens.report.style import CSP, STYLE, TALK_COLUMNS
from powerlens.report.summary import summary_section
from powerlens.report.transcript_html import highlighted, transcript_section


def _percent(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, float) else "–"


def speaker_table(report: ConversationReport) -> str:
    """The per-speaker talk table (on a phone each row becomes a block of labelled values)."""
    rows = []
    for name, s in sorted(report.speakers.items(), key=lambda item: -int(item[1].get("words", 0))):
        cells = "".join(
            f"<td>{_percent(s.get(key)) if key.endswith('_share') else s.get(key, 0)}</td>"
            for _, key in TALK_COLUMNS
        )
        rows.append(f"<tr><td>{escape(balance(name))}</td>{cells}</tr>")  # a cell isolates
    head = "<tr><th>speaker</th>" + "".join(f"<th>{label}</th>" for label, _ in TALK_COLUMNS)
    return f"<table class='talk'>{head}</tr>{''.join(rows)}</table>"


def _note(concept_title: str) -> str:
    """A pointer to the framework note behind a finding (a page in the practitioner's vault)."""
    note = framework_note(concept_title)
    return (
        f"<div class='basis'>Framework note: {escape(note.replace('_', ' '))}</div>" if note else ""
    )


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
                f'<blockquote><a href="#u{index_of[utterance_id]}">{bdi(u.speaker)}</a>: '
                f"{bdi(u.text)}</blockquote>"
            )
        basis = prose(finding.strength_basis)
        strength = f"strength {finding.strength:.2f}"
        parts.append(
            f'<section class="finding" id="f{k}"><div class="concept">{prose(finding.concept)}</div>'
            f"<p>{prose(finding.statement)}</p>"
            + (
                f"<details class='basis'><summary>{strength}</summary>{basis}</details>"
                if basis
                else f"<div class='basis'>{strength}</div>"
            )
            + f"{''.join(quotes)}<p class='prompt'>{prose(finding.prompt)}</p>"
            f"{_note(finding.concept)}</section>"
        )
    return "".join(parts)


def conversation_html(report: ConversationReport) -> str:
    """The whole section for one conversation."""
    c = report.conversation
    context = f" · context: {bdi(', '.join(c.context))}" if c.context else ""
    rejected = "".join(f"<li>line {r.line}: {prose(r.reason)}</li>" for r in c.rejected[:50])
    folded = (
        f"<details class='note'><summary>Lines that could not be read ({len(c.rejected)})"
        f"</summary><ul>{rejected}</ul></details>"
        if rejected
        else ""
    )
    return (
        f"<article><h1>{bdi(c.id)}</h1>"
        f"<p class='meta'>{bdi(c.source)}{context} · read {c.read_count}, analysed "
        f"{len(c.utterances)}, rejected {len(c.rejected)}</p>{folded}"
        f"{summary_section(report)}"
        f"<h2>Who did the most talking?</h2>{speaker_table(report)}"
        f"{chart_section(report)}{timeline_section(report)}{findings_section(report)}"
        f"{transcript_section(report)}</article>"
    )


def timeline_section(report: ConversationReport) -> str:
    """"Over time" (``powerlens.timeline``) for a conversation spanning more than a few days."""
    from powerlens.timeline import for_report  # the timeline draws with this module: import late
    from powerlens.timeline.render_html import section

    found = for_report(report)
    return "" if found is None else section(found)


def render(report: Report) -> str:
    """The report as one self-contained HTML page."""

    body = overview(report.conversations) + "".join(
        conversation_html(c) for c in report.conversations
    )
    return page(body)


def page(body: str, title: str = "powerlens report") -> str:
    """``body`` in the report's self-contained page (its style and Content-Security-Policy)."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<meta name='referrer' content='no-referrer'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>"
        "<p class='note'>These are signals to explore, not diagnoses of anyone. Each one "
        "names the turns behind it so you can check it against what you know.</p>"
        f"{body}</main></body></html>\n"
    )


__all__ = [
    "CSP",
    "STYLE",
    "STYLE_FAMILIES",
    "chart_section",
    "conversation_html",
    "findings_section",
    "highlighted",
    "page",
    "render",
    "speaker_table",
    "summary_section",
    "timeline_section",
    "transcript_section",
]
