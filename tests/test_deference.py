"""Tests of the politeness strategies, the shipped model and the deference measure family."""

from __future__ import annotations

import pytest

from powerlens.analysis import analyze
from powerlens.language import tokenize_conversation
from powerlens.measures import REGISTRY
from powerlens.measures.base import Options
from powerlens.measures.deference import (
    DEFERENCE,
    STRATEGIES,
    PolitenessModel,
    features,
    load_model,
    sentence_positions,
    strategies,
)
from powerlens.model import Conversation, Utterance


def found(text: str) -> list[tuple[str, str, tuple[int, int]]]:
    """(label, matched text, span) of every strategy in ``text``."""
    return [(h.label, text[h.span[0] : h.span[1]], h.span) for h in strategies(text)]


def labels(text: str) -> set[str]:
    return {h.label for h in strategies(text)}


@pytest.mark.parametrize(
    ("text", "label", "matched", "span"),
    [
        ("Thanks for the fix.", "gratitude", "Thanks", (0, 6)),
        ("We'd appreciate a review.", "gratitude", "We'd appreciate", (0, 15)),
        ("Nice work on the page.", "deference", "Nice", (0, 4)),
        ("Hello, can I ask something?", "greeting", "Hello", (0, 5)),
        ("That is a wonderful idea.", "positive_lexicon", "wonderful", (10, 19)),
        ("That is a stupid idea.", "negative_lexicon", "stupid", (10, 16)),
        ("Oops, I broke it.", "apologizing", "Oops", (0, 4)),
        ("I apologize for the delay.", "apologizing", "I apologize", (0, 11)),
        ("Could you please check it?", "please", "please", (10, 16)),
        ("Please check it.", "please_start", "Please", (0, 6)),
        ("It works. By the way, nice page.", "indirect_btw", "By the way", (10, 20)),
        ("Why is this here?", "direct_question", "Why", (0, 3)),
        ("So what is this?", "direct_question", "what", (3, 7)),
        ("But that is wrong.", "direct_start", "But", (0, 3)),
        ("Would you check it?", "counterfactual_modal", "Would you", (0, 9)),
        ("Can you check it?", "indicative_modal", "Can you", (0, 7)),
        ("My edit was reverted.", "first_person_start", "My", (0, 2)),
        ("Yesterday I fixed it.", "first_person", "I", (10, 11)),
        ("Can we fix it?", "first_person_plural", "we", (4, 6)),
        ("Did you see it?", "second_person", "you", (4, 7)),
        ("You reverted it.", "second_person_start", "You", (0, 3)),
        ("It is probably fine.", "hedges", "probably", (6, 14)),
        ("It is sort of broken.", "hedges", "sort of", (6, 13)),
        ("In fact, it was right.", "factuality", "In fact", (0, 7)),
        ("It actually works.", "factuality", "actually", (3, 11)),
    ],
)
def test_deference_strategy_span(
    text: str, label: str, matched: str, span: tuple[int, int]
) -> None:
    assert (label, matched, span) in found(text)


def test_deference_every_strategy_has_an_example() -> None:
    texts = [
        "Thanks. Nice one. Hello there. Wonderful. Stupid. Sorry. Could you please look?",
        "Please do. By the way, fine. Why not? And then? Can you? I did. Then I saw it. We did.",
        "Did you? You did. Maybe. In fact, yes.",
    ]
    assert set().union(*(labels(t) for t in texts)) == set(STRATEGIES)


def test_deference_sentence_positions() -> None:
    # "So" starts sentence 1; "Why" starts sentence 2 after "?"; a line break starts a new one.
    assert sentence_positions("So it is. Why?\nok then") == {0: 0, 3: 1, 6: 2, 10: 0, 15: 0, 18: 1}


def test_deference_start_strategies_need_sentence_start() -> None:
    assert "please_start" not in labels("Could you please check?")
    assert "please" not in labels("Please check.")
    assert "deference" not in labels("That is a great question.")
    assert "direct_start" not in labels("This and that.")
    assert "direct_question" not in labels("Tell me again what it is.")
    assert "first_person" not in labels("I did it.")
    assert "second_person" not in labels("You did it.")
    # A new sentence after "?" restarts the count.
    assert "please_start" in labels("Is it fixed? Please check.")


def test_deference_hard_negatives_words_inside_others() -> None:
    # "pleased", "thankful" is not "thank"; "sorrowful", "whyever", "hi" in "this".
    assert labels("I am pleased with this.") == {"first_person_start", "positive_lexicon"}
    assert "apologizing" not in labels("A sorrowful tale.")
    assert "greeting" not in labels("This is it.")
    assert "counterfactual_modal" not in labels("It could work for you.")


def test_deference_ie_is_not_first_person_and_thankyou_is_gratitude() -> None:
    # found by bench/politeness_vs_convokit.py: the "i" of "i.e." was counted as "I"
    assert labels("Use the cache, i.e. the local one.") == set()
    assert "first_person_start" not in labels("I.e. the second one.")
    assert "first_person_start" in labels("I mean the second one.")
    assert "gratitude" in labels("Works now, thankyou")


