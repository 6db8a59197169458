"""Proposals, their outcomes, and whose plan was enacted."""

from __future__ import annotations

import pytest

from helpers import conversation
from moves_cases import labels
from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES
from powerlens.model import MeasureResult

PROPOSALS = [
    "Let's go to the beach.",
    "I think we should hire someone.",
    "Could we move the meeting to Thursday?",
    "What if we split the bill?",
    "How about pizza tonight?",
    "Why don't we ask Grandma?",
    "We could take the train instead.",
    "Shall we start?",
    "Maybe we should wait until spring.",
    "I suggest we vote on it.",
    "My idea is to rent a van.",
    "Can we go to the cinema on Friday?",
    "What about the Italian place?",
    "We should totally get a dog.",
    "Do you want to grab a coffee?",
    "I vote for the lake.",
    "It might be better to leave early.",
    "We're going to Grandma's on Saturday.",
    "The plan is to leave at eight.",
    "Let us think about it over lunch.",
    "How would you feel about moving in together?",
    "Why not try the new bakery?",
    "We'll go on Sunday then.",
    "I think we need to talk to the landlord.",
    "Can I invite Sam to dinner?",
    "Wanna go for a run later?",
    "We can split it three ways.",
    "Let's just order in.",
    "Could we maybe try again next week?",
    "The better option is to fix the old one.",
]

NOT_PROPOSALS = [
    "Let's see, where was I?",
    "We should have left earlier.",
    "We can't afford it.",
    "I don't think we could do that.",
    "She said we should leave.",
    "The weather was nice.",
    "What about it?",
    "I had a great time.",
    "Let me check.",
    "We're going to be late!",
]


@pytest.mark.parametrize("text", PROPOSALS)
def test_moves_proposals_detected(text: str) -> None:
    assert labels(text, "proposal") == {"proposal"}


@pytest.mark.parametrize("text", NOT_PROPOSALS)
def test_moves_proposals_hard_negative(text: str) -> None:
    assert labels(text, "proposal") == set()


def plan(result: MeasureResult) -> dict[str, object]:
    """The decision without how it was settled (``settled`` is checked on its own)."""
    return {k: v for k, v in result.sections["decision"].items() if k != "settled"}


def run(*turns: tuple[str, str]) -> MeasureResult:
    return MOVES.finalize(MOVES.map(conversation(*turns), [], Options()))


def test_moves_proposals_first_loses_to_counter_proposal() -> None:
    result = run(
        ("Ana", "Let's go to Rome in May."),
        ("Ben", "Hmm, Rome is pricey in May. What about Lisbon instead?"),
        ("Cal", "Lisbon sounds great!"),
        ("Ana", "Fine, Lisbon it is."),
    )
    assert result.sections["proposals"] == [
        {
            "utterance_id": "u0",
            "by": "Ana",
            "outcome": "countered",
            "settled_by": "u1",
            "kind": "proposal",
        },
        {
            "utterance_id": "u1",
            "by": "Ben",
            "outcome": "accepted",
            "settled_by": "u2",
            "kind": "proposal",
        },
    ]
    assert plan(result) == {"plan_of": "Ben", "evidence": ["u1", "u2"]}


def test_moves_proposals_teen_ignored_parent_plan_enacted() -> None:
    result = run(
        ("Teen", "Can we go to the beach this weekend?"),
        ("Mum", "We're visiting Grandma on Saturday. Pack your bag tonight."),
        ("Teen", "But all my friends are going."),
        ("Mum", "We leave at nine."),
        ("Teen", "Fine."),
    )
    outcomes = {p["utterance_id"]: p["outcome"] for p in result.sections["proposals"]}
    assert outcomes["u0"] == "ignored"
    assert outcomes["u1"] == "accepted"
    assert result.sections["decision"]["plan_of"] == "Mum"
    assert result.sections["decision"]["evidence"] == ["u1", "u4"]


def test_moves_proposals_rejected_and_overridden() -> None:
    rejected = run(("A", "How about sushi?"), ("B", "Nah, I had sushi yesterday."))
    assert rejected.sections["proposals"][0]["outcome"] == "rejected"
    assert plan(rejected) == {"plan_of": None, "evidence": []}
    overridden = run(
        ("Kid", "Can I stay at Jamie's tonight?"),
        ("Dad", "No. You're staying home, end of discussion."),
    )
    assert overridden.sections["proposals"][0]["outcome"] == "overridden"
    assert plan(overridden) == {"plan_of": "Dad", "evidence": ["u1"]}


def test_moves_proposals_building_on_an_idea_is_acceptance() -> None:
    result = run(("A", "We could run a pilot in March."), ("B", "Yes, and let's add a trial week."))
    assert result.sections["proposals"][0] == {
        "utterance_id": "u0",
        "by": "A",
        "outcome": "accepted",
        "settled_by": "u1",
        "kind": "proposal",
    }
