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
    # measured on this sample: accuracy 0.680, macro-F1 0.653, AUC 0.746; before the prior
    # shift accuracy 0.767
    d = result["mentalmanip"]["detection"]
    assert d["n"] == 150
    assert d["accuracy"] >= 0.64
    assert d["macro_f1"] >= 0.60
    assert d["auc"] >= 0.70
    assert result["mentalmanip"]["detection_at_training_rate"]["accuracy"] >= 0.72


def test_validation_tactics_reament_detection(result: dict[str, Any]) -> None:
    # measured: AUC 0.678; accuracy 0.553 at the 0.5 base rate, 0.780 before the shift
    d = result["reament"]["detection"]
    assert d["auc"] >= 0.63
    assert d["accuracy"] >= 0.50
    assert result["reament"]["detection_at_training_rate"]["accuracy"] >= 0.72


def test_validation_tactics_calibrated(result: dict[str, Any]) -> None:
    # measured: ECE 0.024 (reweighted to the 0.5 base rate), 0.033 before the shift
    mm = result["mentalmanip"]
    assert mm["base_rate"] == 0.5
    assert mm["reliability"]["ece"] <= 0.08
    assert mm["reliability_at_training_rate"]["ece"] <= 0.08


def test_validation_tactics_benign_quiet(result: dict[str, Any]) -> None:
    # measured: 1 of 46 non-manipulative MentalManip dialogues (0.022), 0 of 39 everyday
    assert result["everyday"]["n"] >= 39
    assert result["everyday"]["false_alarm"] == 0.0
    assert result["mentalmanip"]["signal_false_alarm"] <= 0.07
    assert result["mentalmanip"]["signal_recall"] >= 0.10


def test_validation_tactics_grounding(result: dict[str, Any]) -> None:
    # measured: 0.769 of 26 flagged turns lie in an annotator-marked turn
    assert result["grounding"]["precision"] >= 0.65


def test_validation_tactics_speed(result: dict[str, Any]) -> None:
    # measured about 1,400 dialogues/s here; a low floor because CI cores are shared
    assert result["speed"]["n"] == 150
    assert result["speed"]["median"] >= 300


def test_validation_tactics_to_markdown(result: dict[str, Any]) -> None:
    from powerlens.validation.tactics import to_markdown

    text = to_markdown(result)
    assert "MentalManip valid" in text and "Reliability" in text
