"""Result tables of a corpus run, and the group comparison that reads them back.

- ``speakers``: one row per speaker: ``speaker``, their metadata as ``speaker.<field>``,
  each family's finalized per-speaker values as ``<family>.<field>`` (nested values
  flattened with dots), and ``signals.<family>`` counts.
- ``dyads``: one row per directed (speaker, target) pair found in a family's ``dyads``
  section (accommodation, pronoun status) or in targeted signals: ``<family>.<field>``
  and ``signals.<family>``.
- ``groups``: per speaker-metadata field and value: the number of speakers and the mean
  of every numeric speaker column.
- ``group_coordination``: directed group-to-group coordination ("Echoes of power"), from
  ``powerlens.measures.accommodation.compare_groups``, when accommodation ran.

``compare`` reads ``speakers`` and gives each group's mean per numeric column with a seeded
bootstrap 95% interval (resampling speakers), and for two groups their difference.
Known limits: means over speakers weight a speaker with one utterance like one with a
thousand; filter on the count columns first when that matters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from powerlens.measures.accommodation import (
    CoordinationCounts,
    Thresholds,
    compare_groups,
    group_label,
)
from powerlens.model import MeasureResult

MAX_GROUP_VALUES = 20
_PLAIN = frozenset({str, int, float, bool, type(None)})


def flatten(prefix: str, value: Any, into: dict[str, Any]) -> None:
    """Write ``value`` into ``into`` under ``prefix``, nested dicts as dotted columns."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            flatten(f"{prefix}.{key}", inner, into)
    elif isinstance(value, (list, tuple)):
        into[prefix] = json.dumps(value, default=str)
    else:
        into[prefix] = value


def speaker_rows(
    results: Mapping[str, MeasureResult],
    meta: Mapping[str, Mapping[str, Any]],
    signal_counts: Mapping[tuple[str, str], int],
) -> list[dict[str, Any]]:
    """One row per speaker, in first-seen order."""
    rows: dict[str, dict[str, Any]] = {}
    for name, fields in meta.items():
        row = rows.setdefault(name, {"speaker": name})
        for key, value in fields.items():
            flatten(f"speaker.{key}", value, row)
    for family, result in results.items():
        for name, values in result.speakers.items():
            row = rows.setdefault(name, {"speaker": name})
            for key, value in values.items():
                flatten(f"{family}.{key}", value, row)
    for (name, family), n in sorted(signal_counts.items()):
        rows.setdefault(name, {"speaker": name})[f"signals.{family}"] = n
    return list(rows.values())


