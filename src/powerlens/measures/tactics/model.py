"""The tactic family's model: hashed n-gram features and linear heads, stored as plain arrays.

Two models ship, chosen with ``Options(extra={"tactics_model": name})`` (CLI
``--tactics-model``): ``mentalmanip`` (the default), trained by ``scripts/train_tactics.py`` on
the MentalManip (Wang et al., ACL 2024) and ReaMent (Gao et al., 2025) training splits and
licensed CC BY-NC 4.0 like MentalManip (``models/LICENSE-tactics-mentalmanip.txt``); and
``reament``, trained on the ReaMent training split only and licensed MIT like ReaMent
(``models/LICENSE-tactics-reament.txt``). Each is ``models/tactics-<name>.npz`` (arrays and a
JSON ``meta``, no pickle); without its file ``load_model`` returns None and the family runs on
rules alone.

Features: hashed word uni-, bi- and trigrams, ``?``, ``!``, capitals and the rule labels. Heads
are linear over two weightings of the same counts, both idf-weighted and L2-normalised:
sublinear tf (``1 + log count``) and raw tf (``RAW_HEADS``; repetition within a short excerpt
counts fully). The training script imports the featuriser from here, so training and inference
hash the same features. How heads become a conversation score: ``tactics_score``.

Known limits: trained on scripted film dialogue and short transcribed web videos; detection is
modest (about 0.74 AUC); see docs/validation.md.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from powerlens.errors import UsageError
from powerlens.language.rules import is_joke

MODELS = ("mentalmanip", "reament")
"""The shipped tactic models; the first is the default."""
DEFAULT_MODEL = MODELS[0]
MODEL_NAME = f"tactics-{DEFAULT_MODEL}"
RAW_HEADS = frozenset({"dialogue_raw"})
"""Heads over raw (not sublinear) term counts."""
META_TALK = re.compile(
    r"\b(?:gaslight\w*|manipulat\w*|narcissis\w*|therapist|counsel+or|psycholog\w*)\b",
    re.IGNORECASE,
)
"""Talk *about* manipulation ("my therapist said he was gaslighting me"): no model signal."""
OTHER_SPEECH = re.compile(
    r"[\"“][^\"”]{4,}[\"”]|\b(?:he|she|they|my \w+|your \w+) (?:said|says|told me|tells me|"
    r"keeps saying|kept saying|was like)\b",
    re.IGNORECASE,
)
"""A turn that quotes or reports someone else's words: the model does not flag it."""


def model_quiet(text: str) -> bool:
    """Turns the model never flags: talk about manipulation, quoted or reported words of
    someone else, and turns marked as a joke (rules keep their own checks)."""
    return bool(META_TALK.search(text) or OTHER_SPEECH.search(text) or is_joke(text))


CAPS = re.compile(r"\b[A-Z]{3,}\b")


# ---------------------------------------------------------------- features

HASH_BITS = 18
"""Features are hashed (CRC-32) into 2**HASH_BITS buckets; the model keeps the buckets it saw."""
_MASK = (1 << HASH_BITS) - 1
_BUCKETS: dict[str, int] = {}
"""Memo of feature string -> bucket for words and punctuation (bounded, see ``bucket``)."""
_PUNCT = ("p ?", "p !", "p caps")


def bucket(feature: str) -> int:
    """The hash bucket of one feature string (stable across processes, unlike ``hash``)."""
    got = _BUCKETS.get(feature)
    if got is None:
        got = zlib.crc32(feature.encode("utf-8")) & _MASK
        if len(_BUCKETS) < 200_000:
            _BUCKETS[feature] = got
    return got


def turn_buckets(words: list[str], text: str, rule_labels: Iterable[str] = ()) -> list[int]:
    """Hashed features of one turn, repeats kept: words, word bi- and trigrams, ``?``/``!``,
    words in capitals, and the labels of the rules that matched (weak ones included)."""
    crc = zlib.crc32
    out = [bucket("w " + w) for w in words]
    out += [
        crc(("b " + a + " " + b).encode("utf-8")) & _MASK
        for a, b in zip(words, words[1:], strict=False)
    ]
    out += [
        crc(("t " + a + " " + b + " " + c).encode("utf-8")) & _MASK
        for a, b, c in zip(words, words[1:], words[2:], strict=False)
    ]
    if "?" in text:
        out += [bucket(_PUNCT[0])] * text.count("?")
    if "!" in text:
        out += [bucket(_PUNCT[1])] * text.count("!")
    if CAPS.search(text):
        out.append(bucket(_PUNCT[2]))
    out += [bucket("r " + label) for label in rule_labels]
    return out


