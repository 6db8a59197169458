"""Floors for the tactic validation on a fixed sample (150 valid dialogues of each data set, at
most 40 conversations of each outside set)."""

from __future__ import annotations

from typing import Any

import pytest

from powerlens.validation import data_root

ROOT = data_root()
pytestmark = pytest.mark.skipif(
    ROOT is None
    or not all((ROOT / name).is_dir() for name in ("mentalmanip", "reament", "annomi", "casino")),
    reason="needs ../shared/data/{mentalmanip,reament,annomi,casino} (not shipped with the repo)",
)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    from powerlens.validation.tactics import run

    assert ROOT is not None
    return run(ROOT, quick=True)


def test_validation_tactics_mentalmanip_detection(result: dict[str, Any]) -> None:
    # measured on this sample: accuracy 0.660, macro-F1 0.593, AUC 0.658 (baseline 0.747 /
    # 0.659 / 0.720): issue 19's bar is NOT met on MentalManip; these are regression floors
    d = result["models"]["mentalmanip"]["mentalmanip"]["detection"]
    assert d["n"] == 150
    assert d["accuracy"] >= 0.62
    assert d["macro_f1"] >= 0.55
    assert d["auc"] >= 0.62


def test_validation_tactics_reament_detection(result: dict[str, Any]) -> None:
    # measured on this sample: AUC 0.666 / 0.647, accuracy 0.673 / 0.693 (default / reament)
    for name in ("mentalmanip", "reament"):
        d = result["models"][name]["reament"]["detection"]
        assert d["auc"] >= 0.60
        assert d["accuracy"] >= 0.63


def test_validation_tactics_baseline_in_the_same_run(result: dict[str, Any]) -> None:
    for data in ("mentalmanip", "reament"):
        b = result["baseline"][data]
        assert b["n"] == 150
        assert 0.55 <= b["accuracy"] <= 0.85
        assert 0.55 <= b["auc"] <= 0.85


def test_validation_tactics_calibrated(result: dict[str, Any]) -> None:
    # measured on this sample: ECE 0.147 at the stated base rate, 0.080 at the training mix
    mm = result["models"]["mentalmanip"]["mentalmanip"]
    assert 0.5 <= mm["base_rate"] <= 0.7
    assert mm["reliability"]["ece"] <= 0.2
    assert mm["reliability_at_training_rate"]["ece"] <= 0.12


def test_validation_tactics_outside_quiet(result: dict[str, Any]) -> None:
    # Issue 19: ordinary conversations from outside the training data. Measured on this sample
    # (default model): AnnoMI high 0.075 at >= 0.5 and 0.075 with a finding, CaSiNo 0.05 / 0,
    # everyday 0.154 / 0 (the targets, 0.10 / 0.05, are missed on everyday and on AnnoMI
    # findings); before this change AnnoMI was 0.95 / 0.54 and CaSiNo 0.63.
    for name in ("mentalmanip", "reament"):
        outside = result["models"][name]["outside"]
        assert outside["everyday"]["n"] >= 39
        for key in ("annomi_high", "casino"):
            assert outside[key]["finding"] <= 0.10, (name, key)
            assert outside[key]["at_or_above_0.5"] <= 0.10, (name, key)
        assert outside["everyday"]["finding"] == 0.0
        assert outside["everyday"]["at_or_above_0.5"] <= 0.25


def test_validation_tactics_length_test(result: dict[str, Any]) -> None:
    for name in ("mentalmanip", "reament"):
        # windows of a repeated exchange hold it twice: sublinear counts and rule-turn counts
        # move a little (measured largest rise 0.029 default, 0.008 reament; means fall)
        test = result["models"][name]["length_test"]
        assert test["largest_rise"] <= 0.04
        assert test["mean"]["20"] <= test["mean"]["1"]


def test_validation_tactics_benign_quiet(result: dict[str, Any]) -> None:
    mm = result["models"]["mentalmanip"]["mentalmanip"]
    assert mm["signal_false_alarm"] <= 0.07
    assert mm["signal_recall"] >= 0.10


def test_validation_tactics_grounding(result: dict[str, Any]) -> None:
    assert result["models"]["mentalmanip"]["grounding"]["precision"] >= 0.65


def test_validation_tactics_speed_is_measured(result: dict[str, Any]) -> None:
    # measured, never asserted against the clock (timed tests are flaky on shared cores):
    # the figure is in docs/validation.md
    assert result["speed"]["n"] == 150
    assert result["speed"]["median"] > 0


def test_validation_tactics_to_markdown(result: dict[str, Any]) -> None:
    from powerlens.validation.tactics import to_markdown

    text = to_markdown(result)
    assert "MentalManip valid" in text and "TF-IDF + LR baseline" in text
    assert "AnnoMI high-quality" in text and "Length test" in text
