"""Floors for the learned moves models (``validation.moves_models``) beside the rules.

Measured when written, on the frozen test halves, once (docs/validation.md): challenge suite,
model alone recall 0.36, benign false alarms 0.11, the rules AND model gate 0.36 / 0.10 (rules
0.41 / 0.16); after merging main's newer rules 0.37 / 0.11 and 0.37 / 0.10 (rules 0.42 / 0.17);
CaSiNo quick sample (every tenth test-half dialogue), Power With model precision
0.50, recall 0.57. The control model reads the rules' features, so its floors move with the
rules; the Power With model reads words only. Bounds sit just past the measured values.
"""

from __future__ import annotations

from typing import Any

import pytest

from powerlens.validation import data_root, moves_models


@pytest.fixture(scope="module")
def quick() -> dict[str, Any]:
    result = moves_models.run(data_root(), quick=True)
    if result is None:
        pytest.skip("the moves models (src/powerlens/models/moves-*.npz) are absent")
    return result


def test_moves_models_control_floors_on_the_challenge_test_half(quick: dict[str, Any]) -> None:
    test = quick["control_test"]
    assert test["rules"]["control_items"] == 91 and test["rules"]["benign_items"] == 167
    model, gate = test["variants"]["model"], test["variants"]["rules_and_model"]
    assert model["recall_all"] >= 0.33 and model["false_alarm_rate"] <= 0.13
    assert gate["recall_all"] >= 0.33 and gate["false_alarm_rate"] <= 0.12
    assert set(model["verdict"]) == {"recall_gain", "false_alarms", "turns", "adopt"}


def test_moves_models_with_floors_on_the_casino_quick_sample(quick: dict[str, Any]) -> None:
    if "with_test" not in quick:
        pytest.skip("shared data (../shared/data/casino) is absent; set POWERLENS_DATA")
    test = quick["with_test"]
    assert test["utterances"] == 177
    model = test["variants"]["model"]
    assert model["precision"] >= 0.48 and model["recall"] >= 0.55
    assert model["f1"] > test["rules"]["power_with"]["f1"]


def test_moves_models_outside_negotiations_are_counted(quick: dict[str, Any]) -> None:
    stance = quick["stance_items"]
    assert (stance["with:items"], stance["other:items"]) == (99, 165)
    assert {k: v["utterances"] for k, v in quick["firing"].items() if k != "annomi_high"} == {
        "everyday": 116,
        "benign": 223,
    }
    assert set(quick["beyond_negotiation"]["model"]) == {"stance_with", "everyday"}


def test_moves_models_markdown_attributes_casino_and_names_the_halves(
    quick: dict[str, Any],
) -> None:
    text = moves_models.to_markdown(quick)
    assert "Learned moves models" in text and "Frozen test half" in text
    if "with_test" in quick:
        assert "Chawla" in text and "CC BY 4.0" in text
