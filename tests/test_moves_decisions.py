"""Whose plan was enacted: faits accomplis, counters, deferrals, rejections, capitulation, joint plans.

Each conversation is hand-written in the plain ``Name: text`` format; ids are u0, u1, ... in order.
"""

from __future__ import annotations

import pytest

from helpers import conversation
from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES
from powerlens.model import MeasureResult


def plan(result: MeasureResult) -> dict[str, object]:
    """The decision without how it was settled (``settled`` is checked on its own)."""
    return {k: v for k, v in result.sections["decision"].items() if k != "settled"}


def run(chat: str) -> MeasureResult:
    turns = [line.split(": ", 1) for line in chat.strip().splitlines()]
    return MOVES.finalize(MOVES.map(conversation(*((s, t) for s, t in turns)), [], Options()))


def outcomes(result: MeasureResult) -> dict[str, tuple[str, str | None]]:
    return {
        p["utterance_id"]: (p["outcome"], p["settled_by"]) for p in result.sections["proposals"]
    }


def test_moves_decisions_fait_accompli_wins() -> None:
    result = run(
        """
Sam: I've already booked us a table at Nando's for Friday at seven.
Kit: Oh. I was hoping we could try the new Thai place.
Sam: The booking's done and it's non-refundable.
Kit: fine
"""
    )
    assert outcomes(result) == {"u0": ("accepted", "u3"), "u1": ("ignored", None)}
    assert plan(result) == {"plan_of": "Sam", "evidence": ["u0", "u3"]}


def test_moves_decisions_restated_plan_beats_later_proposals() -> None:
    # The holiday chat of examples/couple_disagreement.txt: an announced booking, a dismissed
    # alternative, a non-committal "maybe", a bare "ok", and a closing restatement.
    result = run(
        """
Alex: So I've booked the train to my parents' for the twenty-third. We leave at nine.
Jo: You booked it already? I thought we were going to talk about it first.
Alex: We always go to my parents. It's easier, they have the space.
Jo: What if we alternate years? My sister hasn't seen us at Christmas since--
Alex: Your sister's flat is tiny. Honestly, it makes no sense to squeeze in there.
Jo: I'd rather not spend every Christmas at your parents'.
Alex: Come on. The tickets are paid for. Don't make this a big thing.
Jo: Could we at least spend New Year with my family?
Alex: Maybe. We'll see how tired we are.
Jo: ok
Alex: Great, so the twenty-third it is. I'll tell mum we're coming.
"""
    )
    assert outcomes(result) == {
        "u0": ("accepted", "u9"),
        "u3": ("rejected", "u4"),
        "u6": ("accepted", "u9"),
        "u7": ("deferred", "u8"),
    }
    assert plan(result) == {"plan_of": "Alex", "evidence": ["u0", "u9", "u10"]}
    (boundary,) = result.sections["boundaries"]
    assert boundary["refusal"] == "u5" and boundary["response"] == "pressured"
    assert boundary["capitulated"] is True


def test_moves_decisions_as_i_said_settles_own_plan_not_the_latest() -> None:
    result = run(
        """
Alex: We're going to my parents' on the 23rd.
Jo: Could we go to my sister's instead?
Alex: Maybe next year.
Jo: And could we stop at the market on the way?
Alex: We'll see.
Alex: So, as I said, my parents' on the 23rd.
"""
    )
    assert outcomes(result) == {
        "u0": ("countered", "u1"),
        "u1": ("deferred", "u2"),
        "u3": ("deferred", "u4"),
    }
    assert plan(result) == {"plan_of": "Alex", "evidence": ["u0", "u5"]}


def test_moves_decisions_counter_proposal_wins_and_is_restated_by_the_other() -> None:
    result = run(
        """
Mia: Let's paint the living room grey.
Tom: Grey feels gloomy. What about a warm white instead?
Mia: Hmm, I'm not sure.
Tom: It would make the hallway feel bigger too.
Mia: Let me look at the samples tonight.
Mia: Right. Warm white it is, I'll order two tins tomorrow.
"""
    )
    assert outcomes(result) == {"u0": ("countered", "u1"), "u1": ("accepted", "u5")}
    assert plan(result) == {"plan_of": "Tom", "evidence": ["u1", "u5"]}


@pytest.mark.parametrize(
    "reply",
    [
        "Maybe. We'll see after the move.",
        "I'll think about it.",
        "Perhaps later.",
        "We'll see.",
        "Let me sleep on it.",
        "Maybe next year.",
    ],
)
def test_moves_decisions_non_committal_reply_is_deferral(reply: str) -> None:
    result = run(f"Jo: Could we get a dog this year?\nPat: {reply}\nJo: ok")
    assert outcomes(result) == {"u0": ("deferred", "u1")}
    assert plan(result) == {"plan_of": None, "evidence": []}


