"""A plan overruled (issue 14): a reply that opens by cancelling what the other just said they
would do is a control act, in the category of the plan's topic, else deciding for another.

Cases written for this reading from the Duluth wheel ("making all the big decisions") and
Stark (2007), not from any challenge test half; each controlling pair has a benign one beside it.
"""

from __future__ import annotations

import pytest

from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES
from powerlens.model import Conversation, Utterance


def _overruled(plan: str, reply: str, context: tuple[str, ...] = ()) -> set[str | None]:
    """Categories of the reply's power_over signals read by the overrule rule."""
    conversation = Conversation(
        id="t",
        utterances=(Utterance("1", "Ana", plan), Utterance("2", "Ben", reply)),
        context=context,
    )
    result = MOVES.finalize(MOVES.map(conversation, [], Options()))
    return {
        s.subtype
        for s in result.signals
        if s.utterance_id == "2" and s.source.startswith("rule:sequence.overrule")
    }


@pytest.mark.parametrize(
    ("plan", "reply", "category"),
    [
        (
            "I've been offered a place on the evening course!",
            "Turn it down.",
            "deciding_for_another",
        ),
        ("im going to jades on saturday", "no ur not.", "deciding_for_another"),
        ("I'll just have one glass of wine.", "No you won't.", "regulating_everyday_life"),
        ("I'm meeting my sister for lunch tomorrow.", "Cancel it.", "isolation"),
        (
            "I was thinking of cutting my hair short.",
            "Hmm. I want you to keep it long.",
            "regulating_everyday_life",
        ),
    ],
)
def test_a_reply_that_cancels_the_others_plan_is_a_control_act(
    plan: str, reply: str, category: str
) -> None:
    assert _overruled(plan, reply) == {category}


@pytest.mark.parametrize(
    ("plan", "reply"),
    [
        ("You should get a fringe.", "Absolutely not."),  # a suggestion to the speaker, refused
        ("I'm going to win this time.", "You won't, I've been practising."),  # banter
        ("I'll have the locks changed.", "You can't do that."),  # resisting a threat
        ("I'm going to Meg's on Friday.", "no ur not lol"),  # a joke
        ("I'm going for a run.", "Stay in if you're ill, please."),  # care
    ],
)
def test_refusals_banter_care_and_resistance_are_not_overruling(plan: str, reply: str) -> None:
    assert _overruled(plan, reply) == set()


def test_in_a_negotiation_a_counter_is_not_overruling() -> None:
    assert (
        _overruled("I'd like to take all the firewood.", "No you won't.", ("negotiation",)) == set()
    )
