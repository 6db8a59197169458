"""The report pages' shared style and content-security policy (HTML report, dyad trend page,
profile page): one place, so every page looks alike and none can run a script."""

from __future__ import annotations

from powerlens.report import charts

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
