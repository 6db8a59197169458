"""Accommodation and pronoun status on Supreme Court oral arguments (fixed quick sample)."""

from __future__ import annotations

from typing import Any

import pytest

from powerlens.validation import data_root

ROOT = data_root()
pytestmark = pytest.mark.skipif(
    ROOT is None or not (ROOT / "scotus_oyez").is_dir(),
    reason="needs ../shared/data/scotus_oyez (the Oyez transcripts); not in a user's clone",
)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    from powerlens.validation.accommodation import run

    assert ROOT is not None
    return run(ROOT, quick=True)


def test_validation_accommodation_both_directions_coordinate(result: dict[str, Any]) -> None:
    # coordination exists in both directions: every aggregate interval lies above zero
    for direction in ("advocates_to_justices", "justices_to_advocates"):
        for name in ("agg1", "agg2", "agg3"):
            lo, _ = result[direction]["aggregate_ci"][name]
            assert lo > 0.01, (direction, name)
    assert result["advocates_to_justices"]["n_exchanges"] > 8000


def test_validation_accommodation_direction_is_not_the_papers(result: dict[str, Any]) -> None:
    # measured (docs/validation.md): on Oyez 2000-2009 the paper's direction (advocates
    # coordinating more) does not reproduce; the difference is not significant
    a2j, j2a = result["advocates_to_justices"], result["justices_to_advocates"]
    assert a2j["p_value"] > 0.05
    assert a2j["aggregate"]["agg3"] < j2a["aggregate"]["agg3"] + 0.005


def test_validation_pronoun_status_you_separates_justices(result: dict[str, Any]) -> None:
    ps = result["pronoun_status"]
    assert ps["you_rate"]["auc"] > 0.8
    assert ps["you_rate"]["cohens_d"] > 1.0
    assert ps["status_index"]["auc"] > 0.65
    # against Kacewicz et al.: justices use "I" more here, not less
    assert ps["i_rate"]["cohens_d"] > 0.2
