"""Two small learned readings beside the moves family's rules: control acts and Power With.

Trained by ``scripts/train_moves_models.py``, evaluated by ``validation.moves_models``. The
moves family reads Power With with ``moves-with`` in conversations whose context is negotiation
(where it beats the rules on CaSiNo's frozen test half); ``moves-control`` is not wired in (it
does not beat the rules on the challenge suite's frozen test half).

- ``moves-control``: per utterance, the probability of each control category (Duluth wheel;
  Stark 2007; ``measures.moves.control.CONTROL_CATEGORIES``) and of any control act, trained only
  on the dev half of the challenge suite (``tests/data/challenge``; the project's own, MIT).
- ``moves-with``: per utterance, the probability that it is *promote-coordination* or
  *elicit-pref* in CaSiNo's sense (Chawla et al., NAACL 2021; CC BY 4.0), with a head for each,
  trained only on the dev half of ``validation.casino``'s frozen split.

Features (``features``): hashed word uni- and bigrams of the normalised text
(``language.normalize``), optionally character 3-5-grams inside words, and the rule layer's own
reading (``language.acts.read``: act, act x target, act rule, topic, mark, and the control
categories of ``measures.moves.control.controls``), binary, weighted ``rule_weight`` for the rule
features, L2-normalised. Heads are linear (logistic). Each model is
``models/moves-<name>.npz`` (arrays only: ``buckets``, ``weights``, ``bias``; loaded with
``allow_pickle=False``) and ``models/moves-<name>.json`` (heads, featuriser settings,
thresholds, training figures, licence); both are read once, on first use.

Speed: the rule features reuse ``acts.read``'s cache, so inside an analysis that has already
read each utterance the model adds a dictionary lookup per feature and one small dot product.

Known limits: the control model has seen 91 control items, their twins and 212 conversation
turns, all by one author; the Power With model has seen campsite negotiations only.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from powerlens.errors import PowerlensError
from powerlens.language.acts import read
from powerlens.language.normalize import normalize
from powerlens.measures.moves.control import controls, proposal_kind, with_kind

MODELS = ("control", "with")
HASH_BITS = 20
_MASK = (1 << HASH_BITS) - 1
TOKEN = re.compile(r"@name|[a-z0-9]+(?:'[a-z]+)?|[?!]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
"""Words of the normalised, lower-cased text; ``?``, ``!`` and emoji count as words."""
_BUCKETS: dict[str, int] = {}
_BUCKET_MEMO = 500_000


def bucket(feature: str) -> int:
    """The hash bucket of a feature string (CRC-32, stable across processes)."""
    got = _BUCKETS.get(feature)
    if got is None:
        got = zlib.crc32(feature.encode("utf-8")) & _MASK
        if len(_BUCKETS) < _BUCKET_MEMO:
            _BUCKETS[feature] = got
    return got


def ngram_features(text: str, chars: bool) -> list[str]:
    """Word uni- and bigrams of the normalised text (and character 3-5-grams of each word), as
    strings: what ``ngram_buckets`` hashes."""
    words = TOKEN.findall(normalize(text).text.lower())
    found = ["w " + w for w in words]
    found += ["b " + a + " " + b for a, b in zip(["<s>", *words], [*words, "</s>"], strict=True)]
    if chars:
        for w in set(words):
            padded = f" {w} "
            found += [
                "c " + padded[i : i + n]
                for n in (3, 4, 5)
                for i in range(max(1, len(padded) - n + 1))
            ]
    return found


def ngram_buckets(text: str, chars: bool) -> set[int]:
    """The buckets of ``ngram_features`` (the same set), without building the bigram strings'
    memo: words and character n-grams recur and are memoised, bigrams mostly do not."""
    words = TOKEN.findall(normalize(text).text.lower())
    if chars:
        return {bucket(f) for f in ngram_features(text, chars)}
    crc, memo = zlib.crc32, _BUCKETS
    found = set()
    previous = "<s>"
    for w in words:
        key = "w " + w
        got = memo.get(key)
        found.add(bucket(key) if got is None else got)
        found.add(crc(f"b {previous} {w}".encode()) & _MASK)
        previous = w
    found.add(crc(f"b {previous} </s>".encode()) & _MASK)
    return found


def rule_features(text: str) -> list[str]:
    """The rule layer's reading as features: acts, targets, rules, and where some act was read,
    topics, marks and controls (as the moves family, which reads those only beside an act)."""
    reading = read(text)
    found = []
    for act in reading.acts:
        found += ["a " + act.act, f"at {act.act} {act.target}", "r " + act.rule]
        kind = with_kind(act)
        if kind is not None:
            found.append("with " + kind)
        if act.act == "proposal":
            found.append("proposal " + proposal_kind(act))
    if reading.acts:
        found += ["t " + t.domain for t in reading.topics]
        found += ["tr " + t.rule for t in reading.topics]
        found += ["c " + c.category for c in controls(reading)]
        found += ["m " + m for m in reading.marks]
    return found or ["none"]


def features(text: str, *, chars: bool, rules: bool) -> tuple[list[int], list[int]]:
    """Distinct hashed n-gram and rule features of one utterance (``rules``: with the rules')."""
    grams = ngram_buckets(text, chars)
    ruled = {bucket("rule " + f) for f in rule_features(text)} if rules else set()
    return sorted(grams), sorted(ruled)


@dataclass(frozen=True)
class MovesModel:
    """Linear heads over hashed features: a bucket -> row table, weights and biases."""

    buckets: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    meta: dict[str, Any]
    heads: tuple[str, ...] = field(init=False)
    _rows: dict[int, int] = field(init=False, repr=False, compare=False)
    _weights: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)
    _bias: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rows = {int(b): i for i, b in enumerate(self.buckets.tolist())}
        object.__setattr__(self, "heads", tuple(self.meta["heads"]))
        object.__setattr__(self, "_rows", rows)
        object.__setattr__(self, "_weights", self.weights.astype(np.float64))
        object.__setattr__(self, "_bias", self.bias.astype(np.float64))

    def logits(self, text: str) -> npt.NDArray[np.float64]:
        """Each head's log-odds for one utterance."""
        weight = float(self.meta["rule_weight"])
        grams = ngram_buckets(text, bool(self.meta["chars"]))
        ruled = {bucket("rule " + f) for f in rule_features(text)} if weight > 0 else set()
        norm = math.sqrt(len(grams) + weight * weight * len(ruled)) or 1.0
        get = self._rows.get
        rows = [r for r in map(get, grams) if r is not None]
        extra = [r for r in map(get, ruled) if r is not None]
        out = self._bias
        if rows:
            out = out + self._weights.take(rows, axis=0).sum(axis=0) / norm
        if extra:
            out = out + self._weights.take(extra, axis=0).sum(axis=0) * (weight / norm)
        return out

    def probabilities(self, text: str) -> dict[str, float]:
        """Each head's probability for one utterance."""
        p = 0.5 * (1.0 + np.tanh(0.5 * self.logits(text)))
        return dict(zip(self.heads, p.tolist(), strict=True))


