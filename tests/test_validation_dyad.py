"""Floors for the dyad validation on AnnoMI's fixed quick sample (issue 8); skips without data."""

from __future__ import annotations

import pytest

from powerlens.validation import data_root

ROOT = data_root()
pytestmark = pytest.mark.skipif(
    ROOT is None or not (ROOT / "annomi" / "AnnoMI-simple.csv").is_file(),
    reason="AnnoMI is not in ../shared/data (set POWERLENS_DATA to run the validation tests)",
)


@pytest.fixture(scope="module")
def result() -> dict:  # type: ignore[type-arg]
    from powerlens.validation import dyad

    assert ROOT is not None
    return dyad.run(ROOT, quick=True)


def test_validation_dyad_session_auc(result: dict) -> None:  # type: ignore[type-arg]
    session = result["session"]
    assert session["low"] >= 5 and session["high"] >= 25
    assert session["auc"] >= 0.85  # measured 0.908 on the quick sample
    assert session["mean_index"]["low"] > session["mean_index"]["high"]


def test_validation_dyad_question_detector(result: dict) -> None:  # type: ignore[type-arg]
    exists = result["utterance"]["exists"]
    assert exists["question"]["f1"] >= 0.80
    assert exists["open"]["f1"] >= 0.65


def test_validation_dyad_reflection_detector(result: dict) -> None:  # type: ignore[type-arg]
    exists = result["utterance"]["exists"]
    assert exists["reflection"]["f1"] >= 0.45
    assert result["session"]["helper_detected"] >= 0.85


def test_validation_dyad_markdown(result: dict) -> None:  # type: ignore[type-arg]
    from powerlens.validation import dyad

    assert "AUC" in dyad.to_markdown(result)
