"""Pronoun status (Kacewicz et al. 2014) on hand-computed values."""

from __future__ import annotations

import pytest

from helpers import conversation
from powerlens.analysis import analyze_conversation
from powerlens.language import tokenize_conversation
from powerlens.measures import REGISTRY, Options
from powerlens.measures.pronoun_status import PRONOUN_STATUS, addressees, pronoun_counts

TURNS = (
    ("A", "I think I should go."),  # 5 words: i=2
    ("B", "We can talk, you know."),  # 5 words: we=1, you=1
    ("B", "And you too."),  # 3 words: you=1
    ("A", "Fine."),  # 1 word
)


def test_pronoun_status_rates_per_speaker() -> None:
    assert REGISTRY["pronoun_status"] is PRONOUN_STATUS
    report = analyze_conversation(conversation(*TURNS), [PRONOUN_STATUS], Options())
    a, b = report.speakers["A"], report.speakers["B"]
    assert a["pronoun_i_rate"] == pytest.approx(2 / 6)
    assert a["pronoun_status_index"] == pytest.approx(-2 / 6)
    assert (b["pronoun_we_rate"], b["pronoun_you_rate"]) == pytest.approx((1 / 8, 2 / 8))
    assert b["pronoun_status_index"] == pytest.approx(3 / 8)


def test_pronoun_status_dyads_and_addressees() -> None:
    conv = conversation(*TURNS)
    assert addressees(conv) == [None, "A", "A", "B"]
    report = analyze_conversation(conv, [PRONOUN_STATUS], Options())
    dyads = {(d["speaker"], d["target"]): d for d in report.sections["pronoun_status"]["dyads"]}
    assert set(dyads) == {("B", "A"), ("A", "B")}
    assert dyads[("B", "A")]["words"] == 8
    assert dyads[("B", "A")]["you_rate"] == pytest.approx(2 / 8)
    assert dyads[("A", "B")]["status_index"] == 0.0


def test_pronoun_status_signals_have_spans() -> None:
    conv = conversation(*TURNS)
    partial = PRONOUN_STATUS.map(conv, tokenize_conversation(conv), Options())
    signals = PRONOUN_STATUS.finalize(partial).signals
    assert [(s.utterance_id, s.label, s.span) for s in signals] == [
        ("u0", "i_focus", (0, 1)),
        ("u1", "we_you_focus", (0, 2)),
    ]
    assert all(s.score == 1.0 and s.source.startswith("rule:pronoun_status.") for s in signals)
    # Subtypes describe the wording (2 I-words vs none; 1 we + 1 you vs no I), not the person.
    assert [s.subtype for s in signals] == ["more_i_than_we_you", "more_we_you_than_i"]


def test_pronoun_status_counts_contractions_and_combines() -> None:
    assert pronoun_counts(["i'm", "we're", "y'all", "us", "the"]) == {"i": 1, "we": 2, "you": 1}
    conv = conversation(*TURNS)
    tokens = tokenize_conversation(conv)
    half = PRONOUN_STATUS.map(conv, tokens, Options())
    merged = PRONOUN_STATUS.finalize(PRONOUN_STATUS.combine(half, half))
    assert merged.speakers["A"]["pronoun_i_rate"] == pytest.approx(2 / 6)
