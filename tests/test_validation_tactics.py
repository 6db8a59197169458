"""Floors for the tactic validation on a fixed sample (150 valid dialogues of each data set)."""

from __future__ import annotations

from typing import Any

import pytest

from powerlens.validation import data_root

ROOT = data_root()
pytestmark = pytest.mark.skipif(
    ROOT is None or not (ROOT / "mentalmanip").is_dir() or not (ROOT / "reament").is_dir(),
    reason="needs ../shared/data/mentalmanip and ../shared/data/reament (not shipped with the repo)",
)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    from powerlens.validation.tactics import run

    assert ROOT is not None
    return run(ROOT, quick=True)


def test_validation_tactics_mentalmanip_detection(result: dict[str, Any]) -> None:
    d = result["mentalmanip"]["detection"]
    assert d["n"] == 150
    assert d["accuracy"] >= 0.66
    assert d["auc"] >= 0.66


def test_validation_tactics_reament_detection(result: dict[str, Any]) -> None:
    d = result["reament"]["detection"]
    assert d["accuracy"] >= 0.62
    assert d["auc"] >= 0.58


def test_validation_tactics_calibrated(result: dict[str, Any]) -> None:
    assert result["mentalmanip"]["reliability"]["ece"] <= 0.12


def test_validation_tactics_benign_quiet(result: dict[str, Any]) -> None:
    assert result["everyday"]["false_alarm"] == 0.0
    assert result["mentalmanip"]["signal_false_alarm"] <= 0.12


def test_validation_tactics_grounding(result: dict[str, Any]) -> None:
    assert result["grounding"]["precision"] >= 0.6


def test_validation_tactics_to_markdown(result: dict[str, Any]) -> None:
    from powerlens.validation.tactics import to_markdown

    text = to_markdown(result)
    assert "MentalManip valid" in text and "Reliability" in text