# ---------------------------------------------------------------- model


@dataclass(frozen=True)
class TacticModel:
    """Linear heads over hashed n-gram features: a bucket->row table, idf and weight columns."""

    rows: npt.NDArray[np.int32]
    idf: npt.NDArray[np.float32]
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    heads: tuple[str, ...]
    meta: dict[str, Any]
    _raw: list[int] = field(init=False, repr=False, compare=False)
    _sublinear: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        raw = [i for i, h in enumerate(self.heads) if h in RAW_HEADS]
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_sublinear", [i for i in range(len(self.heads)) if i not in raw])

    def head(self, name: str) -> int:
        """Index of a head by name."""
        return self.heads.index(name)

    def group_logits(
        self, buckets: Sequence[Sequence[int]], groups: list[int], n_groups: int
    ) -> npt.NDArray[np.float32]:
        """Head logits (``n_groups`` x heads) of the bags made by pooling turns into groups.

        Each bag is weighted as in training: ``(1 + log count) * idf``, then L2-normalised.
        """
        out: npt.NDArray[np.float32] = np.tile(self.bias, (n_groups, 1))
        lengths = [len(b) for b in buckets]
        if not sum(lengths):
            return out
        found = self.rows[np.fromiter(chain.from_iterable(buckets), np.int64, sum(lengths))]
        owner = np.repeat(np.asarray(groups, dtype=np.int64), lengths)
        keep = found >= 0
        if not keep.any():
            return out
        n_rows = len(self.idf)
        keys, counts = np.unique(owner[keep] * n_rows + found[keep], return_counts=True)
        group = keys // n_rows
        feature = keys - group * n_rows
        idf = self.idf[feature]
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        for value, columns in (
            ((1.0 + np.log(counts.astype(np.float32))) * idf, self._sublinear),
            (counts.astype(np.float32) * idf, self._raw),
        ):
            if not len(columns):
                continue
            norm = np.sqrt(np.bincount(group, value * value, minlength=n_groups))
            value = value / norm[group]
            weights = self.weights[feature][:, columns]
            out[np.ix_(group[starts], columns)] += np.add.reduceat(weights * value[:, None], starts)
        return out


def model_path(name: str = DEFAULT_MODEL) -> Any:
    """A shipped model file (a Traversable; may not exist in a rules-only install)."""
    return resources.files("powerlens.models").joinpath(f"tactics-{name}.npz")


def check_model_name(name: object) -> str:
    """``name`` if it is a shipped model's name, else a usage error naming the choices."""
    if name not in MODELS:
        raise UsageError(
            f"unknown tactics model {name!r}",
            fix=f"choose one of: {', '.join(MODELS)} (or switch the model off with 'none')",
        )
    return str(name)


@cache
def load_model(name: str = DEFAULT_MODEL) -> TacticModel | None:
    """A shipped model by name, or None when its file is absent (rules-only install)."""
    path = model_path(check_model_name(name))
    if not path.is_file():
        return None
    with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
        return model_from_arrays({k: data[k] for k in data.files})


def model_from_arrays(arrays: dict[str, Any]) -> TacticModel:
    """A model from the arrays of its npz file (``buckets``, ``idf``, ``weights``, ``bias``,
    ``meta``); the training script builds its fold models the same way."""
    meta = json.loads(bytes(np.asarray(arrays["meta"], dtype=np.uint8)).decode("utf-8"))
    kept = np.asarray(arrays["buckets"]).astype(np.int64)
    rows = np.full(1 << int(meta["hash_bits"]), -1, dtype=np.int32)
    rows[kept] = np.arange(len(kept), dtype=np.int32)
    return TacticModel(
        rows=rows,
        idf=np.asarray(arrays["idf"]).astype(np.float32),
        weights=np.asarray(arrays["weights"]).astype(np.float32),
        bias=np.asarray(arrays["bias"]).astype(np.float32),
        heads=tuple(meta["heads"]),
        meta=meta,
    )


def sigmoid(x: float) -> float:
    """The logistic function, safe for large magnitudes."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logit(p: float) -> float:
    """The inverse of ``sigmoid`` for ``0 < p < 1``."""
    return math.log(p / (1.0 - p))
