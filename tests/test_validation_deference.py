"""Politeness validation on the Stanford Politeness Corpus (quick, fixed sample); skipped without data."""

from __future__ import annotations

import pytest

from powerlens.validation import data_root

ROOT = data_root()
pytestmark = pytest.mark.skipif(
    ROOT is None or not (ROOT / "stanford_politeness").is_dir(),
    reason="Stanford Politeness Corpus not present (../shared/data/stanford_politeness)",
)


@pytest.fixture(scope="module")
def result() -> dict:
    from powerlens.validation import deference

    assert ROOT is not None
    return deference.run(ROOT, quick=True)


def test_validation_deference_wikipedia_in_domain(result: dict) -> None:
    # Measured on the quick sample: 81.0% accuracy, Spearman 0.590.
    m = result["results"]["wikipedia_in_domain/ling"]
    assert m["n_binary"] == 600
    assert m["accuracy"] >= 0.77
    assert m["spearman"] >= 0.55


def test_validation_deference_stack_exchange_in_domain(result: dict) -> None:
    # Measured on the quick sample: 64.7% accuracy, Spearman 0.281.
    m = result["results"]["stack_exchange_in_domain/ling"]
    assert m["accuracy"] >= 0.61
    assert m["spearman"] >= 0.24


def test_validation_deference_cross_domain(result: dict) -> None:
    # Measured: Wikipedia -> Stack Exchange 64.3%, Stack Exchange -> Wikipedia 68.3%.
    assert result["results"]["wikipedia_to_stack_exchange/ling"]["accuracy"] >= 0.60
    assert result["results"]["stack_exchange_to_wikipedia/ling"]["accuracy"] >= 0.64


def test_validation_deference_markdown(result: dict) -> None:
    from powerlens.validation import deference

    text = deference.to_markdown(result)
    assert "| Wikipedia, in-domain | 600 |" in text
    assert "86.7%" in text
