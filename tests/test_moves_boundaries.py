"""Boundary Check: refusals (utterance level) and the response to them (conversation level)."""

from __future__ import annotations

import pytest

from helpers import conversation
from moves_cases import labels
from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES
from powerlens.model import MeasureResult

REFUSALS = [
    "No.",
    "No, I don't want to.",
    "I don't want to go.",
    "I'd rather not.",
    "I'm not comfortable with that.",
    "Please stop.",
    "I'm not ready to talk about it.",
    "I said no.",
    "Leave me alone.",
    "I won't do that.",
    "I'm not going to sign it.",
    "Nope.",
    "Nah, not tonight.",
    "I'll pass, thanks.",
    "Count me out.",
    "I need some space.",
    "That's not okay with me.",
    "Stop it.",
    "I don't feel like going out.",
    "Not now, I'm busy.",
    "Absolutely not.",
    "I'd prefer not to.",
    "I really don't want to talk about this.",
    "I'm not doing that.",
    "I refuse.",
    "Can you please stop?",
    "I can't make it, sorry.",
    "Maybe another time.",
    "I'm uncomfortable with this.",
    "I'm not willing to lend you more money.",
]

NOT_REFUSALS = [
    "No problem!",
    "No worries, see you later.",
    "I don't want to be late, let's go.",
    "She said no to the job.",
    "I never said I don't want to.",
    "Yes, sounds great.",
    "I'm not going to lie, that was amazing.",
    "No idea, to be honest.",
    "Sure, I'll come.",
    "I need a break from this spreadsheet.",
]


@pytest.mark.parametrize("text", REFUSALS)
def test_moves_boundaries_refusal_detected(text: str) -> None:
    assert labels(text, "boundary") == {"refusal"}


@pytest.mark.parametrize("text", NOT_REFUSALS)
def test_moves_boundaries_hard_negative(text: str) -> None:
    assert labels(text, "boundary") == set()


def run(*turns: tuple[str, str]) -> MeasureResult:
    conv = conversation(*turns)
    return MOVES.finalize(MOVES.map(conv, [], Options()))


def test_moves_boundaries_respected_refusal() -> None:
    result = run(
        ("Sam", "Do you want to come to the party tonight?"),
        ("Alex", "No, I'd rather stay in."),
        ("Sam", "Okay, no worries. Another time!"),
    )
    assert result.sections["boundaries"] == [
        {
            "refusal": "u1",
            "by": "Alex",
            "response": "respected",
            "response_utterances": ["u2"],
            "capitulated": False,
        }
    ]
    assert result.speakers["Alex"]["boundary_respect_rate"] == 1.0
    assert result.speakers["Sam"]["boundary_respect_rate"] is None


def test_moves_boundaries_punished_refusal_and_capitulation() -> None:
    result = run(
        ("Dan", "Lend me your car this weekend."),
        ("Kate", "I'm not comfortable with that."),
        ("Dan", "After everything I've done for you? You're so selfish."),
        ("Kate", "Okay, fine, I'll give you the keys."),
    )
    (entry,) = result.sections["boundaries"]
    assert entry == {
        "refusal": "u1",
        "by": "Kate",
        "response": "punished",
        "response_utterances": ["u2"],
        "capitulated": True,
        "capitulated_by": "u3",
    }
    assert result.speakers["Kate"]["boundary_respect_rate"] == 0.0


def test_moves_boundaries_yes_to_a_new_plan_after_pressure_is_not_giving_in() -> None:
    result = run(
        ("Sam", "Can you pick up the kids?"),
        ("Alex", "No thanks."),
        ("Sam", "Come on, you have to."),
        ("Sam", "Shall we get pizza tonight?"),
        ("Alex", "Sounds good."),
    )
    (entry,) = result.sections["boundaries"]
    assert entry["response"] == "pressured" and entry["capitulated"] is False
    pressed_again = run(
        ("Sam", "Can you pick up the kids?"),
        ("Alex", "No thanks."),
        ("Sam", "Come on, you have to pick up the kids."),
        ("Alex", "Fine, I'll do it."),
    )
    (entry,) = pressed_again.sections["boundaries"]
    assert entry["capitulated"] is True and entry["capitulated_by"] == "u3"


def test_moves_boundaries_pressured_then_threat() -> None:
    result = run(
        ("Mum", "Can you babysit on Saturday?"),
        ("Jo", "No, I've got plans."),
        ("Mum", "Come on, it's only a few hours."),
        ("Jo", "I said no."),
        ("Mum", "Then you can forget about the money for your rent."),
    )
    kinds = [(b["refusal"], b["response"], b["capitulated"]) for b in result.sections["boundaries"]]
    assert kinds == [("u1", "pressured", False), ("u3", "punished", False)]
    assert result.speakers["Jo"]["refusals"] == 2


def test_moves_boundaries_unanswered() -> None:
    result = run(("A", "Will you call Dad?"), ("B", "I don't want to."))
    assert result.sections["boundaries"][0]["response"] == "unanswered"
    assert result.sections["boundaries"][0]["response_utterances"] == []


def test_moves_boundaries_bare_no_to_a_question_of_fact_is_not_a_refusal() -> None:
    result = run(("A", "Did it rain at yours?"), ("B", "No, it was sunny."), ("A", "Lucky!"))
    assert result.sections["boundaries"] == []
    assert [s for s in result.signals if s.family == "boundary"] == []


def test_moves_boundaries_repeat_of_request_is_pressure() -> None:
    result = run(
        ("Boss", "Please stay late tonight to finish the slides."),
        ("Eve", "I can't tonight, it's my son's recital."),
        ("Boss", "I really need you to stay late and finish the slides."),
    )
    assert result.sections["boundaries"][0]["response"] == "pressured"
