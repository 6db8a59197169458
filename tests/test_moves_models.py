"""The learned moves models (``measures.moves.models``): the shipped files load as plain arrays,
answers are deterministic and do not depend on what was read or cached before, odd input gets
an answer, and training's matrices score exactly as inference does. No timed tests: speed is
``bench/moves_models_speed.py``."""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from powerlens.errors import PowerlensError
from powerlens.language import acts
from powerlens.measures.moves import models as moves_models
from powerlens.measures.moves.models import (
    control_probabilities,
    from_arrays,
    load,
    model_files,
    with_probability,
)
from powerlens.validation.moves_models_data import CONTROL_HEADS, WITH_HEADS

REPO = Path(__file__).resolve().parents[1]


def _fit_module() -> ModuleType:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        return importlib.import_module("moves_fit")
    finally:
        sys.path.remove(str(REPO / "scripts"))


@pytest.mark.parametrize(("name", "heads"), [("control", CONTROL_HEADS), ("with", WITH_HEADS)])
def test_moves_model_files_are_plain_arrays_with_meta(name: str, heads: tuple[str, ...]) -> None:
    arrays, meta = model_files(name)
    with arrays.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
        assert sorted(data.files) == ["bias", "buckets", "weights"]
        buckets = data["buckets"]
        assert data["weights"].shape == (len(buckets), len(heads))
        assert data["weights"].dtype == np.float32
        assert np.all(np.diff(buckets) > 0)
    model = load(name)
    assert model.heads == heads
    assert set(model.meta["decisions"]) >= {"model", "rules_or_model", "rules_and_model"}
    assert meta.read_text(encoding="utf-8").startswith("{")
    licence = (REPO / "src" / "powerlens" / "models" / f"LICENSE-moves-{name}.txt").read_text()
    assert ("CC BY 4.0" in licence and "Chawla" in licence) if name == "with" else "MIT" in licence


def test_moves_models_answer_every_head_between_zero_and_one() -> None:
    p = control_probabilities("Send me a photo of the room you're in. Now.")
    assert list(p) == list(CONTROL_HEADS)
    assert all(0.0 <= v <= 1.0 for v in p.values())
    assert 0.0 <= with_probability("How about you take the food and I take the water?") <= 1.0


def test_moves_models_read_the_difference_they_were_trained_on() -> None:
    proof = control_probabilities("Send me a photo of the room you're in. Now.")
    view = control_probabilities("Send me a photo of the cake when she cuts it!")
    assert proof["monitoring"] > view["monitoring"]
    assert proof["any"] > view["any"]
    trade = with_probability("How about I take 2 firewood and you take 2 water?")
    need = with_probability("I really need the firewood, my kids get cold at night.")
    assert trade > need


def test_moves_models_are_deterministic_and_cache_independent() -> None:
    texts = ["wya send me ur loc rn", "let's split the water evenly?", "No.", ""]
    first = [(control_probabilities(t), with_probability(t)) for t in texts]
    acts.read.cache_clear()
    acts.topics_of.cache_clear()
    acts.marks_of.cache_clear()
    load.cache_clear()
    moves_models._BUCKETS.clear()
    again = [(control_probabilities(t), with_probability(t)) for t in reversed(texts)]
    assert first == list(reversed(again))


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\x00\x1b[31m\u202e", "😍" * 50, "ok " * 20_000, "<script>alert(1)</script>"],
)
def test_moves_models_answer_odd_input(text: str) -> None:
    values = [*control_probabilities(text).values(), with_probability(text)]
    assert all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values)


def test_moves_models_refuse_unknown_names_and_bad_arrays() -> None:
    with pytest.raises(PowerlensError, match=r"\[PL200\] unknown moves model 'nope'"):
        load("nope")
    arrays = {"buckets": np.arange(3), "weights": np.zeros((3, 2)), "bias": np.zeros(1)}
    with pytest.raises(ValueError, match="shapes differ"):
        from_arrays(arrays, {"heads": ["a", "b"]})


@pytest.mark.parametrize(("chars", "rule_weight"), [(False, 1.0), (True, 0.5), (False, 0.0)])
def test_training_matrices_score_as_inference_does(chars: bool, rule_weight: float) -> None:
    fit = _fit_module()
    texts = [
        "Send me your location now.",
        "send me a pic of the view!!",
        "You're not seeing Priya again.",
        "Let's see Priya on Friday?",
        "Give me your bank card.",
        "Can I borrow a fiver?",
    ]
    y = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    rows = fit.rows_of(texts, chars)
    vocab = fit.vocabulary(rows, rule_weight)
    w, b = fit.fit(fit.matrix(rows, vocab, rule_weight), y, 10.0)
    trained = fit.predict(fit.matrix(rows, vocab, rule_weight), w, b)
    model = from_arrays(
        {"buckets": vocab, "weights": w.astype(np.float32), "bias": b.astype(np.float32)},
        {"heads": ["a", "b"], "chars": chars, "rule_weight": rule_weight},
    )
    served = np.array([list(model.probabilities(t).values()) for t in texts])
    assert np.abs(trained - served).max() < 1e-5
    assert trained[0, 0] > 0.5 > trained[1, 0]


def test_group_folds_keep_groups_together_and_are_stable() -> None:
    fit = _fit_module()
    groups = ["a", "a", "b", "c", "c", "d", "e", "f", "g"]
    folds = fit.group_folds(groups, folds=3)
    assert folds.tolist() == fit.group_folds(list(groups), folds=3).tolist()
    for g in set(groups):
        assert len({int(f) for f, h in zip(folds, groups, strict=True) if h == g}) == 1
    assert set(folds.tolist()) == {0, 1, 2}


def test_moves_models_negotiation_context_reads_power_with_by_the_model() -> None:
    from powerlens.measures.base import Options
    from powerlens.measures.moves import MOVES, NEGOTIATION
    from powerlens.model import Conversation, Utterance

    turns = (
        Utterance("u0", "A", "What do you need most for your trip?"),
        Utterance("u1", "B", "Water. How about I take 3 water and you take all the firewood?"),
    )
    plain = MOVES.finalize(MOVES.map(Conversation("c", turns), [], Options()))
    tagged = MOVES.finalize(
        MOVES.map(Conversation("c", turns, context=(NEGOTIATION,)), [], Options())
    )
    with_ = [s for s in tagged.signals if s.label == "power_with"]
    assert with_ and all(s.source == "model:moves-with" and s.subtype == "coordination" for s in with_)
    assert all(s.source.startswith("rule:") for s in plain.signals if s.label == "power_with")