@pytest.mark.parametrize(
    "reply",
    [
        "His flat is tiny, it makes no sense to squeeze four of us in there.",
        "That's far too expensive for a long weekend.",
        "There's no point, he's away all August.",
        "It doesn't make sense, the trains take six hours.",
    ],
)
def test_moves_decisions_dismissal_with_a_reason_is_rejection(reply: str) -> None:
    result = run(
        f"Lee: What if we spend the summer at your brother's place?\nRay: {reply}\n"
        "Lee: Fair enough."
    )
    assert outcomes(result) == {"u0": ("rejected", "u1")}
    assert plan(result) == {"plan_of": None, "evidence": []}


def test_moves_decisions_fine_whatever_is_capitulation_to_the_other_plan() -> None:
    result = run(
        """
Dan: We're going to my mum's for Sunday lunch.
Eve: I'd rather not, I'm exhausted. Can we just stay home?
Dan: Come on, she's already cooking. Don't make a fuss.
Eve: fine, whatever.
Dan: Good, we leave at twelve.
"""
    )
    assert outcomes(result) == {
        "u0": ("accepted", "u3"),
        "u1": ("ignored", None),
        "u4": ("ignored", None),
    }
    assert plan(result) == {"plan_of": "Dan", "evidence": ["u0", "u3"]}
    (boundary,) = result.sections["boundaries"]
    assert boundary["by"] == "Eve" and boundary["capitulated"] is True


def test_moves_decisions_joint_plan_goes_to_its_proposer_and_is_marked_joint() -> None:
    result = run(
        """
Ana: I want us to spend Christmas with my parents this year.
Ben: I'd prefer we go to my sister's, we haven't seen her in ages.
Ana: Hmm.
Ben: OK, how about this: let's do both. Yours at Christmas, mine at New Year.
Ana: That works for me!
"""
    )
    assert outcomes(result) == {
        "u0": ("countered", "u1"),
        "u1": ("ignored", None),
        "u3": ("accepted", "u4"),
    }
    assert plan(result) == {
        "plan_of": "Ben",
        "evidence": ["u3", "u4"],
        "joint": True,
    }


def test_moves_decisions_teenager_ignored_parent_plan_enacted() -> None:
    result = run(
        """
Ruby: Can I go to Maddie's sleepover on Friday?
Dad: Your grandparents arrive on Friday, so we're having dinner at home.
Ruby: Could I go after dinner then?
Dad: Can you set the table at six, please?
Ruby: ...okay.
"""
    )
    assert outcomes(result) == {
        "u0": ("ignored", None),
        "u1": ("accepted", "u4"),
        "u2": ("ignored", None),
    }
    assert plan(result) == {"plan_of": "Dad", "evidence": ["u1", "u4"]}


def test_moves_decisions_manager_overrides_in_team_meeting() -> None:
    result = run(
        """
Kim: Right, the launch. I've decided we go live on Monday.
Ola: Could we push it to Wednesday? QA needs two more days.
Kim: No. We're launching Monday, end of discussion.
Raj: What if we launch Monday for internal users only?
Kim: Let's stick to the plan.
Ola: Okay.
"""
    )
    assert outcomes(result) == {
        "u0": ("countered", "u1"),
        "u1": ("overridden", "u2"),
        "u2": ("countered", "u3"),
        "u3": ("ignored", None),
        "u4": ("accepted", "u5"),
    }
    assert result.sections["decision"]["plan_of"] == "Kim"


def test_moves_decisions_plain_agreement_still_settles() -> None:
    result = run("A: Shall we get pizza tonight?\nB: Sounds good!\nA: Pizza it is.")
    assert outcomes(result) == {"u0": ("accepted", "u1")}
    assert plan(result) == {"plan_of": "A", "evidence": ["u0", "u1", "u2"]}


def test_moves_decisions_settled_says_how_the_plan_won() -> None:
    gave_in = run(
        """
Dan: We're going to my mum's for Sunday lunch.
Eve: I'd rather not, I'm exhausted. Can we just stay home?
Dan: Come on, she's already cooking. Don't make a fuss.
Eve: fine, whatever.
"""
    )
    assert gave_in.sections["decision"]["settled"] == "gave_in"
    taken_up = run(
        """
Ana: Shall we get pizza tonight?
Ben: Sounds good to me.
"""
    )
    assert taken_up.sections["decision"] == {
        "plan_of": "Ana",
        "evidence": ["u0", "u1"],
        "settled": "accepted",
    }
