"""Accommodation: linguistic style coordination ("Echoes of power").

Danescu-Niculescu-Mizil, Lee, Pang & Kleinberg, "Echoes of power: Language effects and power
differences in social interaction", WWW 2012; computed as ConvoKit's ``Coordination``
transformer computes it, so numbers can be compared one to one.

- An *exchange* is a target utterance and a reply to it by another speaker (``reply_to``, or
  the utterance before when ``reply_to_previous`` is set). Replies to oneself are not counted.
- Coordination of speaker ``s`` towards targets ``T`` on marker ``m`` is
  ``P(s's reply shows m | the target utterance shows m) - P(s's reply shows m)``, counted over
  the exchanges in which ``s`` replies to someone in ``T`` (the targets are pooled, ConvoKit's
  ``focus="speakers"``).
- Thresholds (ConvoKit's defaults): a marker is scored for a speaker only when at least
  ``target`` = 3 of the target utterances show it, the speaker has at least one exchange, and
  (optional) minimum counts per speaker and per (speaker, target) pair are met. A speaker
  with no scored marker is left out.
- Aggregates over the speakers of a group (the paper's three): ``agg1`` averages only speakers
  scored on every marker; ``agg2`` fills a speaker's missing markers with the group's mean for
  that marker (undefined when a marker has no scored speaker); ``agg3`` averages each
  speaker's mean over the markers they have. Per-marker scores average the speakers scored on
  that marker.
- Group comparison: bootstrap confidence intervals resample speakers (seeded); the p-value is a
  two-sided permutation test (seeded) of the difference between the per-speaker means of one
  direction and of the reverse direction (A towards B against B towards A).

Markers are the eight function-word categories of the paper (``lexicons/coordination_
markers.json``; any other set can be passed as a path or a dict). Two matching modes:

- ``"tokens"`` (default): powerlens tokens (Unicode letters, curly apostrophes read as
  straight ones, contractions are one token); a token shows a category when it equals an
  entry, or starts with an entry that ends in ``*``.
- ``"convokit"``: ConvoKit's character scanner reproduced exactly: only ``[a-z0-9_]`` are word
  characters, entries also match the part of a contraction before the apostrophe ("can" in
  "can't"), a word after an apostrophe starts a new match only when the scan of the word
  before it has ended, and prefix entries match anywhere a word starts.

Known limits: function words carry style, not content; short utterances show few markers, so
scores need many exchanges to settle (thresholds and intervals say how many there were).
Coordination is a group tendency, never a verdict on one person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powerlens.errors import InputError, UsageError
from powerlens.language import Tokens, token_spans, tokenize
from powerlens.measures.base import Options
from powerlens.model import Conversation, MeasureResult, Signal

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Mode = Literal["tokens", "convokit"]
MarkerSpec = str | Path | Mapping[str, Sequence[str]]

SCHEMA = "powerlens.coordination/1"
ECHO_MIN_MARKERS = 3
ECHO_MIN_SHARE = 0.75
MAX_ECHO_SIGNALS = 50


# ---------------------------------------------------------------------------------- markers
@dataclass(frozen=True)
class MarkerSet:
    """Named marker categories, each a tuple of entries (``word`` or ``prefix*``)."""

    names: tuple[str, ...]
    entries: tuple[tuple[str, ...], ...]
    source: str = ""

    def as_dict(self) -> dict[str, list[str]]:
        """The categories as a plain dict."""
        return {n: list(e) for n, e in zip(self.names, self.entries, strict=True)}


def load_markers(spec: MarkerSpec | MarkerSet | None = None) -> MarkerSet:
    """Marker categories from the shipped file (None), a JSON/TSV path, or a dict."""
    if isinstance(spec, MarkerSet):
        return spec
    if spec is None:
        text = resources.files("powerlens.lexicons").joinpath("coordination_markers.json")
        return _markers_from_json(json.loads(text.read_text(encoding="utf-8")), "built-in")
    if isinstance(spec, Mapping):
        return _markers_from_dict(spec, "dict")
    path = Path(spec)
    if not path.is_file():
        raise InputError(path, "no such marker file.", fix="pass a JSON or TSV marker file")
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            return _markers_from_json(json.loads(raw), str(path))
        except json.JSONDecodeError as error:
            raise InputError(path, f"not valid JSON ({error.msg}).", line=error.lineno) from None
    table: dict[str, list[str]] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        body = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not body:
            continue
        parts = body.split("\t")
        if len(parts) != 2:
            raise InputError(
                path, "expected 'category<TAB>word'.", line=number, fix="one entry per line"
            )
        table.setdefault(parts[0].strip(), []).append(parts[1].strip())
    return _markers_from_dict(table, str(path))


def _markers_from_json(data: Any, source: str) -> MarkerSet:
    if isinstance(data, dict) and isinstance(data.get("markers"), dict):
        return _markers_from_dict(data["markers"], str(data.get("source", source)))
    if isinstance(data, dict):
        return _markers_from_dict(data, source)
    raise UsageError("a marker file holds {category: [words]} or {'markers': {...}}.")


def _markers_from_dict(table: Mapping[str, Sequence[str]], source: str) -> MarkerSet:
    if not table:
        raise UsageError("the marker set is empty.", fix="give at least one category")
    if len(table) > 62:
        raise UsageError("at most 62 marker categories are supported.")
    names, entries = [], []
    for name, words in table.items():
        if isinstance(words, str) or not all(isinstance(w, str) for w in words):
            raise UsageError(f"marker category {name!r} must be a list of words.")
        names.append(str(name))
        entries.append(tuple(dict.fromkeys(w.strip().lower() for w in words if w.strip())))
    return MarkerSet(tuple(names), tuple(entries), source)


class MarkerMatcher:
    """Which marker categories an utterance shows, as a bit mask (bit k = category k)."""

    def __init__(self, markers: MarkerSpec | MarkerSet | None = None, mode: Mode = "tokens"):
        if mode not in ("tokens", "convokit"):
            raise UsageError(f"unknown matching mode {mode!r}.", fix="use tokens or convokit")
        self.markers = load_markers(markers)
        self.mode: Mode = mode
        self._exact: dict[str, int] = {}
        self._prefixes: list[tuple[str, int]] = []
        self._trie: dict[str, Any] = {}
        for bit, words in enumerate(self.markers.entries):
            for word in words:
                if word.endswith("*"):
                    self._prefixes.append((word[:-1], 1 << bit))
                    self._insert(word[:-1], 1 << bit)
                else:
                    self._exact[word] = self._exact.get(word, 0) | (1 << bit)
                    self._insert(word + "#", 1 << bit)
        self._cache: dict[str, int] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Category names, in bit order."""
        return self.markers.names

    def _insert(self, entry: str, bit: int) -> None:
        node = self._trie
        for char in entry:
            node = node.setdefault(char, {})
        node["$"] = node.get("$", 0) | bit

    def token_mask(self, token: str) -> int:
        """Categories shown by one lowercased token (``tokens`` mode)."""
        mask = self._cache.get(token)
        if mask is None:
            mask = self._exact.get(token, 0)
            for prefix, bit in self._prefixes:
                if token.startswith(prefix):
                    mask |= bit
            self._cache[token] = mask
        return mask

    def tokens_mask(self, tokens: Sequence[str]) -> int:
        """Categories shown by an utterance's tokens (``tokens`` mode)."""
        mask = 0
        get = self._cache.get
        for token in tokens:
            bits = get(token)
            mask |= self.token_mask(token) if bits is None else bits
        return mask

    def text_mask(self, text: str) -> int:
        """Categories shown by an utterance's text, in this matcher's mode."""
        if self.mode == "tokens":
            return self.tokens_mask(tokenize(text))
        mask = 0
        cache = self._cache
        for chunk in _CHUNK.split(text.lower() + " "):
            bits = cache.get(chunk)
            if bits is None:
                bits = cache[chunk] = _scan(chunk, self._trie)
            mask |= bits
        return mask

    def first_span(self, text: str, bits: int) -> tuple[int, int]:
        """Character span of the first word of ``text`` showing any of ``bits``."""
        for (start, end), token in zip(token_spans(text), tokenize(text), strict=False):
            if self.token_mask(token) & bits:
                return (start, end)
        return (0, len(text))