def model_files(name: str) -> tuple[Any, Any]:
    """The shipped ``moves-<name>.npz`` and ``.json`` (Traversables; may be absent)."""
    folder = resources.files("powerlens.models")
    return folder.joinpath(f"moves-{name}.npz"), folder.joinpath(f"moves-{name}.json")


@cache
def load(name: str) -> MovesModel:
    """A shipped moves model (``control`` or ``with``), read once."""
    if name not in MODELS:
        raise PowerlensError(
            f"unknown moves model {name!r}", fix=f"choose one of: {', '.join(MODELS)}", code="PL200"
        )
    arrays, meta = model_files(name)
    if not (arrays.is_file() and meta.is_file()):
        raise PowerlensError(
            f"models/moves-{name}.npz or .json is missing from this install",
            fix="reinstall powerlens, or run: python scripts/train_moves_models.py",
            code="PL300",
        )
    try:
        with arrays.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            loaded = {k: data[k] for k in ("buckets", "weights", "bias")}
        return from_arrays(loaded, json.loads(meta.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as error:
        raise PowerlensError(
            f"models/moves-{name}: not a readable moves model ({error})",
            fix="reinstall powerlens, or run: python scripts/train_moves_models.py",
            code="PL300",
        ) from error


def from_arrays(arrays: dict[str, Any], meta: dict[str, Any]) -> MovesModel:
    """A model from its arrays and meta (the training script builds its fold models so too)."""
    weights = np.asarray(arrays["weights"], dtype=np.float32)
    bias = np.asarray(arrays["bias"], dtype=np.float32)
    buckets = np.asarray(arrays["buckets"], dtype=np.int64)
    heads = meta.get("heads", [])
    if weights.shape != (len(buckets), len(heads)) or bias.shape != (len(heads),):
        raise ValueError(
            f"shapes differ: weights {weights.shape}, bias {bias.shape}, "
            f"{len(buckets)} buckets, {len(heads)} heads"
        )
    return MovesModel(buckets, weights, bias, meta)


def control_probabilities(text: str) -> dict[str, float]:
    """P(each control category) and ``any`` (a control act of some category) for one utterance."""
    return load("control").probabilities(text)


def with_probability(text: str) -> float:
    """P(the utterance promotes coordination or elicits the other's preferences)."""
    return load("with").probabilities(text)["with"]


def with_threshold() -> float:
    """The probability above which ``with_probability`` reads Power With (chosen by
    cross-validation within CaSiNo's dev half; stored with the model)."""
    return float(load("with").meta["decisions"]["model"]["threshold"])
