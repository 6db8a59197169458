"""CaSiNo validation (issue 14): the frozen split, the scorer on hand-built dialogues, and floors
on the quick sample's test half when ``../shared/data/casino`` is present."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from powerlens.validation import casino, data_root
from powerlens.validation.casino_deals import allocation, matches


def _root() -> Path:
    root = data_root()
    if root is None or not (root / "casino" / "casino_train.json").is_file():
        pytest.skip("shared data (../shared/data/casino) is absent; set POWERLENS_DATA")
    return root


@pytest.fixture(scope="module")
def quick() -> dict[str, Any]:
    result = casino.run(_root(), quick=True)
    assert result is not None
    return result


def test_casino_split_is_frozen() -> None:
    dialogues = casino.load(_root())
    assert dialogues is not None
    halves = casino.split(dialogues)
    assert {h: len(rows) for h, rows in halves.items()} == {"dev": 476, "test": 454}
    assert casino.ids_digest([d["dialogue_id"] for d in halves["test"]]) == casino.TEST_SHA256
    assert casino.ids_digest([d["dialogue_id"] for d in halves["dev"]]) == casino.DEV_SHA256
    assert {h: len(r) for h, r in casino.split(dialogues, quick=True).items()} == {
        "dev": 48,
        "test": 46,
    }


def test_casino_conversation_leaves_the_deal_events_out() -> None:
    dialogues = casino.load(_root())
    assert dialogues is not None
    for dialogue in dialogues[:50]:
        texts = [u.text for u in casino.conversation(dialogue).utterances]
        assert not set(texts) & casino.EVENTS
        assert len(texts) == len(casino.chat(dialogue))


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("Ill take 1 food and 1 firewood and all the water you can have the rest",
         {"Food": 1, "Firewood": 1, "Water": 3}),
        ("okay so for me 1 food, 2 firewood, 2 water, for you 2 food, 1 fire, 1 water.",
         {"Food": 1, "Firewood": 2, "Water": 2}),
        ("Ok nice I will give you 3 food if you give me 3 water", {"Food": 0, "Water": 3}),
        ("So I get 3 food and 2 firewood? And you get all of the water?",
         {"Food": 3, "Firewood": 2, "Water": 0}),
        ("how about 3 firewood and 1 food for me", {"Firewood": 3, "Food": 1}),
        ("I need the extra water", {}),
        ("Hello! How are you doing today?", {}),
    ],
)  # fmt: skip
def test_casino_deals_reads_the_stated_split(text: str, share: dict[str, int]) -> None:
    assert allocation(text) == share


def _dialogue(turns: list[tuple[str, str]], deal: dict[str, int] | None) -> dict[str, Any]:
    logs: list[dict[str, Any]] = [{"id": who, "text": text, "task_data": {}} for who, text in turns]
    if deal is not None:
        theirs = {k: str(3 - v) for k, v in deal.items()}
        logs.append(
            {
                "id": "b",
                "text": "Submit-Deal",
                "task_data": {"issue2youget": {k: str(v) for k, v in deal.items()},
                              "issue2theyget": theirs},
            }
        )  # fmt: skip
        logs.append({"id": "a", "text": "Accept-Deal", "task_data": {}})
    return {"dialogue_id": 1, "chat_logs": logs, "participant_info": {}, "annotations": []}


def test_casino_plans_scores_submitter_baselines_and_deal_authors() -> None:
    dialogue = _dialogue(
        [
            ("a", "Hi! I need water for my hike."),
            ("b", "How about I take 3 food and 2 firewood and you get all the water?"),
            ("a", "Deal, that works for me."),
        ],
        {"Food": 3, "Firewood": 2, "Water": 0},
    )
    assert casino.accepted_deal(dialogue) == {
        "submitter": "b",
        "accepter": "a",
        "share": {
            "b": {"Food": "3", "Firewood": "2", "Water": "0"},
            "a": {"Food": "0", "Firewood": "1", "Water": "3"},
        },
    }
    read = casino.read(dialogue)
    assert [u.text for u in read.conversation.utterances][-1] == "Deal, that works for me."
    plans = casino.score_plans([read])
    tally = plans["tally"]
    assert tally["deals"] == 1
    assert tally["second_last"] == 1 and tally["last"] == 0
    assert tally["authored"] == 1 and tally["first_author_is_submitter"] == 1
    assert plans["agreement"]["hits"] == int(read.sections["decision"]["plan_of"] == "b")
    assert matches(read.conversation.utterances[1].text, {"Food": 3, "Firewood": 2, "Water": 0})
    assert (
        casino.score_plans([casino.read(_dialogue([("a", "hi"), ("b", "bye")], None))])["tally"]
        == {}
    )


def test_casino_aligns_annotations_by_text() -> None:
    dialogue = _dialogue([("a", "hello"), ("b", "I need water"), ("a", "ok")], None)
    dialogue["annotations"] = [["I need water", "self-need"], ["ok", "non-strategic,small-talk"]]
    assert casino.aligned(casino.read(dialogue)) == [
        ("1:1", frozenset({"self-need"})),
        ("1:2", frozenset({"non-strategic", "small-talk"})),
    ]


# Floors on the quick sample's test half (46 dialogues, 16 annotated; measured when written:
# plan_of = submitter 0.47, proposal P 0.20 R 0.56, power_with P 0.50 R 0.57 (the CaSiNo-trained
# Power With model in negotiation context), plan_of None 0.11).
# Set just below the current reading so they catch regressions; issue 14's goals are 0.85 and 0.6.


def test_casino_plan_of_floor(quick: dict[str, Any]) -> None:
    plans = quick["halves"]["test"]["plans"]
    assert quick["frozen"]
    assert plans["agreement"]["n"] == 45
    assert plans["agreement"]["rate"] >= 0.45
    assert plans["plan_of_none"]["rate"] <= 0.25
    assert plans["baseline_second_last"]["rate"] >= 0.9  # the turn-order artefact, for reference


def test_casino_utterance_floors(quick: dict[str, Any]) -> None:
    detectors = quick["halves"]["test"]["utterances"]["detectors"]
    proposal = detectors["proposal vs promote-coordination"]
    assert proposal["precision"] >= 0.18 and proposal["recall"] >= 0.5
    power_with = detectors["power_with vs promote-coordination or elicit-pref"]
    assert power_with["precision"] >= 0.45 and power_with["recall"] >= 0.5


def test_casino_markdown_has_every_part(quick: dict[str, Any]) -> None:
    text = casino.to_markdown(quick)
    for part in ("whose plan was enacted", "second-to-last", "per utterance", "dismissing",
                 "bootstrap", "Split frozen: yes"):  # fmt: skip
        assert part in text