_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_CHUNK = re.compile(r"(?<=[^a-z0-9_'])(?=[a-z0-9_])")
"""Where ConvoKit's scanner always restarts: a word character after a non-word character
that is not an apostrophe. Text between two such points is scanned independently."""


def _scan(chunk: str, trie: dict[str, Any]) -> int:
    """ConvoKit's trie scan of one chunk (state machine reproduced step for step)."""
    mask = 0
    last: str | None = None
    cur: dict[str, Any] | None = None
    for char in chunk:
        if (last is None or last not in _WORD) and char in _WORD and (last != "'" or not cur):
            cur = trie
        if cur:
            if char in cur and char != "#" and char != "$":
                if char not in _WORD:
                    ended = cur.get("#")
                    if ended is not None and "$" in ended:
                        mask |= ended["$"]
                cur = cur[char]
            elif char not in _WORD and last is not None and last in _WORD and "#" in cur:
                cur = cur["#"]
            else:
                cur = None
        if cur and "$" in cur:
            mask |= cur["$"]
        last = char
    return mask


def mask_matrix(masks: Sequence[int] | npt.NDArray[np.int64], k: int) -> BoolArray:
    """Bit masks as a boolean (n, k) matrix: row i, column j = utterance i shows marker j."""
    arr = np.asarray(masks, dtype=np.int64).reshape(-1, 1)
    return ((arr >> np.arange(k, dtype=np.int64)) & 1).astype(bool)


