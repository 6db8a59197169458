"""Coordination scores from pair counts, the paper's aggregates and the group comparison.

"Echoes of power" (Danescu-Niculescu-Mizil, Lee, Pang & Kleinberg, WWW 2012), computed as
ConvoKit's ``Coordination.summarize`` computes it: coordination of a speaker towards the pooled
targets on a marker is ``P(reply shows m | target shows m) - P(reply shows m)`` over the pairs
that meet the thresholds (``Thresholds``, ConvoKit's names and defaults); ``aggregate`` gives
the paper's agg1, agg2 and agg3; ``compare_groups`` compares groups of speakers with seeded
bootstrap intervals (resampling speakers) and permutation tests, as
``powerlens.coordination/1``. See ``powerlens.measures.accommodation`` for the definitions.

Known limits: scores need many exchanges to settle; a group comparison weights every scored
speaker alike, whatever their number of exchanges.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powerlens.measures.accommodation.columns import CoordinationCounts, column_sums
from powerlens.measures.accommodation.turns import speaker_of
from powerlens.model import Conversation

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
SCHEMA = "powerlens.coordination/1"


@dataclass(frozen=True)
class Thresholds:
    """Minimum counts for a marker to be scored (ConvoKit's names and defaults).

    ``speaker``: replies showing the marker; ``target``: target utterances showing it;
    ``exchanges``: exchanges. The ``*_pair`` variants apply per (speaker, target) pair
    before the pairs of a speaker are pooled.
    """

    speaker: int = 0
    target: int = 3
    exchanges: int = 0
    speaker_pair: int = 0
    target_pair: int = 0
    exchanges_pair: int = 0


@dataclass(frozen=True)
class Scores:
    """Coordination per unit (speaker, target or pair) and marker; NaN where not scored."""

    units: tuple[str, ...]
    markers: tuple[str, ...]
    values: FloatArray
    n_exchanges: IntArray

    def as_dict(self) -> dict[str, dict[str, float]]:
        """``{unit: {marker: score}}`` with unscored markers left out, as ConvoKit returns."""
        return {
            unit: {m: float(v) for m, v in zip(self.markers, row, strict=True) if not np.isnan(v)}
            for unit, row in zip(self.units, self.values, strict=True)
        }


def scores(
    counts: CoordinationCounts,
    *,
    speakers: Iterable[str] | None = None,
    targets: Iterable[str] | None = None,
    thresholds: Thresholds = Thresholds(),
    focus: Literal["speakers", "targets", "pairs"] = "speakers",
) -> Scores:
    """Coordination of each speaker towards the pooled targets (or of each target, or pair)."""
    keep = np.ones(len(counts.speakers), dtype=bool)
    if speakers is not None:
        allowed = set(speakers)
        keep &= np.fromiter((s in allowed for s in counts.speakers), bool, len(counts.speakers))
    if targets is not None:
        allowed_t = set(targets)
        keep &= np.fromiter((t in allowed_t for t in counts.targets), bool, len(counts.targets))
    return _scores(counts, keep, thresholds, focus)


def _scores(
    counts: CoordinationCounts,
    keep: npt.NDArray[np.bool_],
    thresholds: Thresholds,
    focus: Literal["speakers", "targets", "pairs"],
) -> Scores:
    """``scores`` of the pairs where ``keep`` is true."""
    th = thresholds
    if focus == "targets":
        units_all = np.asarray(counts.targets, dtype=object)
        th = replace(
            th,
            speaker=th.target,
            target=th.speaker,
            speaker_pair=th.target_pair,
            target_pair=th.speaker_pair,
        )
    elif focus == "pairs":
        units_all = np.asarray(
            [f"{s}\x1f{t}" for s, t in zip(counts.speakers, counts.targets, strict=True)],
            dtype=object,
        )
    else:
        units_all = np.asarray(counts.speakers, dtype=object)
    k = len(counts.markers)
    if not keep.any():
        return Scores((), counts.markers, np.zeros((0, k)), np.zeros(0, np.int64))
    n, reply, target, both = (
        counts.n[keep],
        counts.reply[keep],
        counts.target[keep],
        counts.both[keep],
    )
    names, unit = _units(units_all[keep], sorted_already=focus == "speakers")
    pair_ok = (
        (reply >= th.speaker_pair) & (target >= th.target_pair) & (n[:, None] >= th.exchanges_pair)
    )
    u = len(names)
    n_k = column_sums(unit, np.where(pair_ok, n[:, None], 0), u)
    r_k = column_sums(unit, np.where(pair_ok, reply, 0), u)
    t_k = column_sums(unit, np.where(pair_ok, target, 0), u)
    b_k = column_sums(unit, np.where(pair_ok, both, 0), u)
    ok = (t_k >= max(th.target, 1)) & (r_k >= th.speaker) & (n_k >= max(th.exchanges, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(ok, b_k / t_k - r_k / n_k, np.nan)
    scored = ok.any(axis=1)
    total = np.bincount(unit, weights=n, minlength=u).astype(np.int64)
    return Scores(tuple(names[scored].tolist()), counts.markers, values[scored], total[scored])


def _units(units: npt.NDArray[Any], *, sorted_already: bool) -> tuple[Any, IntArray]:
    """``np.unique(units, return_inverse=True)``; pairs are sorted by speaker, so a speaker
    column is cut into runs without sorting it again (checked, else sorted)."""
    if sorted_already and len(units):
        change = units[1:] != units[:-1]
        if bool(np.all(units[1:][change] > units[:-1][change])):
            first = np.concatenate([[True], change])
            return units[first].astype(str), np.cumsum(first) - 1
    names, unit = np.unique(units.astype(str), return_inverse=True)
    return names, unit


def aggregate(values: FloatArray) -> dict[str, Any]:
    """The paper's aggregates over units: per-marker means and agg1, agg2, agg3."""
    k = values.shape[1] if values.ndim == 2 else 0
    present = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_marker = np.where(present.any(0), np.nansum(values, 0) / present.sum(0), np.nan)
        full = present.all(1) if k else np.zeros(0, bool)
        per_marker_agg1 = values[full].mean(0) if full.any() else np.full(k, np.nan)
        rows = np.nansum(values, 1) / present.sum(1)
        agg3 = float(rows.mean()) if len(rows) else np.nan
        agg1 = float(rows[full].mean()) if full.any() else np.nan
        if len(rows) and not np.isnan(per_marker).any():
            filled = np.where(present, values, per_marker[None, :])
            agg2 = float(filled.mean(1).mean())
        else:
            agg2 = np.nan
    return {
        "per_marker": per_marker,
        "per_marker_agg1": per_marker_agg1,
        "agg1": agg1,
        "agg2": agg2,
        "agg3": agg3,
        "count_agg1": int(full.sum()),
        "count_agg2": int(len(rows)),
    }


RESAMPLE_CELLS = 1_000_000
"""Entries (resamples x units) held at a time while resampling: memory stays flat."""


def _bootstrap(values: FloatArray, n_boot: int, rng: np.random.Generator) -> dict[str, FloatArray]:
    """Aggregates over ``n_boot`` resamples of the units (rows), drawn as integer indices.

    Each resample draws ``n`` row indices with replacement (``rng.integers``) and counts them
    per row (``np.bincount``); every aggregate is a ratio of sums over the resample, so one
    matrix product of a block of those counts with the units' per-row terms gives them all.
    Blocks of at most ``RESAMPLE_CELLS`` counts keep memory flat whatever the group size.
    """
    n, k = values.shape
    present = ~np.isnan(values)
    v0 = np.where(present, values, 0.0)
    row_sum = v0.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = row_sum / present.sum(1)
    full = present.all(1).astype(np.float64)
    terms = np.column_stack([v0, present.astype(np.float64), rows, rows * full, full, row_sum])
    sums = np.empty((n_boot, terms.shape[1]))
    step = max(1, min(n_boot, RESAMPLE_CELLS // max(n, 1)))
    counts = np.empty((step, n), np.float64)  # reused: fresh pages cost more than the work
    for start in range(0, n_boot, step):
        stop = min(start + step, n_boot)
        for r in range(stop - start):
            counts[r] = np.bincount(rng.integers(0, n, n, dtype=np.int32), minlength=n)
        sums[start:stop] = counts[: stop - start] @ terms
    with np.errstate(invalid="ignore", divide="ignore"):
        marker = sums[:, :k] / sums[:, k : 2 * k]
        agg3 = sums[:, 2 * k] / n
        agg1 = sums[:, 2 * k + 1] / sums[:, 2 * k + 2]
        missing = n - sums[:, k : 2 * k]
        agg2 = (sums[:, 2 * k + 3] + (missing * np.nan_to_num(marker)).sum(1)) / k / n
        agg2[np.isnan(marker).any(1)] = np.nan
    return {"per_marker": marker, "agg1": agg1, "agg2": agg2, "agg3": agg3}


def _interval(samples: FloatArray) -> list[float] | None:
    finite = samples[~np.isnan(samples)]
    if len(finite) == 0:
        return None
    lo, hi = np.percentile(finite, [2.5, 97.5])
    return [float(lo), float(hi)]


def permutation_p(
    x: FloatArray, y: FloatArray, n_permutations: int, rng: np.random.Generator
) -> float | None:
    """Two-sided permutation p-value of ``mean(x) - mean(y)`` (add-one, so never 0).

    A permutation only decides which of the pooled values fall on the smaller side, so each
    is drawn as a uniformly random subset of that size (``rng.choice`` without replacement,
    as integer indices) and only its sum is kept: the difference of means follows from it.
    """
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0 or n_permutations <= 0:
        return None
    pooled = np.concatenate([x, y])
    total = float(pooled.sum())
    nx, ny, size = len(x), len(y), len(pooled)
    small = min(nx, ny)
    step = max(1, min(n_permutations, RESAMPLE_CELLS // max(small, 1)))
    picked = np.empty((step, small), np.int64)
    side = np.empty(n_permutations)
    for start in range(0, n_permutations, step):
        stop = min(start + step, n_permutations)
        for r in range(stop - start):
            picked[r] = rng.choice(size, small, replace=False, shuffle=False)
        side[start:stop] = pooled[picked[: stop - start]].sum(1)
    sum_x = side if small == nx else total - side
    diff = np.abs(sum_x / nx - (total - sum_x) / ny)
    observed = abs(float(x.sum()) / nx - (total - float(x.sum())) / ny)
    hits = int((diff >= observed - 1e-12).sum())
    return (hits + 1) / (n_permutations + 1)


def _value(x: float) -> float | None:
    return None if x is None or np.isnan(x) else float(x)


def group_label(value: object) -> str:
    """A group value as the JSON shows it (booleans in lowercase)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def speaker_groups(conversations: Iterable[Conversation], field_name: str) -> dict[str, str]:
    """Group label of every speaker whose metadata has ``field_name`` (``speaker.`` optional)."""
    key = field_name.removeprefix("speaker.")
    groups: dict[str, str] = {}
    for conversation in conversations:
        for name, speaker in conversation.speakers.items():
            value = speaker.meta.get(key)
            if value is not None and value != "" and name not in groups:
                groups[name] = group_label(value)
    return groups


def compare_groups(
    counts: CoordinationCounts,
    groups: Mapping[str, Hashable],
    *,
    thresholds: Thresholds = Thresholds(),
    n_bootstrap: int = 1000,
    n_permutations: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Directed group-to-group coordination, as ``powerlens.coordination/1``.

    Each cell (group A towards group B) gets bootstrap intervals from its own seeded stream
    (``seed``, cell index); the permutation test of A towards B against B towards A is one
    test, drawn once from a stream of its own (``seed``, both cell indices) and reported in
    both directions.
    """
    labels = {name: group_label(value) for name, value in groups.items()}
    values = sorted(set(labels.values()))
    code = {v: i for i, v in enumerate(values)}
    speaker_group = _group_codes(counts.speakers, labels, code)
    target_group = _group_codes(counts.targets, labels, code)
    cells: dict[tuple[str, str], tuple[Scores, int]] = {}
    for a in values:
        for b in values:
            keep = (speaker_group == code[a]) & (target_group == code[b])
            cells[(a, b)] = (
                _scores(counts, keep, thresholds, "speakers"),
                int(counts.n[keep].sum()),
            )
    order = {pair: index for index, pair in enumerate(cells)}
    tests: dict[tuple[str, str], tuple[dict[str, float | None], float | None]] = {}
    directed = []
    for (a, b), (cell, n_exchanges) in cells.items():
        rng = np.random.default_rng([seed, order[(a, b)]])
        agg = aggregate(cell.values)
        boot = (
            _bootstrap(cell.values, n_bootstrap, rng) if len(cell.units) and n_bootstrap else None
        )
        p_values: dict[str, float | None] = {}
        p_means: float | None = None
        if a != b:
            first, second = sorted([(a, b), (b, a)], key=order.__getitem__)
            if first not in tests:
                tests[first] = _tests(
                    cells[first][0],
                    cells[second][0],
                    n_permutations,
                    np.random.default_rng([seed, order[first], order[second]]),
                )
            p_values, p_means = tests[first]
        marker_entries = {}
        for j, marker in enumerate(counts.markers):
            column = cell.values[:, j]
            entry: dict[str, Any] = {
                "score": _value(agg["per_marker"][j]),
                "ci": _interval(boot["per_marker"][:, j]) if boot else None,
                "n_speakers": int((~np.isnan(column)).sum()),
            }
            if a != b:
                entry["p_value"] = p_values[marker]
            marker_entries[marker] = entry
        directed.append(
            {
                "speakers": a,
                "targets": b,
                "n_exchanges": n_exchanges,
                "n_speakers": len(cell.units),
                "markers": marker_entries,
                "aggregate": {name: _value(agg[name]) for name in ("agg1", "agg2", "agg3")},
                "aggregate_ci": {
                    name: (_interval(boot[name]) if boot else None)
                    for name in ("agg1", "agg2", "agg3")
                },
                "p_value": p_means,
            }
        )
    return {
        "schema": SCHEMA,
        "markers": list(counts.markers),
        "thresholds": vars(thresholds).copy(),
        "n_bootstrap": n_bootstrap,
        "n_permutations": n_permutations,
        "seed": seed,
        "directed": directed,
    }


def _group_codes(
    names: tuple[str, ...], labels: Mapping[str, str], code: Mapping[str, int]
) -> IntArray:
    """Each name's group code (-1 without a group), looked up once per run of a name; a unit
    of a split speaker (``coordination_turns``) is in its speaker's group."""
    if not names:
        return np.zeros(0, np.int64)
    column = np.asarray(names, dtype=object)
    change = np.concatenate([[True], column[1:] != column[:-1]])
    runs = np.cumsum(change) - 1
    firsts = column[change].tolist()
    looked = np.fromiter(
        (code.get(labels.get(n) or labels.get(speaker_of(n), ""), -1) for n in firsts),
        np.int64,
        count=len(firsts),
    )
    return np.asarray(looked[runs], dtype=np.int64)


def _tests(
    cell: Scores, reverse: Scores, n_permutations: int, rng: np.random.Generator
) -> tuple[dict[str, float | None], float | None]:
    """Permutation p-values of a cell against its reverse: per marker, and of the per-unit
    means over markers."""
    markers = {
        marker: permutation_p(cell.values[:, j], reverse.values[:, j], n_permutations, rng)
        for j, marker in enumerate(cell.markers)
    }
    return markers, permutation_p(_unit_means(cell), _unit_means(reverse), n_permutations, rng)


def _unit_means(cell: Scores) -> FloatArray:
    present = ~np.isnan(cell.values)
    return np.asarray(np.nansum(cell.values, 1) / np.maximum(present.sum(1), 1), dtype=np.float64)