def test_deference_quoted_strategies_are_not_the_speakers() -> None:
    # Decision: strategies in reported or quoted speech are the quoted person's, not the
    # speaker's, so they count neither as signals nor as model features.
    text = 'She wrote "please fix it, thanks" to me.'
    assert labels(text) == set()
    assert "s:please" not in features(text)


def test_deference_negated_or_hypothetical_acts_dropped() -> None:
    assert "apologizing" not in labels("I'm not sorry.")
    assert "gratitude" not in labels("No thanks.")
    assert "apologizing" not in labels("If I said sorry, you would laugh.")
    # Other strategies keep negated matches: a hedge is a hedge in "I don't think so".
    assert "hedges" in labels("I don't think so.")


def test_deference_curly_apostrophes() -> None:
    assert ("gratitude", "I’d appreciate", (0, 14)) in found("I’d appreciate it.")


def test_deference_features_names() -> None:
    assert features("Thanks, Bob") == ["b:thanks bob", "s:gratitude", "s:positive_lexicon",
                                       "w:bob", "w:thanks"]


def test_deference_model_from_dict_scores_by_hand() -> None:
    model = PolitenessModel.from_dict(
        {"name": "toy", "bias": -1.0, "features": ["s:gratitude", "w:thanks"], "weights": [1.0, 1.0]}
    )
    # logit = -1 + 1 (s:gratitude) + 1 (w:thanks) = 1 -> sigmoid(1)
    assert model.score("thanks") == pytest.approx(0.7310585786)
    assert model.score("hello") == pytest.approx(0.2689414214)  # greeting has no weight here


def test_deference_model_bad_file() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        PolitenessModel.from_dict({"bias": 0.0, "features": ["a"], "weights": []})


def test_deference_shipped_model_loads_and_is_deterministic() -> None:
    model = load_model()
    assert model.name == "politeness-lr"
    assert "Stanford Politeness Corpus" in model.meta["trained_on"]
    polite = "Hi! Could you please take a look at this when you have time? Thanks so much."
    rude = "Why did you revert my edit? That is plainly wrong and stupid."
    a, b = model.score(polite), model.score(rude)
    assert a == model.score(polite)
    assert a > 0.8 and b < 0.2
    assert 0.0 <= b < a <= 1.0


def conversation() -> Conversation:
    return Conversation(
        id="c1",
        utterances=(
            Utterance("u1", "ana", "Hi Bo, could you please review my draft? Thanks!"),
            Utterance("u2", "bo", "Why is it so late? This is wrong."),
            Utterance("u3", "ana", "Sorry, I think I probably misread the date."),
            Utterance("u4", "bo", ""),
        ),
    )


def test_deference_registered() -> None:
    assert REGISTRY["deference"] is DEFERENCE


def test_deference_measure_per_speaker() -> None:
    convo = conversation()
    report = analyze([convo], measures=["deference"]).conversations[0]
    ana, bo = report.speakers["ana"], report.speakers["bo"]
    assert ana["politeness_utterances"] == 2
    assert bo["politeness_utterances"] == 1  # the empty utterance is not scored
    assert ana["hedges"] == 2  # "think", "probably"
    assert ana["apologies"] == 1
    assert bo["apologies"] == 0
    assert ana["politeness_strategies"]["gratitude"] == 0.5
    assert ana["politeness_strategies"]["apologizing"] == 0.5
    assert bo["politeness_strategies"]["direct_question"] == 1.0
    assert ana["politeness_mean"] > bo["politeness_mean"]
    model = load_model()
    first = model.score(convo.utterances[0].text)
    third = model.score(convo.utterances[2].text)
    assert ana["politeness_mean"] == pytest.approx((first + third) / 2)
    total = (first + third + model.score(convo.utterances[1].text)) / 3
    assert report.scores["politeness_mean"] == pytest.approx(total)
    section = report.sections["deference"]
    assert [u["utterance_id"] for u in section["utterances"]] == ["u1", "u2", "u3"]


def test_deference_measure_signals() -> None:
    report = analyze([conversation()], measures=["deference"]).conversations[0]
    signals = [s for s in report.signals if s.family == "deference"]
    please = [s for s in signals if s.label == "please"]
    assert len(please) == 1
    assert please[0].utterance_id == "u1"
    assert please[0].span == (17, 23)  # "Hi Bo, could you " is 17 characters
    assert please[0].source == "rule:politeness.please.inner"
    scores = [s for s in signals if s.label == "politeness"]
    assert [s.utterance_id for s in scores] == ["u1", "u2", "u3"]
    assert scores[0].source == "model:politeness-lr"
    assert scores[0].span == (0, len(conversation().utterances[0].text))
    assert all(0.0 <= s.score <= 1.0 for s in signals)


def test_deference_combine_is_additive() -> None:
    convo = conversation()
    tokens = tokenize_conversation(convo)
    one = DEFERENCE.map(convo, tokens, Options())
    both = DEFERENCE.finalize(DEFERENCE.combine(one, DEFERENCE.map(convo, tokens, Options())))
    single = DEFERENCE.finalize(one)
    assert both.speakers["ana"]["politeness_utterances"] == 4
    assert both.speakers["ana"]["hedges"] == 4
    assert both.speakers["ana"]["politeness_mean"] == pytest.approx(
        single.speakers["ana"]["politeness_mean"]
    )
    assert len(both.signals) == 2 * len(single.signals)
