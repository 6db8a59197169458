"""Ceilings and floors for the moves validation (issue 14): benign talk stays quiet (the
hand-written sets always; AnnoMI and CaSiNo when ``../shared/data`` is present), and the
MentalManip / ReaMent coercion checks.

Values measured on the quick sample when written are in the comments; each bound is set just
past them so that a regression fails, and is to be tightened as the readings improve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from powerlens.model import Conversation, Utterance
from powerlens.validation import data_root
from powerlens.validation.moves import BENIGN, EVERYDAY, benign, quiet, run, to_markdown


def _root() -> Path:
    root = data_root()
    needed = ("mentalmanip", "reament", "annomi", "casino")
    if root is None or not all((root / name).is_dir() for name in needed):
        pytest.skip(f"shared data (../shared/data/{{{','.join(needed)}}}) is absent")
    return root


@pytest.fixture(scope="module")
def quick() -> dict[str, Any]:
    return run(_root(), quick=True)


def test_validation_moves_quiet_counts_alarms_and_their_rules() -> None:
    conversation = Conversation(
        id="c",
        utterances=(
            Utterance("c:1", "A", "Where were you? Send me a photo of where you are right now."),
            Utterance("c:2", "B", "I was at the shop, sorry."),
            Utterance("c:3", "A", "Can you pass the salt?"),
        ),
    )
    result = quiet([conversation])
    assert result["conversations"] == 1 and result["utterances"] == 3
    assert result["alarm_utterances"] == 1
    assert result["alarm_rate_per_conversation"] == 1.0
    assert result["sources"] and result["sources"][0]["example"].startswith("c:1: ")
    assert quiet([conversation], show_text=False)["sources"][0]["example"] == "c:1"


@pytest.mark.parametrize(
    ("folder", "conversations", "per_conversation", "per_utterance"),
    # measured: everyday 1 of 18 conversations, 1 of 116 utterances; benign 4 of 21, 4 of 223
    [(EVERYDAY, 18, 0.12, 0.015), (BENIGN, 21, 0.25, 0.025)],
)
def test_validation_moves_hand_written_sets_stay_quiet(
    folder: Path, conversations: int, per_conversation: float, per_utterance: float
) -> None:
    result = benign(folder)
    assert result is not None
    assert result["conversations"] == conversations
    assert result["alarm_rate_per_conversation"] <= per_conversation
    assert result["alarm_rate_per_utterance"] <= per_utterance


def test_validation_moves_real_benign_talk_ceilings(quick: dict[str, Any]) -> None:
    sets = quick["benign_talk"]
    # measured per utterance: AnnoMI high 1.8% (23 of 1249), CaSiNo dev 2.0%, test 2.8%
    assert sets["annomi_high"]["conversations"] == 17
    assert sets["annomi_high"]["alarm_rate_per_utterance"] <= 0.025
    assert sets["casino_dev"]["alarm_rate_per_utterance"] <= 0.03
    assert sets["casino_test"]["alarm_rate_per_utterance"] <= 0.035
    # per conversation: AnnoMI 65% (long sessions), CaSiNo dev 19%, test 22%
    assert sets["annomi_high"]["alarm_rate_per_conversation"] <= 0.75
    assert sets["casino_test"]["alarm_rate_per_conversation"] <= 0.28
    assert sets["casino_test"]["control_rate_per_conversation"] <= 0.22


def test_validation_moves_coercion_floors(quick: dict[str, Any]) -> None:
    # measured: Intimidation P 0.197 R 0.576; manipulative P 0.832, FPR 0.25; ReaMent P 0.849
    # R 0.371
    intimidation = quick["mentalmanip"]["intimidation"]
    assert intimidation["recall"] >= 0.5
    assert intimidation["precision"] >= 0.17
    manipulative = quick["mentalmanip"]["manipulative"]
    assert manipulative["precision"] >= 0.78
    assert manipulative["false_positive_rate"] <= 0.3
    reament = quick["reament"]["manipulative"]
    assert reament["precision"] >= 0.8
    assert reament["recall"] >= 0.32


def test_validation_moves_markdown_lists_sets_and_sources(quick: dict[str, Any]) -> None:
    text = to_markdown(quick)
    for part in ("AnnoMI high-quality MI", "CaSiNo test half", "Where the alarms come from",
                 "Intimidation"):  # fmt: skip
        assert part in text
