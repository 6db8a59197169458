"""Floors for the moves validation: benign false alarms (always) and real data (when present)."""

from __future__ import annotations

import pytest

from powerlens.validation import data_root
from powerlens.validation.moves import benign, run, to_markdown


def test_validation_moves_benign_false_alarm_ceiling() -> None:
    result = benign()
    assert result is not None
    assert result["conversations"] >= 15
    assert result["rate_per_utterance"] <= 0.02
    assert result["rate_per_conversation"] <= 0.15


def test_validation_moves_real_data_floors() -> None:
    root = data_root()
    if root is None or not (root / "mentalmanip").is_dir() or not (root / "reament").is_dir():
        pytest.skip("shared data (../shared/data/mentalmanip, reament) is absent")
    result = run(root, quick=True)
    intimidation = result["mentalmanip"]["intimidation"]
    assert intimidation["recall"] >= 0.2
    assert intimidation["precision"] >= 0.15
    manipulative = result["mentalmanip"]["manipulative"]
    assert manipulative["precision"] >= 0.75
    assert manipulative["false_positive_rate"] <= 0.15
    reament = result["reament"]["manipulative"]
    assert reament["precision"] >= 0.75
    assert reament["recall"] >= 0.1
    assert "Intimidation" in to_markdown(result)
