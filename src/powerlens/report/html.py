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
from powerlens.report import charts
from powerlens.report.bidi import balance, bdi, prose
from powerlens.report.figures import STYLE_FAMILIES, chart_section
from powerlens.report.summary import summary_section
from powerlens.report.transcript_html import highlighted, transcript_section

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

SPEAKER_COLOURS = "".join(f".s{k}{{--c:{c}}}" for k, c in enumerate(charts.PALETTE))
"""``--c``, the speaker's colour: the top of their summary card, the left edge of their turns."""

TALK_COLUMNS = (
    ("words", "words"),
    ("share", "word_share"),
    ("time", "time_share"),
    ("turns", "turns"),
    ("longest turn", "longest_monologue_words"),
    ("interrupts", "interruptions_made"),
    ("interrupted", "interruptions_received"),
    ("asked", "questions_asked"),
    ("answered", "questions_answered"),
)
"""The talk table's columns: heading and speaker field (shares shown as percentages)."""

TALK_LABELS = (
    "@media (max-width:40rem){"
    + "".join(
        f'table.talk td:nth-child({k}):before{{content:"{label} "}}'
        for k, (label, _) in enumerate(TALK_COLUMNS, start=2)
    )
    + "}"
)
"""On a phone each row of the talk table is a block of values, labelled by these rules."""

STYLE = (
    """
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:860px;margin:0 auto;padding:1rem;overflow-wrap:anywhere}
h1{font-size:1.5rem;line-height:1.25}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem;margin:1rem 0 .3rem}
.meta{color:#555;font-size:.9rem}.chart{max-width:100%;height:auto;display:block;margin:.3rem 0}
.summary .people{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:.8rem}
.person{background:#fff;border:1px solid #e3e3e3;border-top:4px solid var(--c,#888);border-radius:6px;padding:.4rem .8rem .6rem}
.person h3{margin:.2rem 0 .4rem}.role,.kinds{color:#555;font-weight:400;font-size:.9rem}
.person dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:0;font-size:.95rem}
.person dt{color:#555}.person dd{margin:0}.person ul{margin:0;padding-left:1.1rem}
.plan{background:#fff;border-left:4px solid #0072b2;padding:.5rem .8rem;margin:.6rem 0}
.jump-title{margin:.8rem 0 .2rem;font-weight:600}.glance{margin:0;padding-left:1.6rem}
figure.fig{margin:1rem 0;padding:.6rem .8rem;background:#fff;border:1px solid #e3e3e3;border-radius:6px}
figure.fig h3{margin:0 0 .3rem}.reading{margin:.4rem 0 .2rem;font-size:.95rem}
.legend{list-style:none;padding:0;margin:.3rem 0 0;display:flex;flex-wrap:wrap;gap:.2rem 1rem;font-size:.85rem;color:#444}
.legend li{display:flex;align-items:center;gap:.35rem}.key{flex:none}
.finding{background:#fff;border-left:4px solid #3b6ea8;padding:.6rem .8rem;margin:.8rem 0}
.finding .concept{font-weight:600}.basis{color:#666;font-size:.85rem}
.finding blockquote{margin:.3rem 0 .3rem .4rem;padding-left:.6rem;border-left:2px solid #ddd;color:#444;font-size:.95rem}
.prompt{font-style:italic;color:#2a5d8f}
.utt{padding:.35rem .6rem;border-bottom:1px solid #eee;border-left:4px solid var(--c,#ddd);background:#fff}
.utt:target{background:#fff6d5}.who{font-weight:600}.idx{color:#767676;font-size:.8rem}
mark{background:#ffe08a;color:inherit;border-bottom:2px solid #8c6d00}
.tags{list-style:none;margin:.25rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.3rem}
.tag{display:inline-flex;align-items:center;gap:.25rem;font-size:.8rem;background:#f1f3f5;border-radius:3px;padding:0 .4rem 0 .2rem}
.in-finding{font-size:.8rem}
details.why{font-size:.8rem;color:#555}details.why summary{cursor:pointer;color:#666}
.sig{font-size:.8rem;color:#555}
table{border-collapse:collapse;width:100%;font-size:.9rem;display:block;overflow-x:auto}
table.talk{display:table}
td,th{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:right}td:first-child,th:first-child{text-align:left}
.note{color:#555;font-size:.9rem}
@media (max-width:40rem){
table.talk tr:first-child{display:none}
table.talk,table.talk tbody{display:block}
table.talk tr{display:grid;grid-template-columns:repeat(auto-fill,minmax(6.8rem,1fr));gap:0 .6rem;border-bottom:1px solid #ddd;padding:.4rem 0}
table.talk td{border:0;text-align:left;padding:.05rem 0}
table.talk td:first-child{grid-column:1/-1;font-weight:600}
table.talk td::before{color:#666;font-size:.85rem}
}
@media (min-width:48rem){.charts{display:grid;grid-template-columns:1fr 1fr;gap:0 1rem;align-items:start}}
"""
    + SPEAKER_COLOURS
    + TALK_LABELS
    + "\n"
)


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
    from powerlens.report.dyad_html import overview  # imports this module: import late

    body = overview(report.conversations) + "".join(conversation_html(c) for c in report.conversations)
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
