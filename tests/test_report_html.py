"""The HTML report's content (issue 18): summary, charts only with data, legends, transcript.

Browser checks (layout at phone and desktop widths, screenshots, scripts inert) are in
``test_report_screens.py``; these read the page as text.
"""

from __future__ import annotations

import re

import pytest

import powerlens
from helpers import EXAMPLES
from powerlens.measures import Options
from powerlens.model import Conversation, ConversationReport, Finding, Signal, Utterance
from powerlens.report import charts
from powerlens.report.figures import chart_section
from powerlens.report.html import highlighted, transcript_section
from powerlens.report.summary import summary_section

HOSTILE = (
    "<script>document.title='pwned'</script>",
    '<img src=x onerror="document.title=\'pwned\'">',
    "</div></article><script>alert(1)</script>",
    '"><svg onload="document.title=\'pwned\'">',
)


def hostile_report() -> str:
    utterances = tuple(
        Utterance(id=f"u{i}", speaker=name, text=text, start=float(i), end=float(i) + 0.9)
        for i, (name, text) in enumerate(
            [("<b>Eve</b>", HOSTILE[0]), ("Bob", HOSTILE[1]), ("<b>Eve</b>", HOSTILE[2]),
             ("Bob", HOSTILE[3]), ("<b>Eve</b>", "مرحبا كيف حالك 😀 " * 3)]
        )
    )
    conv = Conversation(id="<script>x</script>", utterances=utterances, source="<i>src</i>")
    return powerlens.render(powerlens.analyze([conv]), "html")


def example(name: str, **options: str) -> ConversationReport:
    [report] = powerlens.analyze(powerlens.load(EXAMPLES / name), options=Options(**options)).conversations  # type: ignore[arg-type]
    return report


@pytest.fixture(scope="module")
def couple() -> ConversationReport:
    return example("couple_disagreement.txt")


@pytest.fixture(scope="module")
def therapy() -> ConversationReport:
    return example("therapy_session.txt", helper="Therapist")


def test_report_html_escapes_every_transcript_text() -> None:
    page = hostile_report()
    for raw in HOSTILE:
        assert raw not in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&lt;b&gt;Eve&lt;/b&gt;" in page


def test_report_html_highlight_merges_and_escapes_spans() -> None:
    assert highlighted("a <b> c", [(2, 5), (4, 7)]) == "a <mark>&lt;b&gt; c</mark>"
    assert highlighted("abc", [(5, 9), (1, 1)]) == "abc"


def test_report_html_summary_says_whose_plan_won_and_how_refusals_were_answered(
    couple: ConversationReport,
) -> None:
    summary = summary_section(couple)
    assert "<b>Whose plan won:</b> <bdi>Alex</bdi>'s — see" in summary
    alex, jo = re.findall(r"<section class='person s\d'>.*?</section>", summary)
    assert "<dt>Talk</dt><dd>60% of words · 7 turns</dd>" in alex
    assert "<dt>Over / With / To</dt><dd>2 / 0 / 0 " in alex  # a dismissal, "I'm telling you"
    assert "<dt>Refusals</dt><dd>none</dd>" in alex
    assert "<dt>Proposals</dt><dd>3: accepted 3</dd>" in alex  # the "I'm telling you" demand too
    refusal = couple.sections["boundaries"][0]
    index = [u.id for u in couple.conversation.utterances].index(refusal["refusal"])
    assert (
        f'<li><a href="#u{index}">turn {index + 1}</a>: pressed on by <bdi>Alex</bdi>; '
        "then went along</li>"
    ) in jo
    assert "<dt>Over / With / To</dt><dd>0 / 2 / 0</dd>" in jo
    assert "<dt>Proposals</dt><dd>2: rejected 1, deferred 1</dd>" in jo
    assert summary.count('<a href="#f') == len(couple.findings)  # jump to each finding


def test_report_html_summary_of_a_therapy_session(therapy: ConversationReport) -> None:
    summary = summary_section(therapy)
    # the client's plan ("Maybe I could stop at two or three drinks"), left to them ("It's your
    # call") and taken up
    assert "<b>Whose plan won:</b> <bdi>Client</bdi>'s — see" in summary
    index = therapy.sections["dyad"]["index"]["value"]
    assert f"power-differential index {index:.2f} (0 = client-led" in summary
    assert "<bdi>Therapist</bdi> <span class='role'>(helper)</span>" in summary
    assert ": respected by <bdi>Therapist</bdi></li>" in summary


