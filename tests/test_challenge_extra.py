"""The second author's challenge set (tests/data/challenge_extra) is well formed.

It is extra dev data for tuning the power-moves reading, written by another hand to
``tests/data/challenge/README.md``'s schema and labels. This checks the set itself, not
powerlens: the fields and values that README allows (its constants are imported from
``test_challenge_suite``), a benign twin for every control item that keeps some of its words,
every category in all seven forms in both styles, the other acts, every conversation loading with
``powerlens.readers.load`` with the turns and speakers its expectations name, and the coverage of
kinds, formats and benign talk that ``challenge_extra/README.md`` promises.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from typing import Any

import pytest

from helpers import REPO
from powerlens.readers import load, reader_for
from test_challenge_suite import (
    ABOUT,
    ACTS,
    BASES,
    CATEGORIES,
    FILE_FORMATS,
    FORMS,
    KINDS,
    OUTCOMES,
    RESPONSES,
    STANCES,
    TARGETS,
)

EXTRA = REPO / "tests" / "data" / "challenge_extra"
FIRST = REPO / "tests" / "data" / "challenge"
ITEM_KEYS = {"id", "group", "half", "speaker", "addressee", "others", "context", "text", "form"}
ITEM_KEYS |= {"style", "expect"}
EXPECT_KEYS = {"control", "refusals", "proposals", "plan_of", "decided_at", "appeals"}
# exports as phones write them: 24-hour and 12-hour clocks, d/m and m/d, two- or four-digit years
_DATE = r"\d{1,2}/\d{1,2}/(?:\d{2}|\d{4}), \d{1,2}:\d{2}"
_AMPM = r"(?:[ \u202f][AaPp][Mm])?"
FIRST_LINE = {
    "android": re.compile(rf"^{_DATE}{_AMPM} - "),
    "ios": re.compile(rf"^\u200e?\[{_DATE}:\d{{2}}{_AMPM}\] "),
    "vtt": re.compile(r"^WEBVTT$"),
    "plain": re.compile(r"^(?:\[?\d{1,2}(?::\d{2}){1,2}\]? )?[^\W\d_][^:]{0,40}: "),
}


def _jsonl(name: str) -> list[dict[str, Any]]:
    """One object per line; a blank line is an error (it would shift every line number)."""
    return [json.loads(line) for line in (EXTRA / name).read_text(encoding="utf-8").splitlines()]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w']+", text.lower()))


UTTERANCES = _jsonl("utterances.jsonl")
CONVERSATIONS = _jsonl("conversations.jsonl")
CONTROL = [i for i in UTTERANCES if i["expect"]["control"] is not None]
OTHERS = [i for i in UTTERANCES if i["group"] == i["id"] and i["expect"]["control"] is None]


def _item_problems(item: dict[str, Any]) -> list[str]:
    """What in one utterance line breaks the schema of ../challenge/README.md (empty if nothing)."""
    expect = item["expect"]
    checks = {
        "keys": set(item) == ITEM_KEYS,
        "dev half and x- id": item["half"] == "dev" and item["id"].startswith("x-"),
        "speaker, addressee, text": bool(item["speaker"] and item["addressee"] and item["text"]),
        "speaker is not addressee": item["speaker"] != item["addressee"],
        "others is a list": isinstance(item["others"], list),
        "context": item["context"] is None or bool(item["context"].strip()),
        "form and style": item["form"] in FORMS and item["style"] in ("plain", "chat"),
        "expect keys": set(expect)
        <= {"control", "act", "target", "about", "stance", "base", "also"},
        "control": expect["control"] in (*CATEGORIES, None),
        "act": expect["act"] in ACTS,
        "target": expect["target"] in TARGETS,
        "about": expect["about"] in ABOUT,
        "stance": expect.get("stance") in STANCES,
        "base": expect.get("base", "expert") in BASES,
    }
    if expect["control"] is None:
        checks["no also without control"] = "also" not in expect
    else:
        also = set(expect.get("also", []))
        checks["control is over"] = expect["stance"] == "over"
        checks["also names other categories"] = also <= set(CATEGORIES) - {expect["control"]}
        if expect["act"] == "threat" and expect["control"] != "intimidation":
            checks["a threat for another category is also intimidation"] = "intimidation" in also
    return [name for name, ok in checks.items() if not ok]


def test_utterances_follow_the_first_suites_schema() -> None:
    problems = {i["id"]: p for i in UTTERANCES if (p := _item_problems(i))}
    assert not problems
    ids = [i["id"] for i in UTTERANCES]
    assert len(ids) == len(set(ids))


def test_every_control_item_has_a_benign_twin_that_keeps_some_of_its_words() -> None:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in UTTERANCES:
        groups[item["group"]].append(item)
    for group, members in groups.items():
        control = [m for m in members if m["expect"]["control"] is not None]
        if not control:
            assert [m["id"] for m in members] == [group]
            continue
        (twin,) = [m for m in members if m["expect"]["control"] is None]
        assert len(control) == 1 and control[0]["id"] == group and twin["id"] == f"{group}-twin"
        assert (twin["style"], twin["form"]) == (control[0]["style"], control[0]["form"]), group
        assert twin["text"] != control[0]["text"], group
        assert len(_words(twin["text"]) & _words(control[0]["text"])) >= 3, group


def test_every_category_in_all_seven_forms_in_both_styles() -> None:
    cells = Counter((i["expect"]["control"], i["form"], i["style"]) for i in CONTROL)
    for category in CATEGORIES:
        for form in FORMS:
            assert cells[category, form, "plain"] >= 2, (category, form)
            assert cells[category, form, "chat"] >= 2, (category, form)
    assert len(UTTERANCES) >= 560 and len(OTHERS) >= 120
    acts = Counter(i["expect"]["act"] for i in OTHERS)
    for act in ("request", "proposal", "acceptance", "refusal", "commitment", "offer", "statement"):
        assert acts[act] >= 10, act
    for act in ("appeal_guilt", "appeal_loyalty", "dismissal", "directive", "question"):
        assert acts[act] >= 6, act
    for act in ("prohibition", "threat", "promise"):
        assert acts[act] >= 3, act
    stances = Counter(i["expect"].get("stance") for i in OTHERS)
    assert stances["with"] >= 40 and stances["over"] >= 30 and stances["to"] >= 15


def test_texts_are_new_and_not_taken_from_the_first_suite() -> None:
    by_id = {i["id"]: i for i in UTTERANCES}
    first = (FIRST / "utterances.jsonl").read_text(encoding="utf-8").splitlines()
    theirs = {json.loads(line)["text"].strip().lower() for line in first if line.strip()}
    ours = [i["text"].strip().lower() for i in UTTERANCES]
    # a bare "No." or "say less" is everyone's; longer lines must be this author's own
    shared = [i["id"] for i, text in zip(UTTERANCES, ours, strict=True) if text in theirs]
    assert [i for i in shared if len(_words(by_id[i]["text"])) > 2] == []
    assert len(ours) == len(set(ours))


def _row_problems(row: dict[str, Any]) -> list[str]:
    """What in one conversation line breaks the first suite's schema (empty if nothing)."""
    expect = row["expect"]
    entries = [*expect["control"], *expect["refusals"], *expect["proposals"], *expect["appeals"]]
    checks = {
        "keys": set(row) == {"id", "file", "half", "kind", "format", "turns", "expect"},
        "dev half and x- id": row["half"] == "dev" and row["id"].startswith("x-"),
        "kind and format": row["kind"] in KINDS and row["format"] in FILE_FORMATS,
        "4 to 16 turns": 4 <= row["turns"] <= 16,
        "expect keys": set(expect) == EXPECT_KEYS,
        "turn numbers": all(1 <= e["turn"] <= row["turns"] for e in entries),
        "categories": all(
            e["category"] in CATEGORIES
            and set(e.get("also", [])) <= set(CATEGORIES) - {e["category"]}
            for e in expect["control"]
        ),
        "responses": all(
            e["response"] in RESPONSES and isinstance(e["capitulated"], bool)
            for e in expect["refusals"]
        ),
        "outcomes": all(e["outcome"] in OUTCOMES for e in expect["proposals"]),
        "appeal kinds": all(e["kind"] in ("guilt", "loyalty") for e in expect["appeals"]),
        "plan_of with decided_at": (expect["plan_of"] is None) == (expect["decided_at"] is None),
    }
    return [name for name, ok in checks.items() if not ok]


