"""Tests of the tactic family: rules per label, hard negatives, the model, calibration, benign set."""

from __future__ import annotations

from pathlib import Path

import pytest

from powerlens.analysis import analyze
from powerlens.language import tokenize_conversation
from powerlens.language.rules import load_rules
from powerlens.measures import REGISTRY
from powerlens.measures.base import Options
from powerlens.measures.tactics import (
    LABELS,
    RULES_FILE,
    TACTICS,
    load_model,
    rule_hits,
    sigmoid,
)
from powerlens.model import Conversation, Utterance
from powerlens.readers.plain import read

EVERYDAY = Path(__file__).parent / "data" / "everyday"


def conv(*turns: tuple[str, str]) -> Conversation:
    utterances = tuple(Utterance(id=f"u{i}", speaker=s, text=t) for i, (s, t) in enumerate(turns))
    return Conversation(id="c", utterances=utterances)


def labels_of(text: str) -> set[str]:
    return {rule.label for rule, _ in rule_hits(text, load_rules(RULES_FILE)) if rule.score >= 0.5}


def run(c: Conversation, **extra: object):  # type: ignore[no-untyped-def]
    return TACTICS.finalize(TACTICS.map(c, tokenize_conversation(c), Options(extra=dict(extra))))


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I never said that. You're remembering it wrong.", "denial"),
        ("That never happened, it's all in your head.", "denial"),
        ("You're overreacting, it was just a joke, relax.", "shaming_belittlement"),
        ("You're so pathetic.", "shaming_belittlement"),
        ("Nobody else would ever put up with you.", "shaming_belittlement"),
        ("If you ever tell her, I'll make you regret it.", "intimidation"),
        ("Do it now or else.", "intimidation"),
        ("This is all your fault.", "accusation"),
        ("Look what you made me do.", "accusation"),
        ("After everything I've done for you, this is how you treat me?", "playing_victim"),
        ("It's for your own good.", "rationalization"),
        ("You left me no choice.", "rationalization"),
        ("If you really loved me, you'd stay home.", "persuasion_seduction"),
        ("No one has to know.", "persuasion_seduction"),
    ],
)
def test_tactics_rule_labels(text: str, label: str) -> None:
    assert label in labels_of(text)


def test_tactics_weak_forms_feed_the_model_only() -> None:
    hits = rule_hits("I do everything for you. Shut up.", load_rules(RULES_FILE))
    assert {(rule.label, rule.score) for rule, _ in hits} == {
        ("playing_servant", 0.45),
        ("brandishing_anger", 0.45),
    }
    assert labels_of("I do everything for you. Shut up.") == set()


def test_tactics_rule_spans_point_into_text() -> None:
    text = "Honestly, I never said that."
    [(rule, (start, end))] = rule_hits(text, load_rules(RULES_FILE))
    assert rule.name == "denial.never_said"
    assert text[start:end] == "I never said that"


@pytest.mark.parametrize(
    "text",
    [
        'She told me "I never said that" and laughed.',  # quoting someone else's denial
        "He keeps saying you're imagining things.",  # reported
        "My therapist said he was gaslighting me.",  # the topic, not the act
        "I would never say you're overreacting.",  # negated
        "If I said you're overreacting, would you be upset?",  # hypothetical
        "You'll be sorry you missed this cake lol",  # marked joke
        "You're crazy, that film was great!",  # banter, no rule
        "Trust me, the train is faster.",  # weak cue, corroboration only
    ],
)
def test_tactics_hard_negatives_give_no_rule_signal(text: str) -> None:
    assert labels_of(text) == set()


def test_tactics_topic_talk_gives_no_signal_at_all() -> None:
    c = conv(
        ("Ana", "My therapist said he was gaslighting me."),
        ("Bea", "That sounds really hard. I'm glad you told her."),
    )
    assert run(c).signals == []


def test_tactics_signals_carry_target_attribution_and_sequence() -> None:
    c = conv(
        ("Alex", "Where were you last night? You said you'd call."),
        ("Sam", "I never said that. You're remembering it wrong."),
        ("Alex", "I'm sure you did."),
        ("Sam", "You're overreacting. It's all in your head."),
    )
    result = run(c, tactics_model=False)
    rule_signals = [s for s in result.signals if s.source.startswith("rule:")]
    assert {s.speaker for s in rule_signals} == {"Sam"}
    assert {s.target for s in rule_signals} == {"Alex"}
    assert {s.label for s in rule_signals} == {"denial", "shaming_belittlement"}
    section = result.sections["tactics"]
    assert section["attribution"] == {"from": "Sam", "to": "Alex"}
    assert [t["utterance_id"] for t in section["sequence"]] == ["u1", "u3"]
    assert section["repeated"][0]["speaker"] == "Sam"
    assert result.speakers["Sam"]["tactic_signals"] == 4
    assert result.speakers["Alex"]["tactic_targeted"] == 4


def test_tactics_repetition_weighs_more_than_one_remark() -> None:
    one = conv(("A", "Want to get lunch?"), ("B", "You're overreacting."), ("A", "Okay, sure."))
    many = conv(
        ("A", "Want to get lunch?"),
        ("B", "You're overreacting."),
        ("A", "Okay."),
        ("B", "You're remembering it wrong."),
        ("A", "Fine."),
        ("B", "That never happened, it's all in your head."),
    )
    assert run(many).scores["manipulation"] > run(one).scores["manipulation"]


def test_tactics_registered_and_analyze_emits_family() -> None:
    assert REGISTRY["tactic"] is TACTICS
    c = conv(("A", "hi"), ("B", "I never said that."))
    report = analyze([c], measures=["tactic"]).conversations[0]
    assert [s.family for s in report.signals] == ["tactic"]
    assert 0.0 <= report.scores["manipulation"] <= 1.0


def test_tactics_model_is_deterministic_and_small() -> None:
    model = load_model()
    assert model is not None
    assert set(LABELS) <= set(model.heads)
    c = conv(("A", "You know I only did it because I love you."), ("B", "Please stop."))
    first, second = run(c), run(c)
    assert first.scores == second.scores
    assert first.signals == second.signals
    from powerlens.measures.tactics import model_path

    assert model_path().stat().st_size < 20_000_000  # type: ignore[attr-defined]


def test_tactics_calibration_sanity() -> None:
    model = load_model()
    assert model is not None
    stack = model.meta["stacker"]
    weights = stack["weights"]
    # More evidence never lowers the probability: dialogue logit, strongest turn, flagged turns.
    assert weights[0] > 0 and weights[1] > 0 and weights[2] >= 0
    assert sigmoid(0.0) == 0.5
    assert abs(sigmoid(40.0) - 1.0) < 1e-9 and sigmoid(-800.0) == 0.0
    report = model.meta["training_report"]
    assert 0.6 < report["oof_stacked_accuracy"] < 1.0


def test_tactics_everyday_set_stays_quiet() -> None:
    files = sorted(EVERYDAY.glob("*.txt"))
    assert len(files) >= 15
    noisy = [f.name for f in files for c in read(f) if run(c).signals]
    assert noisy == []


def test_tactics_rules_only_mode() -> None:
    c = conv(("A", "hi"), ("B", "Do it or else."))
    result = run(c, tactics_model=False)
    assert [s.source for s in result.signals] == ["rule:intimidation.or_else"]
    assert result.scores["manipulation"] == pytest.approx(0.8 * 0.9)
    assert result.sections["tactics"]["source"] == "rules"