def hand_report(signals: list[Signal], speakers: dict[str, dict[str, object]]) -> ConversationReport:
    utterances = (
        Utterance("a0", "Ann", "Where were you? Give me your phone."),
        Utterance("b1", "Ben", "No, I won't."),
        Utterance("a2", "Ann", "Then you stay home."),
    )
    return ConversationReport(
        conversation=Conversation("hand", utterances),
        speakers=speakers,  # type: ignore[arg-type]
        signals=signals,
        scores={},
        sections={},
        findings=[Finding("Control", "Ann restricted Ben.", 0.8, ("a0",), "Who decides?")],
        measures=[],
        skipped={},
    )


def test_report_html_renders_new_families_and_subtypes_generically() -> None:
    signals = [
        Signal("a0", "Ann", "act", "power_over", (16, 35), 0.9, "rule:act.monitoring", "Ben", "monitoring"),
        Signal("a2", "Ann", "act", "power_over", (5, 19), 0.8, "rule:act.x", "Ben", "regulating_everyday_life"),
        Signal("b1", "Ben", "brand_new_family", "something_new", (0, 2), 0.5, "model:new"),
    ]
    speakers = {"Ann": {"word_share": 0.8, "turns": 2, "power_over": 2}, "Ben": {"word_share": 0.2, "turns": 1}}
    report = hand_report(signals, speakers)
    summary = summary_section(report)
    assert "2 / 0 / 0 <span class='kinds'>(over: monitoring 1, regulating everyday life 1)</span>" in summary
    charts_html = chart_section(report)
    assert "control act (2)" in charts_html and "brand new family (1)" in charts_html
    assert "Power over / with / to" in charts_html  # Ann's two power-over moves
    transcript = transcript_section(report)
    assert "power over · regulating everyday life → <bdi>Ben</bdi>" in transcript
    assert "something new</li>" in transcript
    assert '<a class="in-finding" href="#f0">↑ Control</a>' in transcript


def figures(html: str) -> list[str]:
    return re.findall(r'<figure class="fig">.*?</figure>', html, re.S)


def test_report_html_every_chart_has_a_legend_and_a_reading(couple: ConversationReport) -> None:
    html = chart_section(couple)
    found = figures(html)
    assert len(found) == 5 == html.count('<svg class="chart"')
    for fig in found:
        assert fig.count('<svg class="chart"') == 1
        reading = re.search(r'<p class="reading">(.+?)</p>', fig)
        assert reading and len(reading.group(1)) > 20
        assert re.search(r'<ul class="legend"><li>.+?</li>', fig)


def test_report_html_draws_charts_only_with_data(
    couple: ConversationReport, therapy: ConversationReport
) -> None:
    assert "Who interrupts whom" in chart_section(couple)
    assert "Alex cut in on <bdi>Jo</bdi>" not in chart_section(couple)  # names are isolated
    assert "<bdi>Alex</bdi> cut in on <bdi>Jo</bdi> most often (1×); 1 interruption in all." in (
        chart_section(couple)
    )
    html = chart_section(therapy)  # no interruptions, no proposals
    assert "Who interrupts whom" not in html and "overridden" not in html
    assert [h for h in re.findall(r"<h3>(.*?)</h3>", html)] == [
        "Share of words", "Timeline", "Power over / with / to"
    ]
    empty = hand_report([], {"Ann": {"word_share": 0.8}, "Ben": {"word_share": 0.2}})
    assert [h for h in re.findall(r"<h3>(.*?)</h3>", chart_section(empty))] == [
        "Share of words", "Timeline"
    ]