def test_conversation_lines_follow_the_first_suites_schema() -> None:
    assert {row["id"]: p for row in CONVERSATIONS if (p := _row_problems(row))} == {}
    ids = [row["id"] for row in CONVERSATIONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("row", CONVERSATIONS, ids=[row["id"] for row in CONVERSATIONS])
def test_conversation_loads_with_the_speakers_its_expectations_name(row: dict[str, Any]) -> None:
    path = EXTRA / row["file"]
    assert reader_for(path)[1] == FILE_FORMATS[row["format"]]
    assert FIRST_LINE[row["format"]].match(path.read_text(encoding="utf-8").splitlines()[0])
    (conversation,) = load(path)
    speakers = [u.speaker for u in conversation.utterances]
    expect = row["expect"]
    named = {
        (e["turn"], e["by"])
        for key in ("control", "refusals", "proposals", "appeals")
        for e in expect[key]
    }
    assert len(speakers) == row["turns"]
    if expect["plan_of"] is not None:
        assert expect["plan_of"] in speakers and 1 <= expect["decided_at"] <= len(speakers)
    assert {(turn, by) for turn, by in named if speakers[turn - 1] != by} == set()
    if row["format"] in ("android", "ios"):
        assert conversation.meta["platform"] == row["format"]


def test_conversation_coverage_kinds_formats_groups_and_benign_talk() -> None:
    assert len(CONVERSATIONS) >= 30
    formats = Counter(row["format"] for row in CONVERSATIONS)
    assert formats["android"] >= 6 and formats["ios"] >= 4 and formats["vtt"] >= 3
    assert formats["plain"] >= 6
    assert set(Counter(row["kind"] for row in CONVERSATIONS)) == set(KINDS)
    benign = [row for row in CONVERSATIONS if not row["expect"]["control"]]
    assert len(benign) >= 12
    assert {row["kind"] for row in benign} >= {"therapy", "mediation", "meeting", "family"}
    categories = {e["category"] for row in CONVERSATIONS for e in row["expect"]["control"]}
    assert categories == set(CATEGORIES)
    refusals = [r for row in CONVERSATIONS for r in row["expect"]["refusals"]]
    assert {r["response"] for r in refusals} == set(RESPONSES)
    assert any(r["capitulated"] for r in refusals) and not all(r["capitulated"] for r in refusals)
    outcomes = {p["outcome"] for row in CONVERSATIONS for p in row["expect"]["proposals"]}
    assert outcomes >= {"accepted", "countered", "rejected", "overridden"}
    groups = [row for row in CONVERSATIONS if len({*_speakers(row)}) >= 3]
    assert len(groups) >= 12
    files = {row["file"] for row in CONVERSATIONS}
    on_disk = {p.relative_to(EXTRA).as_posix() for p in (EXTRA / "conversations").iterdir()}
    assert files == on_disk


def _speakers(row: dict[str, Any]) -> list[str]:
    (conversation,) = load(EXTRA / row["file"])
    return [u.speaker for u in conversation.utterances]
