"""Floors on the challenge suite's frozen test half (issue 14; ``tests/data/challenge``).

Measured when written (test half): utterance recall 0.47 over 91 control items, benign false
alarms 0.19 over 167 benign items; conversations: control acts found 0.29, benign
conversations flagged 0.06. Measured at the close of the speech-act work: recall 0.42, false
alarms 0.17, control acts found 0.32, benign conversations flagged 0.00 (fewer false alarms,
some recall lost). After the compositional round (offer-softening, back-references, evaluations
of the person): recall 0.49, false alarms 0.16, control acts found 0.35, benign conversations
flagged 0.00. After round 4 (general rules for the weakest categories, a plan overruled):
recall 0.53, false alarms 0.16, control acts found 0.39, benign conversations flagged 0.00.
Floors sit just past the latest figures to catch regressions; issue 14's goals are
recall >= 0.85 and false alarms <= 0.05. The dev half is for tuning and has no floor here.
"""

from __future__ import annotations

from typing import Any

import pytest

from powerlens.validation import challenge


@pytest.fixture(scope="module")
def test_half() -> dict[str, Any]:
    result = challenge.run("test")
    if result is None:
        pytest.skip("the challenge suite (tests/data/challenge) is absent")
    return result


def test_validation_challenge_test_half_utterance_floors(test_half: dict[str, Any]) -> None:
    utterances = test_half["utterances"]
    assert utterances["control_items"] == 91 and utterances["benign_items"] == 167
    assert utterances["recall_all"] >= 0.52
    assert utterances["false_alarm_rate"] <= 0.17


def test_validation_challenge_test_half_conversation_floors(test_half: dict[str, Any]) -> None:
    conversations = test_half["conversations"]
    assert conversations["control_recall"] >= 0.38
    assert conversations["benign_conversations_flagged"] <= 0.05


def test_validation_challenge_markdown_names_the_half(test_half: dict[str, Any]) -> None:
    assert "Challenge suite, test half" in challenge.to_markdown(test_half)
