"""The issue-14 challenge suite (tests/data/challenge) is well formed and its test half is frozen.

This checks the suite itself: valid JSON with the fields and values its README defines, a benign
twin for every control item in the same group and half, the coverage the issue asks for, every
conversation file loading with ``powerlens.readers.load`` and holding the turns (and speakers)
its expectations name, the halves following ``split.py``'s seeded rule, and the hashes in
``FROZEN.md``. It does not score powerlens's readings: that is the reading's validation.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from helpers import REPO
from powerlens.readers import load, reader_for

SUITE = REPO / "tests" / "data" / "challenge"
CATEGORIES = (
    "monitoring",
    "isolation",
    "economic_control",
    "intimidation",
    "deciding_for_another",
    "degradation",
    "regulating_everyday_life",
)
SIX_FORMS = ("imperative", "modal", "want_you_to", "conditional", "question", "indirect")
FORMS = (*SIX_FORMS, "statement")
ACTS = (
    "directive",
    "request",
    "prohibition",
    "question",
    "offer",
    "proposal",
    "acceptance",
    "refusal",
    "commitment",
    "threat",
    "promise",
    "appeal_guilt",
    "appeal_loyalty",
    "dismissal",
    "statement",
)
TARGETS = ("self", "addressee", "third", "none")
ABOUT = (
    "whereabouts_contact",
    "people",
    "money_property",
    "time_everyday",
    "work_study",
    "body",
    "other",
    None,
)
STANCES = ("over", "with", "to", None)
BASES = ("expert", "referent", "legitimate", "coercive", "reward", "informational")
KINDS = (
    "couple",
    "family",
    "meeting",
    "mediation",
    "therapy",
    "friends",
    "roommates",
    "negotiation",
    "chat",
)
RESPONSES = ("respected", "pressured", "punished", "unanswered")
OUTCOMES = ("accepted", "countered", "rejected", "overridden", "deferred", "ignored")
FILE_FORMATS = {"plain": "plain", "android": "whatsapp", "ios": "whatsapp", "vtt": "vtt"}
FIRST_LINE = {
    "android": re.compile(r"^\d{2}/\d{2}/\d{4}, \d{2}:\d{2} - "),
    "ios": re.compile(r"^\u200e?\[\d{2}/\d{2}/\d{4}, \d{2}:\d{2}:\d{2}\] "),
    "vtt": re.compile(r"^WEBVTT"),
    "plain": re.compile(r"^[^\W\d_][^:]{0,40}: "),
}


def _jsonl(name: str) -> list[dict[str, Any]]:
    lines = (SUITE / name).read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), f"{name} has blank lines"
    return [json.loads(line) for line in lines]


def _split_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("challenge_split", SUITE / "split.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


UTTERANCES = _jsonl("utterances.jsonl")
CONVERSATIONS = _jsonl("conversations.jsonl")


def test_utterances_have_the_fields_and_values_the_readme_defines() -> None:
    keys = {"id", "group", "half", "speaker", "addressee", "others", "context", "text"}
    keys |= {"form", "style", "expect"}
    for item in UTTERANCES:
        assert set(item) == keys, item["id"]
        assert item["half"] in ("test", "dev"), item["id"]
        assert item["speaker"] and item["addressee"] and item["text"].strip(), item["id"]
        assert item["speaker"] != item["addressee"], item["id"]
        assert isinstance(item["others"], list), item["id"]
        assert item["context"] is None or item["context"].strip(), item["id"]
        assert item["form"] in FORMS and item["style"] in ("plain", "chat"), item["id"]
        expect = item["expect"]
        assert set(expect) <= {"control", "act", "target", "about", "stance", "base", "also"}
        assert expect["control"] in (*CATEGORIES, None), item["id"]
        assert expect["act"] in ACTS, item["id"]
        assert expect["target"] in TARGETS, item["id"]
        assert expect["about"] in ABOUT, item["id"]
        assert expect.get("stance") in STANCES, item["id"]
        assert expect.get("base", "expert") in BASES, item["id"]
        if expect["control"] is not None:
            assert expect["stance"] == "over", item["id"]
            also = expect.get("also", [])
            assert set(also) <= set(CATEGORIES) - {expect["control"]}, item["id"]
            if expect["act"] == "threat" and expect["control"] != "intimidation":
                assert "intimidation" in also, item["id"]
        else:
            assert "also" not in expect, item["id"]
    ids = [item["id"] for item in UTTERANCES]
    assert len(ids) == len(set(ids))


def test_every_control_item_has_a_benign_twin_in_its_group_and_half() -> None:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in UTTERANCES:
        groups[item["group"]].append(item)
    for group, members in groups.items():
        control = [m for m in members if m["expect"]["control"] is not None]
        benign = [m for m in members if m["expect"]["control"] is None]
        assert len({m["half"] for m in members}) == 1, group
        if control:
            assert len(control) == 1 and control[0]["id"] == group, group
            assert [m["id"] for m in benign] == [f"{group}-twin"], group
            assert benign[0]["style"] == control[0]["style"], group
            assert benign[0]["text"] != control[0]["text"], group
        else:
            assert [m["id"] for m in members] == [group], group


def test_coverage_every_category_in_six_forms_half_of_them_chat() -> None:
    control = [i for i in UTTERANCES if i["expect"]["control"] is not None]
    cells = Counter((i["expect"]["control"], i["form"]) for i in control)
    chat = Counter((i["expect"]["control"], i["form"]) for i in control if i["style"] == "chat")
    for category in CATEGORIES:
        for form in SIX_FORMS:
            assert cells[category, form] >= 4, (category, form)
            assert chat[category, form] * 2 >= cells[category, form], (category, form)
        assert sum(cells[category, f] for f in FORMS) >= 24, category
    others = [i for i in UTTERANCES if i["group"] == i["id"] and i["expect"]["control"] is None]
    assert len(UTTERANCES) >= 480
    assert len(others) >= 100
    acts = Counter(i["expect"]["act"] for i in others)
    for act in ("request", "proposal", "acceptance", "refusal", "commitment", "offer"):
        assert acts[act] >= 5, act
    for act in ("appeal_guilt", "appeal_loyalty", "dismissal"):
        assert acts[act] >= 3, act


def test_conversation_lines_have_the_fields_and_values_the_readme_defines() -> None:
    ids = [row["id"] for row in CONVERSATIONS]
    assert len(ids) == len(set(ids))
    for row in CONVERSATIONS:
        keys = {"id", "file", "half", "kind", "format", "turns", "expect"}
        assert set(row) == keys, row["id"]
        assert row["half"] in ("test", "dev") and row["kind"] in KINDS, row["id"]
        assert row["format"] in FILE_FORMATS and 4 <= row["turns"] <= 14, row["id"]
        expect = row["expect"]
        assert set(expect) == {
            "control",
            "refusals",
            "proposals",
            "plan_of",
            "decided_at",
            "appeals",
        }
        for entry in expect["control"]:
            assert entry["category"] in CATEGORIES, row["id"]
            assert set(entry.get("also", [])) <= set(CATEGORIES) - {entry["category"]}
        for entry in expect["refusals"]:
            assert entry["response"] in RESPONSES and isinstance(entry["capitulated"], bool)
        for entry in expect["proposals"]:
            assert entry["outcome"] in OUTCOMES, row["id"]
        for entry in expect["appeals"]:
            assert entry["kind"] in ("guilt", "loyalty"), row["id"]
        assert (expect["plan_of"] is None) == (expect["decided_at"] is None), row["id"]


@pytest.mark.parametrize("row", CONVERSATIONS, ids=[row["id"] for row in CONVERSATIONS])
def test_conversation_loads_and_has_the_turns_its_expectations_name(row: dict[str, Any]) -> None:
    path = SUITE / row["file"]
    assert reader_for(path)[1] == FILE_FORMATS[row["format"]]
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert FIRST_LINE[row["format"]].match(first), first
    (conversation,) = load(path)
    speakers = [u.speaker for u in conversation.utterances]
    assert len(speakers) == row["turns"]
    expect = row["expect"]
    entries = [*expect["control"], *expect["refusals"], *expect["proposals"], *expect["appeals"]]
    for entry in entries:
        assert 1 <= entry["turn"] <= len(speakers), entry
        assert speakers[entry["turn"] - 1] == entry["by"], entry
    if expect["plan_of"] is not None:
        assert expect["plan_of"] in speakers
        assert 1 <= expect["decided_at"] <= len(speakers)


def test_conversation_coverage_kinds_formats_and_benign_talk() -> None:
    assert len(CONVERSATIONS) >= 48
    assert sum(row["turns"] for row in CONVERSATIONS) >= 350
    formats = Counter(row["format"] for row in CONVERSATIONS)
    assert formats["android"] >= 6 and formats["ios"] >= 4 and formats["vtt"] >= 3
    assert {row["kind"] for row in CONVERSATIONS if row["format"] == "vtt"} >= {
        "meeting",
        "therapy",
    }
    assert set(Counter(row["kind"] for row in CONVERSATIONS)) == set(KINDS)
    assert sum(1 for row in CONVERSATIONS if not row["expect"]["control"]) >= 16
    responses = Counter(r["response"] for row in CONVERSATIONS for r in row["expect"]["refusals"])
    assert all(responses[response] for response in RESPONSES)
    files = {row["file"] for row in CONVERSATIONS}
    on_disk = {p.relative_to(SUITE).as_posix() for p in (SUITE / "conversations").iterdir()}
    assert files == on_disk


def test_halves_follow_the_seeded_split_rule() -> None:
    items, rows = _split_module().assigned()
    assert [i["half"] for i in items] == [i["half"] for i in UTTERANCES]
    assert [r["half"] for r in rows] == [r["half"] for r in CONVERSATIONS]
    kinds = Counter((row["kind"], row["half"]) for row in CONVERSATIONS)
    for kind in KINDS:
        assert abs(kinds[kind, "test"] - kinds[kind, "dev"]) <= 1, kind
    cats = Counter(
        (i["expect"]["control"], i["half"]) for i in UTTERANCES if i["expect"]["control"]
    )
    for category in CATEGORIES:
        assert cats[category, "test"] == cats[category, "dev"], category


def _frozen_block(tag: str) -> list[tuple[str, str]]:
    text = (SUITE / "FROZEN.md").read_text(encoding="utf-8")
    match = re.search(rf"```{tag}\n(.*?)```", text, re.DOTALL)
    assert match, f"FROZEN.md has no ```{tag} block"
    pairs = [line.split("  ", 1) for line in match[1].splitlines() if line.strip()]
    return [(digest, name) for digest, name in pairs]


def test_frozen_hashes_match() -> None:
    split = _split_module()
    files = _frozen_block("sha256sum")
    named = {name for _, name in files}
    test_files = {row["file"] for row in CONVERSATIONS if row["half"] == "test"}
    assert named == {"utterances.jsonl", "conversations.jsonl"} | test_files
    for digest, name in files:
        assert split.sha256(SUITE / name) == digest, f"{name} changed since it was frozen"
    for digest, name in _frozen_block("test-half"):
        path: Path = SUITE / name
        assert split.frozen_half_digest(path) == digest, f"the test half of {name} changed"
