"""Tests of the tactic family: rules per label, hard negatives, the model, calibration, benign set."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from powerlens.analysis import analyze
from powerlens.errors import UsageError
from powerlens.language import tokenize_conversation
from powerlens.language.rules import discount, find, load_rules
from powerlens.measures import REGISTRY
from powerlens.measures.base import Options
from powerlens.measures.tactics import TACTICS
from powerlens.measures.tactics.model import (
    HASH_BITS,
    MODELS,
    TacticModel,
    bucket,
    load_model,
    logit,
    sigmoid,
    turn_buckets,
)
from powerlens.measures.tactics.rules import LABELS, RULES_FILE, rule_hits
from powerlens.measures.tactics.score import Scored, manipulation_probability, windows
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
    from powerlens.measures.tactics.model import model_path

    assert model_path().stat().st_size < 20_000_000  # type: ignore[attr-defined]


def test_tactics_calibration_sanity() -> None:
    model = load_model()
    assert model is not None
    stack = model.meta["stacker"]
    # More evidence never lowers the probability: every stacker weight is non-negative.
    # At least one of the two excerpt logits (sublinear, raw tf) carries weight.
    assert max(stack["weights"][:2]) > 0 and min(stack["weights"]) >= 0
    assert len(stack["weights"]) == len(stack["inputs"])
    assert sigmoid(0.0) == 0.5
    assert abs(sigmoid(40.0) - 1.0) < 1e-9 and sigmoid(-800.0) == 0.0
    assert logit(0.5) == 0.0 and logit(0.8) == pytest.approx(math.log(4.0))
    report = model.meta["training_report"]
    assert 0.6 < report["oof_mentalmanip_final"]["accuracy"] < 1.0
    assert 0.6 < report["oof_mentalmanip_final"]["auc"] < 1.0
    calibration = model.meta["calibration"]
    # The stated base rate was chosen by cross-validation from the script's grid.
    assert 0.5 <= calibration["base_rate"] <= 0.7
    assert 0.6 < calibration["training_rate"] < 0.75


def _single_window(model: TacticModel) -> Scored:
    k = len(LABELS)
    return Scored([0.0], [[0.0] * k], [[]], [(0, 1)], [[0.0, 0.0]], [[0.0] * k])


def test_tactics_prior_shift_moves_log_odds_exactly() -> None:
    model = load_model()
    assert model is not None
    scored = _single_window(model)
    rate = model.meta["calibration"]["training_rate"]
    shifted, raw, _ = manipulation_probability(scored, ["A"], [False], model, 0.5)
    # All inputs zero: the raw score is sigmoid(bias); at 0.5 the log-odds drop by logit(rate).
    assert raw == pytest.approx(sigmoid(model.meta["stacker"]["bias"]))
    assert logit(shifted) == pytest.approx(logit(raw) - logit(rate))
    same, _, _ = manipulation_probability(scored, ["A"], [False], model, rate)
    assert same == pytest.approx(raw)


def test_tactics_base_rate_option() -> None:
    model = load_model()
    assert model is not None
    stated = model.meta["calibration"]["base_rate"]
    c = conv(("A", "Want to get lunch?"), ("B", "Sure, the usual place?"))
    default = run(c).scores["manipulation"]
    rare = run(c, tactics_base_rate=0.1).scores["manipulation"]
    section = run(c, tactics_base_rate=0.1).sections["tactics"]["calibration"]
    assert section["base_rate"] == 0.1
    # Odds scale by the ratio of the prior odds, (0.1 / 0.9) / (stated / (1 - stated)).
    ratio = (0.1 / 0.9) / (stated / (1 - stated))
    assert (rare / (1 - rare)) == pytest.approx((default / (1 - default)) * ratio, rel=1e-6)
    with pytest.raises(UsageError):
        run(c, tactics_base_rate=1.5)


def test_tactics_windows_cover_every_turn_and_overlap_by_half() -> None:
    assert windows(0, 8) == [(0, 0)]
    assert windows(5, 8) == [(0, 5)]
    assert windows(8, 8) == [(0, 8)]
    assert windows(13, 8) == [(0, 8), (4, 12), (5, 13)]
    assert windows(20, 8) == [(0, 8), (4, 12), (8, 16), (12, 20)]


def test_tactics_score_does_not_rise_with_length_alone() -> None:
    # Issue 19: the same benign exchange said 1x, 5x and 20x in a row.
    exchange = (
        ("Sam", "Did you book the table for Friday?"),
        ("Priya", "Yes, seven thirty. Is that still good for you?"),
        ("Sam", "Perfect, I'll bring the cake."),
        ("Priya", "Great, see you then."),
    )
    scores = [run(conv(*(exchange * k))).scores["manipulation"] for k in (1, 5, 20)]
    # Windows of the repeated exchange hold it twice, so sublinear counts and rule-turn counts
    # move a little; the mean over windows keeps the score where it was.
    assert scores[1] == pytest.approx(scores[0], abs=0.02)
    assert scores[2] == pytest.approx(scores[1], abs=1e-3)
    assert all(s < 0.5 for s in scores)


def test_tactics_long_conversation_keeps_one_strong_episode() -> None:
    calm = (("Sam", "Did you book the table?"), ("Priya", "Yes, seven thirty."))
    threat = (
        ("Sam", "Where were you last night?"),
        ("Priya", "I never said I'd call. You're remembering it wrong, it's all in your head."),
        ("Sam", "You did say it."),
        ("Priya", "If you ever tell anyone, I'll make you regret it. You're so pathetic."),
    )
    quiet = run(conv(*(calm * 10)))
    loud = run(conv(*(calm * 5 + threat + calm * 5)))
    assert loud.scores["manipulation"] > quiet.scores["manipulation"]
    assert {s.label for s in loud.signals} >= {"denial", "intimidation"}
    assert loud.sections["tactics"]["windows"]["count"] > 1


def test_tactics_model_choice() -> None:
    assert MODELS == ("mentalmanip", "reament")
    c = conv(("A", "Want to get lunch?"), ("B", "Do it now or else."))
    reament = TACTICS.finalize(
        TACTICS.map(c, tokenize_conversation(c), Options(tactics_model="reament"))
    )
    section = reament.sections["tactics"]
    assert section["source"] == "model:tactics-reament"
    assert section["model"]["licence"].startswith("MIT")
    # ReaMent has no technique labels: turn signals of that model come from the rules only.
    assert {s.source for s in reament.signals} == {"rule:intimidation.or_else"}
    none = TACTICS.finalize(TACTICS.map(c, tokenize_conversation(c), Options(tactics_model="none")))
    assert none.sections["tactics"]["source"] == "rules"
    with pytest.raises(UsageError):
        TACTICS.map(c, tokenize_conversation(c), Options(tactics_model="gpt"))


def test_tactics_feature_hashing_is_stable() -> None:
    assert HASH_BITS == 18
    assert bucket("w hello") == 91510  # zlib.crc32(b"w hello") & (2**18 - 1)
    got = turn_buckets(["i", "never"], "I never!", ["denial"])
    # two words, one bigram, no trigram, one "!", one rule label
    assert got == [bucket("w i"), bucket("w never"), 231127, bucket("p !"), bucket("r denial")]


def test_tactics_group_logits_by_hand() -> None:
    # Two kept buckets (rows 0 and 1), idf 1 and 2, one head with weights 1 and -1, bias 0.5.
    rows = np.full(1 << HASH_BITS, -1, dtype=np.int32)
    rows[7], rows[9] = 0, 1
    model = TacticModel(
        rows=rows,
        idf=np.array([1.0, 2.0], dtype=np.float32),
        weights=np.array([[1.0], [-1.0]], dtype=np.float32),
        bias=np.array([0.5], dtype=np.float32),
        heads=("dialogue",),
        meta={},
    )
    out = model.group_logits([[7, 7, 9, 123], [7], []], [0, 1, 2], 3)
    # group 0: counts 2 and 1 -> (1 + ln 2) * 1, 1 * 2; L2-normalised; dot (1, -1)
    a, b = 1 + math.log(2), 2.0
    assert out[0, 0] == pytest.approx(0.5 + (a - b) / math.hypot(a, b), rel=1e-5)
    assert out[1, 0] == pytest.approx(1.5)  # one feature, normalised to 1
    assert out[2, 0] == pytest.approx(0.5)  # empty: bias only
    # A raw-tf head over the same rows: counts 2 and 1 -> 2 * 1, 1 * 2.
    both = TacticModel(
        rows=rows,
        idf=model.idf,
        weights=np.array([[1.0, 1.0], [-1.0, -1.0]], dtype=np.float32),
        bias=np.array([0.5, 0.5], dtype=np.float32),
        heads=("dialogue", "dialogue_raw"),
        meta={},
    )
    out = both.group_logits([[7, 7, 9, 123]], [0], 1)
    assert out[0, 0] == pytest.approx(0.5 + (a - b) / math.hypot(a, b), rel=1e-5)
    assert out[0, 1] == pytest.approx(0.5 + (2.0 - 2.0) / math.hypot(2.0, 2.0), abs=1e-6)


def test_tactics_rule_prefilter_changes_nothing() -> None:
    rules = load_rules(RULES_FILE)
    texts = [
        "I never said that.",
        "Do it or else. You're overreacting.",
        "Lovely weather today.",
        "After everything I've done for you, this is how you treat me?",
    ]
    for text in texts:
        slow = [(r.name, span) for r, span in find(rules, text) if discount(text, span[0]) is None]
        assert [(r.name, span) for r, span in rule_hits(text, rules)] == slow


def test_tactics_everyday_set_stays_quiet() -> None:
    files = sorted(EVERYDAY.glob("*.txt"))
    assert len(files) >= 15
    noisy = [f.name for f in files for c in read(f) if run(c).signals]
    assert noisy == []


def test_tactics_rules_only_mode() -> None:
    c = conv(("A", "hi"), ("B", "Do it or else."))
    result = run(c, tactics_model=False)
    assert [s.source for s in result.signals] == ["rule:intimidation.or_else"]
    assert (
        TACTICS.finalize(
            TACTICS.map(c, tokenize_conversation(c), Options(tactics_model="none"))
        ).signals
        == result.signals
    )
    assert result.scores["manipulation"] == pytest.approx(0.8 * 0.9)
    assert result.sections["tactics"]["source"] == "rules"


@pytest.mark.parametrize(
    "turns",
    [
        # quoting someone else's denial, with the full model running
        (("Ana", 'She told me "I never said that" and laughed.'), ("Bea", "Ugh, classic.")),
        # the topic, not the act
        (
            ("Ana", "We read an article about gaslighting in couples therapy."),
            ("Bea", "What did it say?"),
            ("Ana", "That denying someone's memory over and over is the warning sign."),
        ),
        # negation and accountability
        (
            ("Ana", "I'm not saying you're overreacting, I just want to talk about Sunday."),
            ("Bea", "You're right, I did say that. I'm sorry it came out that way."),
        ),
        # a joke marked as one
        (("Ana", "You're such a loser at Mario Kart lol"), ("Bea", "Rematch tonight!")),
        # a heated but fair argument about chores
        (
            ("Ana", "I feel like I end up doing most of the dishes."),
            ("Bea", "That's fair. I've been slack this month."),
            ("Ana", "Can we split it? You take Tuesdays and Thursdays?"),
            ("Bea", "Deal, and I'll do the bins too."),
        ),
        # reporting a boss's words to a friend
        (
            ("Ana", "My boss said I was overreacting about the schedule."),
            ("Bea", "That's not fair to you, you raised it calmly."),
        ),
    ],
)
def test_tactics_hard_negative_conversations_stay_quiet(turns: tuple[tuple[str, str], ...]) -> None:
    assert run(conv(*turns)).signals == []


def test_tactics_ordinary_talk_scores_low() -> None:
    c = conv(
        ("Sam", "I honestly thought the ending was brilliant."),
        ("Priya", "Really? I found it so rushed."),
        ("Sam", "Fair, the sister deserved a better ending."),
        ("Priya", "Want to watch the director's earlier one on Friday?"),
    )
    result = run(c)
    assert result.signals == []
    assert result.scores["manipulation"] < 0.5
    raw = result.sections["tactics"]["calibration"]["manipulation_at_training_rate"]
    assert raw > result.scores["manipulation"]  # the 70%-manipulative prior, removed