def test_report_html_timeline_dots_sit_on_their_speakers_row() -> None:
    svg = charts.timeline(
        ["Ann", "Ben"], [(0, "Ann"), (1, "Ben"), (2, "Ann")],
        [(1, "Ben", "boundary", "refusal"), (0, "Ann", "proposal", "p"), (0, "Ann", "talk", "i")],
    )
    ticks = {float(x): float(y) for x, y in re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="3"', svg)}
    ann_tick, ben_tick, _ = (ticks[x] for x in sorted(ticks))
    square = re.search(r'<g><rect x="[\d.]+" y="([\d.]+)" width="([\d.]+)"', svg)
    assert square
    centre = float(square.group(1)) + float(square.group(2)) / 2
    assert ann_tick < centre < ben_tick  # above Ben's tick, below Ann's row
    circle = re.search(r'<g><circle cx="[\d.]+" cy="([\d.]+)"', svg)
    cross = re.search(r'<g><path d="M[\d.]+,([\d.]+)', svg)  # its top-left arm: centre - 3.6
    assert circle and cross
    assert float(circle.group(1)) < ann_tick  # on Ann's row, above her tick
    assert float(cross.group(1)) + 3.6 < float(circle.group(1))  # stacked above the circle


def test_report_html_transcript_marks_what_matters_and_folds_the_rest(
    couple: ConversationReport,
) -> None:
    transcript = transcript_section(couple)
    unfolded = re.sub(r"<details class='why'>.*?</details>", "", transcript, flags=re.S)
    assert "rule:" not in unfolded and "model:" not in unfolded and "score" not in unfolded
    assert "politeness" not in unfolded and "pronoun" not in unfolded
    assert "rule:politeness" in transcript and "model:politeness-lr, score" in transcript
    turns = re.findall(r'<div class="utt([^"]*)" id="u(\d+)">(.*?)</div>(?=<div class="utt|$)', unfolded, re.S)
    key = {int(i) for classes, i, body in turns if " key" in classes and "class='tags'" in body}
    signalled = {
        [u.id for u in couple.conversation.utterances].index(s.utterance_id)
        for s in couple.signals
        if s.family not in ("deference", "pronoun_status")
    }
    assert key == signalled and len(key) < len(turns)
    refusal = couple.sections["boundaries"][0]["refusal"]
    index = [u.id for u in couple.conversation.utterances].index(refusal)
    body = {i: body for _, i, body in turns}[str(index)]
    assert "<mark>I&#x27;d rather not</mark>" in body
    assert "refusal · explicit → <bdi>Alex</bdi></li>" in body
    interruption = next(s for s in couple.signals if s.label == "interruption")
    whole = [u.id for u in couple.conversation.utterances].index(interruption.utterance_id)
    assert "interruption → <bdi>Jo</bdi>" in {i: b for _, i, b in turns}[str(whole)]


def test_report_html_summary_folds_many_refusals_and_groups_findings() -> None:
    report = hand_report([], {"Ann": {"word_share": 0.5}, "Ben": {"word_share": 0.5, "refusals": 4}})
    answers = ["respected", "pressured", "pressured", "punished"]
    boundaries = [
        {"refusal": "b1", "by": "Ben", "response": r, "response_utterances": ["a0", "a2"],
         "capitulated": r == "punished"}
        for r in answers
    ]
    findings = [Finding("Boundary Check", f"s{k}", 0.5, ("b1",), "?") for k in range(3)]
    report = ConversationReport(
        report.conversation, report.speakers, [], {}, {"boundaries": boundaries}, findings, [], {}
    )
    summary = summary_section(report)
    assert (
        "<details><summary>4: pressed on 2, respected 1, punished 1; went along 1×</summary><ul>"
        in summary
    )
    assert summary.count('<li><a href="#u1">turn 2</a>: ') == 4
    assert '<li><a href="#f0">Boundary Check</a> (3×)</li>' in summary
    assert "#f1" not in summary


def _long_chat(turns: int) -> Conversation:
    lines = [
        ("Sam", "shall we get pizza tonight?"),
        ("Alex", "ok sounds good"),
        ("Sam", "did you see the game"),
        ("Alex", "no I was at work, you never listen to me"),
    ]
    return Conversation(
        "long",
        tuple(Utterance(str(i), *lines[i % len(lines)]) for i in range(turns)),
    )


def test_long_conversation_report_stays_light_and_counts_what_it_leaves_out() -> None:
    """A chat history of thousands of turns: the transcript shows at most FULL_TRANSCRIPT turns
    (those findings quote first), says how many it left out where, and the timeline chart draws
    runs of turns, so the page stays a size a phone can open."""
    from powerlens.report.transcript_html import FULL_TRANSCRIPT

    report = powerlens.analyze([_long_chat(6000)]).conversations[0]
    page = powerlens.render(powerlens.Report(conversations=[report]), "html")
    transcript = transcript_section(report)
    shown = re.findall(r'<div class="utt[^"]*" id="u(\d+)"', transcript)
    gaps = [int(n.replace(",", "")) for n in re.findall(r"… ([\d,]+) turns? not shown …", transcript)]
    assert len(shown) == FULL_TRANSCRIPT
    assert len(shown) + sum(gaps) == 6000
    assert "6,000 turns: too many for one page" in transcript
    quoted = {u for f in report.findings for u in f.evidence}
    index_of = {u.id: i for i, u in enumerate(report.conversation.utterances)}
    assert {str(index_of[u]) for u in quoted} <= set(shown)
    timeline = re.search(r'<svg[^>]*aria-label="Timeline of the conversation".*?</svg>', page)
    assert timeline is not None
    assert timeline.group(0).count("<rect") <= 2 * charts.SLOTS_WHEN_LONG
    assert len(page) < 2_500_000


def test_short_conversation_transcript_shows_every_turn() -> None:
    report = powerlens.analyze([_long_chat(40)]).conversations[0]
    shown = re.findall(r'<div class="utt[^"]*" id="u(\d+)"', transcript_section(report))
    assert shown == [str(i) for i in range(40)]
    assert "not shown" not in transcript_section(report)