# --------------------------------------------------------------------------------- counts
@dataclass(frozen=True)
class CoordinationCounts:
    """Additive exchange counts per directed (speaker, target) pair, per marker.

    ``n`` exchanges; ``reply[p, k]`` replies showing marker k; ``target[p, k]`` target
    utterances showing k; ``both[p, k]`` exchanges where both do. Pairs are sorted.
    """

    markers: tuple[str, ...]
    speakers: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    n: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    reply: IntArray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    target: IntArray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    both: IntArray = field(default_factory=lambda: np.zeros((0, 0), np.int64))

    @property
    def n_exchanges(self) -> int:
        """Exchanges counted."""
        return int(self.n.sum())


def count_pairs(
    markers: Sequence[str],
    reply_speakers: Sequence[str],
    target_speakers: Sequence[str],
    reply_masks: Sequence[int] | IntArray,
    target_masks: Sequence[int] | IntArray,
) -> CoordinationCounts:
    """Count exchanges (one row per reply) into per-pair, per-marker totals, with numpy."""
    k = len(markers)
    code: dict[str, int] = {}
    s_list = [code.setdefault(name, len(code)) for name in reply_speakers]
    t_list = [code.setdefault(name, len(code)) for name in target_speakers]
    names = sorted(code)
    rank = np.zeros(len(names), dtype=np.int64)
    for position, name in enumerate(names):
        rank[code[name]] = position
    s_code = rank[np.asarray(s_list, dtype=np.int64)]
    t_code = rank[np.asarray(t_list, dtype=np.int64)]
    keep = s_code != t_code
    width = max(len(names), 1)
    pair = s_code[keep] * width + t_code[keep]
    uniq, inv = np.unique(pair, return_inverse=True)
    rm = mask_matrix(np.asarray(reply_masks, dtype=np.int64)[keep], k)
    tm = mask_matrix(np.asarray(target_masks, dtype=np.int64)[keep], k)
    return CoordinationCounts(
        markers=tuple(markers),
        speakers=tuple(names[i] for i in (uniq // width).tolist()),
        targets=tuple(names[i] for i in (uniq % width).tolist()),
        n=np.bincount(inv, minlength=len(uniq)).astype(np.int64),
        reply=_column_sums(inv, rm, len(uniq)),
        target=_column_sums(inv, tm, len(uniq)),
        both=_column_sums(inv, rm & tm, len(uniq)),
    )


def _column_sums(groups: IntArray, values: npt.NDArray[Any], n_groups: int) -> IntArray:
    out = np.zeros((n_groups, values.shape[1]), dtype=np.int64)
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(groups, weights=values[:, j], minlength=n_groups).astype(np.int64)
    return out


def combine_counts(a: CoordinationCounts, b: CoordinationCounts) -> CoordinationCounts:
    """Merge two sets of pair counts (associative and commutative; pairs stay sorted)."""
    if a.markers != b.markers:
        raise UsageError("cannot combine coordination counts over different marker sets.")
    if not b.speakers:
        return a
    if not a.speakers:
        return b
    keys = list(zip(a.speakers + b.speakers, a.targets + b.targets, strict=True))
    order = sorted(set(keys))
    index = {key: i for i, key in enumerate(order)}
    inv = np.fromiter((index[key] for key in keys), dtype=np.int64, count=len(keys))
    p = len(order)

    def merge(x: IntArray, y: IntArray) -> IntArray:
        out = np.zeros((p, *x.shape[1:]), dtype=np.int64)
        np.add.at(out, inv, np.concatenate([x, y]))
        return out

    return CoordinationCounts(
        markers=a.markers,
        speakers=tuple(s for s, _ in order),
        targets=tuple(t for _, t in order),
        n=merge(a.n, b.n),
        reply=merge(a.reply, b.reply),
        target=merge(a.target, b.target),
        both=merge(a.both, b.both),
    )


def exchanges(conversation: Conversation, reply_to_previous: bool = False) -> list[tuple[int, int]]:
    """``(reply index, target index)`` pairs of a conversation, replies to oneself included."""
    utterances = conversation.utterances
    if conversation.has_reply_links():
        index = {u.id: i for i, u in enumerate(utterances)}
        return [
            (i, index[u.reply_to])
            for i, u in enumerate(utterances)
            if u.reply_to is not None and u.reply_to in index
        ]
    if reply_to_previous:
        return [(i, i - 1) for i in range(1, len(utterances))]
    return []


def coordination_counts(
    conversations: Iterable[Conversation],
    *,
    markers: MarkerSpec | MarkerSet | MarkerMatcher | None = None,
    mode: Mode = "tokens",
    reply_to_previous: bool = False,
) -> CoordinationCounts:
    """Pair counts over many conversations: markers found per utterance, then counted at once."""
    matcher = markers if isinstance(markers, MarkerMatcher) else MarkerMatcher(markers, mode)
    reply_speakers: list[str] = []
    target_speakers: list[str] = []
    reply_masks: list[int] = []
    target_masks: list[int] = []
    for conversation in conversations:
        pairs = exchanges(conversation, reply_to_previous)
        if not pairs:
            continue
        utterances = conversation.utterances
        masks = [matcher.text_mask(u.text) for u in utterances]
        for i, j in pairs:
            reply_speakers.append(utterances[i].speaker)
            target_speakers.append(utterances[j].speaker)
            reply_masks.append(masks[i])
            target_masks.append(masks[j])
    return count_pairs(matcher.names, reply_speakers, target_speakers, reply_masks, target_masks)


# --------------------------------------------------------------------------------- scores
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
    names, unit = np.unique(units_all[keep].astype(str), return_inverse=True)
    pair_ok = (
        (reply >= th.speaker_pair) & (target >= th.target_pair) & (n[:, None] >= th.exchanges_pair)
    )
    u = len(names)
    n_k = _column_sums(unit, np.where(pair_ok, n[:, None], 0), u)
    r_k = _column_sums(unit, np.where(pair_ok, reply, 0), u)
    t_k = _column_sums(unit, np.where(pair_ok, target, 0), u)
    b_k = _column_sums(unit, np.where(pair_ok, both, 0), u)
    ok = (t_k >= max(th.target, 1)) & (r_k >= th.speaker) & (n_k >= max(th.exchanges, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(ok, b_k / t_k - r_k / n_k, np.nan)
    scored = ok.any(axis=1)
    total = np.bincount(unit, weights=n, minlength=u).astype(np.int64)
    return Scores(tuple(names[scored].tolist()), counts.markers, values[scored], total[scored])


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


def _bootstrap(values: FloatArray, n_boot: int, rng: np.random.Generator) -> dict[str, FloatArray]:
    """Aggregates over ``n_boot`` resamples of the units (rows), with numpy weights."""
    n, k = values.shape
    present = ~np.isnan(values)
    v0 = np.where(present, values, 0.0)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)
    row_sum = v0.sum(1)
    rows = row_sum / present.sum(1)
    full = present.all(1).astype(np.float64)
    total = weights.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        marker = (weights @ v0) / (weights @ present.astype(np.float64))
        agg3 = (weights @ rows) / total
        agg1 = (weights @ (rows * full)) / (weights @ full)
        missing = weights @ (~present).astype(np.float64)
        agg2 = (weights @ row_sum + (missing * np.nan_to_num(marker)).sum(1)) / k / total
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
    """Two-sided permutation p-value of ``mean(x) - mean(y)`` (add-one, so never 0)."""
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0 or n_permutations <= 0:
        return None
    pooled = np.concatenate([x, y])
    observed = abs(x.mean() - y.mean())
    hits = 0
    done = 0
    batch = max(1, min(n_permutations, 2_000_000 // max(len(pooled), 1)))
    while done < n_permutations:
        b = min(batch, n_permutations - done)
        perm = rng.permuted(np.tile(pooled, (b, 1)), axis=1)
        diff = np.abs(perm[:, : len(x)].mean(1) - perm[:, len(x) :].mean(1))
        hits += int((diff >= observed - 1e-12).sum())
        done += b
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
    """Directed group-to-group coordination, as ``powerlens.coordination/1``."""
    labels = {name: group_label(value) for name, value in groups.items()}
    values = sorted(set(labels.values()))
    members = {v: [s for s, g in labels.items() if g == v] for v in values}
    cells: dict[tuple[str, str], Scores] = {
        (a, b): scores(counts, speakers=members[a], targets=members[b], thresholds=thresholds)
        for a in values
        for b in values
    }
    directed = []
    for index, ((a, b), cell) in enumerate(cells.items()):
        rng = np.random.default_rng([seed, index])
        agg = aggregate(cell.values)
        boot = (
            _bootstrap(cell.values, n_bootstrap, rng) if len(cell.units) and n_bootstrap else None
        )
        reverse = cells[(b, a)]
        marker_entries = {}
        for j, marker in enumerate(counts.markers):
            column = cell.values[:, j]
            entry: dict[str, Any] = {
                "score": _value(agg["per_marker"][j]),
                "ci": _interval(boot["per_marker"][:, j]) if boot else None,
                "n_speakers": int((~np.isnan(column)).sum()),
            }
            if a != b:
                entry["p_value"] = permutation_p(column, reverse.values[:, j], n_permutations, rng)
            marker_entries[marker] = entry
        directed.append(
            {
                "speakers": a,
                "targets": b,
                "n_exchanges": _exchanges_between(counts, members[a], members[b]),
                "n_speakers": len(cell.units),
                "markers": marker_entries,
                "aggregate": {name: _value(agg[name]) for name in ("agg1", "agg2", "agg3")},
                "aggregate_ci": {
                    name: (_interval(boot[name]) if boot else None)
                    for name in ("agg1", "agg2", "agg3")
                },
                "p_value": permutation_p(
                    _unit_means(cell), _unit_means(reverse), n_permutations, rng
                )
                if a != b
                else None,
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


def _exchanges_between(counts: CoordinationCounts, speakers: list[str], targets: list[str]) -> int:
    """Exchanges in which someone in ``speakers`` replies to someone in ``targets``."""
    s, t = set(speakers), set(targets)
    return int(
        sum(
            n
            for a, b, n in zip(counts.speakers, counts.targets, counts.n.tolist(), strict=True)
            if a in s and b in t
        )
    )


def _unit_means(cell: Scores) -> FloatArray:
    present = ~np.isnan(cell.values)
    return np.asarray(np.nansum(cell.values, 1) / np.maximum(present.sum(1), 1), dtype=np.float64)


# -------------------------------------------------------------------------------- measure
@dataclass
class AccommodationPartial:
    """Pair counts plus the exchanges where a reply echoed most of the target's markers."""

    counts: CoordinationCounts
    echoes: list[Signal] = field(default_factory=list)


class Accommodation:
    """The accommodation measure family (map / combine / finalize)."""

    name = "accommodation"
    requires: frozenset[str] = frozenset({"reply_to"})

    def __init__(self) -> None:
        self._matchers: dict[tuple[int, str], tuple[object, MarkerMatcher]] = {}

    def _matcher(self, options: Options) -> MarkerMatcher:
        spec = options.extra.get("markers")
        mode = options.extra.get("marker_mode", "tokens")
        key = (id(spec), mode)
        if key not in self._matchers:
            self._matchers[key] = (spec, MarkerMatcher(spec, mode))
        return self._matchers[key][1]

    def map(
        self, conversation: Conversation, tokens: Tokens, options: Options
    ) -> AccommodationPartial:
        matcher = self._matcher(options)
        utterances = conversation.utterances
        if matcher.mode == "tokens":
            masks = [matcher.tokens_mask(words) for words in tokens]
        else:
            masks = [matcher.text_mask(u.text) for u in utterances]
        pairs = [
            (i, j)
            for i, j in exchanges(conversation, options.reply_to_previous)
            if utterances[i].speaker != utterances[j].speaker
        ]
        counts = count_pairs(
            matcher.names,
            [utterances[i].speaker for i, _ in pairs],
            [utterances[j].speaker for _, j in pairs],
            [masks[i] for i, _ in pairs],
            [masks[j] for _, j in pairs],
        )
        echoes = []
        for i, j in pairs:
            shown = masks[j]
            echoed = masks[i] & shown
            n_echoed, n_shown = echoed.bit_count(), shown.bit_count()
            if n_echoed >= ECHO_MIN_MARKERS and n_echoed / n_shown >= ECHO_MIN_SHARE:
                reply = utterances[i]
                names = [m for b, m in enumerate(matcher.names) if echoed >> b & 1]
                echoes.append(
                    Signal(
                        utterance_id=reply.id,
                        speaker=reply.speaker,
                        target=utterances[j].speaker,
                        family=self.name,
                        label="echo",
                        span=matcher.first_span(reply.text, echoed),
                        score=n_echoed / n_shown,
                        source="rule:accommodation.echo",
                        subtype="+".join(names),
                    )
                )
        echoes.sort(key=lambda s: -s.score)
        return AccommodationPartial(counts, echoes[:MAX_ECHO_SIGNALS])

    def combine(self, a: AccommodationPartial, b: AccommodationPartial) -> AccommodationPartial:
        merged = sorted(a.echoes + b.echoes, key=lambda s: -s.score)[:MAX_ECHO_SIGNALS]
        return AccommodationPartial(combine_counts(a.counts, b.counts), merged)

    def finalize(self, partial: AccommodationPartial) -> MeasureResult:
        counts = partial.counts
        pairs = scores(counts, focus="pairs")
        dyads = []
        for unit, row, n in zip(pairs.units, pairs.values, pairs.n_exchanges, strict=True):
            speaker, target = unit.split("\x1f")
            present = ~np.isnan(row)
            dyads.append(
                {
                    "speaker": speaker,
                    "target": target,
                    "n_exchanges": int(n),
                    "markers": {m: _value(v) for m, v in zip(counts.markers, row, strict=True)},
                    "aggregate": float(row[present].mean()),
                }
            )
        speakers: dict[str, dict[str, Any]] = {}
        for key, focus in (
            ("coordination_given", "speakers"),
            ("coordination_received", "targets"),
        ):
            result = scores(counts, focus=focus)  # type: ignore[arg-type]
            for unit, mean in zip(result.units, _unit_means(result), strict=True):
                speakers.setdefault(unit, {})[key] = float(mean)
        section = {
            "markers": list(counts.markers),
            "thresholds": vars(Thresholds()).copy(),
            "n_exchanges": counts.n_exchanges,
            "dyads": dyads,
        }
        return MeasureResult(
            speakers=speakers, signals=list(partial.echoes), sections={"accommodation": section}
        )


ACCOMMODATION = Accommodation()