def dyad_rows(
    results: Mapping[str, MeasureResult], signal_counts: Mapping[tuple[str, str, str], int]
) -> list[dict[str, Any]]:
    """One row per directed pair, from families' ``dyads`` sections and targeted signals."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for family, result in results.items():
        for section in result.sections.values():
            entries = section.get("dyads") if isinstance(section, Mapping) else None
            for entry in entries or []:
                if (
                    not isinstance(entry, Mapping)
                    or "speaker" not in entry
                    or "target" not in entry
                ):
                    continue
                key = (str(entry["speaker"]), str(entry["target"]))
                row = rows.setdefault(key, {"speaker": key[0], "target": key[1]})
                for field, value in entry.items():
                    if field not in ("speaker", "target"):
                        flatten(f"{family}.{field}", value, row)
    for (speaker, target, family), n in sorted(signal_counts.items()):
        row = rows.setdefault((speaker, target), {"speaker": speaker, "target": target})
        row[f"signals.{family}"] = n
    return [rows[key] for key in sorted(rows)]


def group_fields(meta: Mapping[str, Mapping[str, Any]], named: Iterable[str] = ()) -> list[str]:
    """Fields to group by: those named, else every field with 2 to 20 distinct values."""
    chosen = [n.removeprefix("speaker.") for n in named]
    if chosen:
        return chosen
    values: dict[str, set[str]] = {}
    for fields in meta.values():
        for key, value in fields.items():
            if isinstance(value, (str, bool, int)):
                values.setdefault(key, set()).add(group_label(value))
    return sorted(k for k, v in values.items() if 2 <= len(v) <= MAX_GROUP_VALUES)


def speaker_groups(meta: Mapping[str, Mapping[str, Any]], field: str) -> dict[str, str]:
    """Group label of every speaker whose metadata has ``field``."""
    return {
        name: group_label(fields[field])
        for name, fields in meta.items()
        if fields.get(field) not in (None, "")
    }


def group_rows(rows: list[dict[str, Any]], fields: Iterable[str]) -> list[dict[str, Any]]:
    """Per field and group value: speakers and the mean of every numeric speaker column."""
    numeric = numeric_columns(rows)
    out = []
    for field in fields:
        column = f"speaker.{field}"
        labels = sorted({group_label(r[column]) for r in rows if r.get(column) not in (None, "")})
        for label in labels:
            members = [
                r for r in rows if r.get(column) is not None and group_label(r[column]) == label
            ]
            row: dict[str, Any] = {"field": field, "group": label, "speakers": len(members)}
            for name in numeric:
                values = [float(r[name]) for r in members if _is_number(r.get(name))]
                row[name] = float(np.mean(values)) if values else None
            out.append(row)
    return out


def coordination_rows(
    counts: CoordinationCounts,
    meta: Mapping[str, Mapping[str, Any]],
    fields: Iterable[str],
    thresholds: Thresholds | None = None,
) -> list[dict[str, Any]]:
    """Directed group-to-group coordination per grouping field (``compare_groups``; units
    of a split speaker are in their speaker's group)."""
    out = []
    for field in fields:
        groups = speaker_groups(meta, field)
        if len(set(groups.values())) < 2:
            continue
        result = compare_groups(counts, groups, thresholds=thresholds or Thresholds())
        for entry in result["directed"]:
            row: dict[str, Any] = {"field": field}
            for key, value in entry.items():
                if key == "markers":
                    for marker, m in value.items():
                        row[f"marker.{marker}"] = m["score"]
                        row[f"marker.{marker}.ci"] = json.dumps(m["ci"])
                else:
                    flatten(key, value, row)
            out.append(row)
    return out


def numeric_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Columns (outside ``speaker.*``) whose every present value is a number."""
    seen: dict[str, bool] = {}
    numbers: dict[type, bool] = {}
    for row in rows:
        for key, value in row.items():
            if value is None or key == "speaker" or key.startswith("speaker."):
                continue
            kind = type(value)
            number = numbers.get(kind)
            if number is None:
                number = numbers[kind] = _is_number(value)
            seen[key] = seen.get(key, True) and number
    return [k for k, ok in seen.items() if ok]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def write_table(rows: list[dict[str, Any]], stem: Path, *, csv: bool = False) -> list[Path]:
    """Write rows as ``stem.parquet`` (and ``stem.csv``); columns typed by their values."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return write_columns({name: [row.get(name) for row in rows] for name in columns}, stem, csv=csv)


def write_columns(columns: dict[str, list[Any]], stem: Path, *, csv: bool = False) -> list[Path]:
    """Write columns (in order, equal lengths) as ``write_table`` writes rows."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    arrays = {name: _array(values) for name, values in columns.items()}
    table = pa.table(arrays) if arrays else pa.table({"empty": pa.array([], pa.string())})
    written = [stem.with_suffix(".parquet")]
    pq.write_table(table, written[0])
    if csv:
        written.append(stem.with_suffix(".csv"))
        pacsv.write_csv(table, written[1])
    return written


def dyad_columns(
    results: Mapping[str, MeasureResult], signal_counts: Mapping[tuple[str, str, str], int]
) -> dict[str, list[Any]]:
    """``dyad_rows`` as columns, in the column order ``write_table`` gives those rows, without
    a dict per row (a corpus can have millions of pairs). A column's place is set by the first
    row holding it and, within that row, by the order its fields were written (each family's
    fields in a consistent order, signal counts last); when a family's entries disagree on
    that order, or a pair has two entries of one family, the rows are built as dicts."""
    keys: set[tuple[str, str]] = {(s, t) for s, t, _ in signal_counts}
    sources = []
    for rank_base, (family, result) in enumerate(results.items()):
        for section in result.sections.values():
            entries = section.get("dyads") if isinstance(section, Mapping) else None
            good = [
                e
                for e in entries or []
                if isinstance(e, Mapping) and "speaker" in e and "target" in e
            ]
            keys.update((str(e["speaker"]), str(e["target"])) for e in good)
            sources.append((rank_base, family, good))
    order = sorted(keys)
    index = {key: i for i, key in enumerate(order)}
    n = len(order)
    columns: dict[str, list[Any]] = {
        "speaker": [k[0] for k in order],
        "target": [k[1] for k in order],
    }
    place: dict[str, tuple[int, int]] = {"speaker": (0, -2), "target": (0, -1)}
    rank: dict[str, int] = {}
    filled: set[tuple[int, int]] = set()
    names: dict[tuple[str, Any], str] = {}
    for family_index, family, good in sources:
        for entry in good:
            row = index[(str(entry["speaker"]), str(entry["target"]))]
            if (row, family_index) in filled:
                return _rows_as_columns(results, signal_counts)
            filled.add((row, family_index))
            last = -1
            flat: dict[str, Any] = {}
            for field, value in entry.items():
                if field == "speaker" or field == "target":
                    continue
                name = names.get((family, field)) or names.setdefault(
                    (family, field), f"{family}.{field}"
                )
                if type(value) in _PLAIN:
                    flat[name] = value
                elif type(value) is dict and _PLAIN.issuperset(map(type, value.values())):
                    for key, inner in value.items():  # one level of plain values: inline
                        flat[
                            names.get((name, key)) or names.setdefault((name, key), f"{name}.{key}")
                        ] = inner
                else:
                    flatten(name, value, flat)
            for name, value in flat.items():
                r = rank.setdefault(name, len(rank))
                if r < last:
                    return _rows_as_columns(results, signal_counts)
                last = r
                column = columns.get(name)
                if column is None:
                    column = columns[name] = [None] * n
                column[row] = value
                first = place.get(name)
                if first is None or row < first[0]:
                    place[name] = (row, r)
    families = sorted({f for _, _, f in signal_counts})
    for (speaker, target, family), count in signal_counts.items():
        name = f"signals.{family}"
        row = index[(speaker, target)]
        column = columns.get(name)
        if column is None:
            column = columns[name] = [None] * n
        column[row] = count
        first = place.get(name)
        if first is None or row < first[0]:
            place[name] = (row, len(rank) + families.index(family))
    return {name: columns[name] for name in sorted(columns, key=place.__getitem__)}


def _rows_as_columns(
    results: Mapping[str, MeasureResult], signal_counts: Mapping[tuple[str, str, str], int]
) -> dict[str, list[Any]]:
    rows = dyad_rows(results, signal_counts)
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return {name: [row.get(name) for row in rows] for name in names}


def _array(values: list[Any]) -> Any:
    import pyarrow as pa

    kinds = {type(v) for v in values if v is not None}
    if kinds <= {bool}:
        return pa.array(values, pa.bool_())
    if kinds <= {int}:
        return pa.array(values, pa.int64())
    if kinds <= {int, float}:
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    return pa.array(
        [
            None if v is None else v if isinstance(v, str) else json.dumps(v, default=str)
            for v in values
        ],
        pa.string(),
    )


def compare(
    results: Path,
    group: str,
    *,
    columns: Iterable[str] = (),
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Each group's mean of each numeric speaker column, with bootstrap 95% intervals."""
    import pyarrow.parquet as pq

    from powerlens.errors import InputError, UsageError

    path = results / "speakers.parquet"
    if not path.is_file():
        raise InputError(results, "has no speakers.parquet.", fix="run powerlens corpus run first")
    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    column = group if group.startswith("speaker.") else f"speaker.{group}"
    if not rows or column not in rows[0]:
        raise UsageError(
            f"no column {column!r} in {path}.",
            fix="name a speaker metadata field, e.g. --group speaker.<field>",
        )
    wanted = list(columns)
    numeric = [
        c for c in numeric_columns(rows) if not wanted or any(c.startswith(w) for w in wanted)
    ]
    labels = sorted({group_label(r[column]) for r in rows if r[column] not in (None, "")})
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {
        "group": column,
        "groups": labels,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
    }
    measures = []
    for name in numeric:
        entry: dict[str, Any] = {"column": name, "groups": {}}
        samples: dict[str, np.ndarray[Any, Any]] = {}
        for label in labels:
            values = np.asarray(
                [
                    float(r[name])
                    for r in rows
                    if r[column] is not None
                    and group_label(r[column]) == label
                    and _is_number(r[name])
                ],
                dtype=np.float64,
            )
            samples[label] = values
            entry["groups"][label] = _summary(values, n_bootstrap, rng)
        if len(labels) == 2:
            a, b = samples[labels[0]], samples[labels[1]]
            entry["difference"] = _difference(a, b, n_bootstrap, rng)
        measures.append(entry)
    out["columns"] = measures
    return out


def _summary(
    values: np.ndarray[Any, Any], n_bootstrap: int, rng: np.random.Generator
) -> dict[str, Any]:
    if len(values) == 0:
        return {"n": 0, "mean": None, "ci": None}
    return {"n": len(values), "mean": float(values.mean()), "ci": _boot(values, n_bootstrap, rng)}


def _boot(
    values: np.ndarray[Any, Any], n_bootstrap: int, rng: np.random.Generator
) -> list[float] | None:
    if n_bootstrap <= 0 or len(values) < 2:
        return None
    means = values[rng.integers(0, len(values), (n_bootstrap, len(values)))].mean(1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return [float(lo), float(hi)]


def _difference(
    a: np.ndarray[Any, Any], b: np.ndarray[Any, Any], n_bootstrap: int, rng: np.random.Generator
) -> dict[str, Any] | None:
    if len(a) == 0 or len(b) == 0:
        return None
    ci = None
    if n_bootstrap > 0 and len(a) > 1 and len(b) > 1:
        da = a[rng.integers(0, len(a), (n_bootstrap, len(a)))].mean(1)
        db = b[rng.integers(0, len(b), (n_bootstrap, len(b)))].mean(1)
        lo, hi = np.percentile(da - db, [2.5, 97.5])
        ci = [float(lo), float(hi)]
    return {"mean": float(a.mean() - b.mean()), "ci": ci}
