"""The definitions set (tests/data/challenge_defs) is well formed, split by its seed, and frozen.

Most of it checks the set: the fields and values of ``../challenge/README.md``'s schema
(constants imported from ``test_challenge_suite``), twins in their control item's group and half,
every category in all seven forms, every item in the half ``split.py``'s seeded rule gives it,
and the test half's digest as ``FROZEN.md`` records it. The last test checks powerlens: floors on
its reading of the frozen test half (issue 14, measured after round 4: recall 0.62 over 84
control items, false alarms 0.08 over 78 benign items; the floors sit just past them to catch
regressions; the goals are recall >= 0.85 and false alarms <= 0.05).
"""

from __future__ import annotations

import json
import re
import runpy
from collections import Counter
from typing import Any

from helpers import REPO
from powerlens.validation.challenge import score_utterances
from test_challenge_suite import ABOUT, ACTS, CATEGORIES, FORMS, STANCES, TARGETS

DEFS = REPO / "tests" / "data" / "challenge_defs"
ITEMS: list[dict[str, Any]] = [
    json.loads(line) for line in (DEFS / "utterances.jsonl").read_text("utf-8").splitlines()
]


def _split() -> dict[str, Any]:
    """The names ``split.py`` defines (its seeded rule and the digest)."""
    return runpy.run_path(str(DEFS / "split.py"))


def test_items_have_the_schema_fields_and_values() -> None:
    keys = {"id", "group", "half", "speaker", "addressee", "others", "context", "text"}
    keys |= {"form", "style", "expect"}
    for item in ITEMS:
        expect = item["expect"]
        assert set(item) == keys, item["id"]
        assert item["half"] in ("dev", "test") and item["id"].startswith("d-"), item["id"]
        assert item["text"].strip() and item["speaker"] != item["addressee"], item["id"]
        assert item["form"] in FORMS and item["style"] in ("plain", "chat"), item["id"]
        assert expect["control"] in (*CATEGORIES, None), item["id"]
        assert expect["act"] in ACTS and expect["target"] in TARGETS, item["id"]
        assert expect["about"] in ABOUT and expect["stance"] in STANCES, item["id"]
        if expect["control"] and expect["act"] == "threat":
            assert expect["control"] == "intimidation" or "intimidation" in expect["also"]
    assert len({i["id"] for i in ITEMS}) == len(ITEMS) == 330


def test_twins_share_group_and_half_and_every_category_has_seven_forms() -> None:
    by_id = {i["id"]: i for i in ITEMS}
    for item in ITEMS:
        if item["id"].endswith("-twin"):
            control = by_id[item["group"]]
            assert control["expect"]["control"] and item["expect"]["control"] is None
            assert control["half"] == item["half"]
            assert set(re.findall(r"\w+", control["text"])) & set(re.findall(r"\w+", item["text"]))
    cells = Counter((i["expect"]["control"], i["form"]) for i in ITEMS if i["expect"]["control"])
    for category in CATEGORIES:
        assert all(cells[category, form] >= 1 for form in FORMS), category
        assert sum(cells[category, form] for form in FORMS) >= 24, category


def test_halves_follow_the_seeded_rule_and_the_test_half_is_frozen() -> None:
    split = _split()
    rule = split["halves"](ITEMS)
    assert all(i["half"] == rule[i["group"]] for i in ITEMS)
    block = (DEFS / "FROZEN.md").read_text("utf-8").split("```test-half\n")[1].split("```")[0]
    digest, name = block.split()
    assert name == "utterances.jsonl"
    assert split["frozen_digest"](DEFS / "utterances.jsonl") == digest


def test_reading_of_the_frozen_test_half_keeps_its_floors() -> None:
    result = score_utterances([i for i in ITEMS if i["half"] == "test"])
    assert result["control_items"] == 84 and result["benign_items"] == 78
    assert result["recall_all"] >= 0.61
    assert result["false_alarm_rate"] <= 0.09
