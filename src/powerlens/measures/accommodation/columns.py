"""Style coordination counted over columns: pair counts, exchanges and echoes in bulk.

"Echoes of power" (Danescu-Niculescu-Mizil, Lee, Pang & Kleinberg, WWW 2012), as ConvoKit's
``Coordination`` counts it: an exchange is a reply and the utterance it replies to, spoken by
another person; per directed (speaker, target) pair and marker, the counts of exchanges,
replies showing the marker, targets showing it and both (``CoordinationCounts``).

``coordinate(columns, matcher)`` computes those counts, and the echo signals, for a batch of
whole conversations held as columns (``UtteranceColumns``: ids, speakers, texts, reply links,
where each conversation starts): markers are tagged in bulk (``MarkerMatcher.masks``), reply
links are resolved to rows with numpy (a link names the last utterance of that id in the
same conversation; a conversation without links, when ``reply_to_previous`` is set, replies
turn by turn), and the pairs are counted with ``np.unique`` and ``np.bincount``. The result is
what folding ``Accommodation.map`` over the same conversations gives, count for count and
signal for signal (tested against it).

Known limits: a batch is held in memory whole; the corpus engine passes one partition at a
time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from powerlens.errors import UsageError
from powerlens.measures.accommodation.markers import MarkerMatcher, mask_matrix
from powerlens.measures.accommodation.turns import NO_TURNS, UNIT_SEP, Turns
from powerlens.model import Conversation, Signal

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
FAMILY = "accommodation"
SOURCE = "rule:accommodation.echo"
ECHO_MIN_MARKERS = 3
ECHO_MIN_SHARE = 0.75
MAX_ECHO_SIGNALS = 50
"""Echo signals kept per conversation (the strongest)."""
DEFAULT_TURNS = NO_TURNS
TALLY_ROWS = 4_000_000
"""Pair rows a ``PairTally`` holds before it sums the rows of each pair."""


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
        reply=column_sums(inv, rm, len(uniq)),
        target=column_sums(inv, tm, len(uniq)),
        both=column_sums(inv, rm & tm, len(uniq)),
    )


def column_sums(groups: IntArray, values: npt.NDArray[Any], n_groups: int) -> IntArray:
    """Per group, the sum of each column of ``values``."""
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
    names = sorted({*a.speakers, *a.targets, *b.speakers, *b.targets})
    rank = {name: i for i, name in enumerate(names)}
    width = len(names)
    total = len(a.speakers) + len(b.speakers)
    s = np.fromiter(map(rank.__getitem__, a.speakers + b.speakers), np.int64, count=total)
    t = np.fromiter(map(rank.__getitem__, a.targets + b.targets), np.int64, count=total)
    unique, inverse = np.unique(s * width + t, return_inverse=True)
    p = len(unique)

    into_a, into_b = inverse[: len(a.speakers)], inverse[len(a.speakers) :]

    def merge(x: IntArray, y: IntArray) -> IntArray:
        out = np.zeros((p, *x.shape[1:]), dtype=np.int64)
        out[into_a] = x  # each side's pairs are distinct, so plain indexing adds
        out[into_b] += y
        return out

    return CoordinationCounts(
        markers=a.markers,
        speakers=tuple(names[i] for i in (unique // width).tolist()),
        targets=tuple(names[i] for i in (unique % width).tolist()),
        n=merge(a.n, b.n),
        reply=merge(a.reply, b.reply),
        target=merge(a.target, b.target),
        both=merge(a.both, b.both),
    )


def speaker_counts(counts: CoordinationCounts) -> CoordinationCounts:
    """Counts per directed pair of units summed per pair of their speakers (units named
    ``speaker + UNIT_SEP + value``; counts are additive, so this is exact)."""
    if not any(UNIT_SEP in name for name in (*counts.speakers, *counts.targets)):
        return counts
    owner = {name: name.partition(UNIT_SEP)[0] for name in {*counts.speakers, *counts.targets}}
    names = sorted(set(owner.values()))
    rank = {name: i for i, name in enumerate(names)}
    width = len(names)
    s = np.fromiter((rank[owner[x]] for x in counts.speakers), np.int64, len(counts.speakers))
    t = np.fromiter((rank[owner[x]] for x in counts.targets), np.int64, len(counts.targets))
    unique, inverse = np.unique(s * width + t, return_inverse=True)
    p = len(unique)

    def summed(x: IntArray) -> IntArray:
        out = np.zeros((p, *x.shape[1:]), np.int64)
        np.add.at(out, inverse, x)
        return out

    return CoordinationCounts(
        markers=counts.markers,
        speakers=tuple(names[i] for i in (unique // width).tolist()),
        targets=tuple(names[i] for i in (unique % width).tolist()),
        n=summed(counts.n),
        reply=summed(counts.reply),
        target=summed(counts.target),
        both=summed(counts.both),
    )


@dataclass
class UtteranceColumns:
    """Whole conversations as columns: one entry per utterance, conversation after
    conversation; ``starts[c]`` is the row where conversation ``c`` begins."""

    conversation_ids: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    reply_to: list[str | None] = field(default_factory=list)
    units: list[str | None] | None = None
    """With ``Turns`` that split speakers: each utterance's unit value (``Turns.unit_value``)."""
    breaks: list[bool] | None = None
    """With ``Turns`` boundaries: whether each utterance starts a new reply chain."""

    def add(self, conversation: Conversation, turns: Turns = DEFAULT_TURNS) -> None:
        """Append a conversation's utterances (and what ``turns`` reads of each)."""
        self.conversation_ids.append(conversation.id)
        self.starts.append(len(self.ids))
        for u in conversation.utterances:
            self.ids.append(u.id)
            self.speakers.append(u.speaker)
            self.texts.append(u.text)
            self.reply_to.append(u.reply_to)
            if turns.rows:
                speaker = conversation.speakers.get(u.speaker)
                self.note(turns, u.meta, speaker.meta if speaker else None, conversation.id)

    def note(
        self,
        turns: Turns,
        meta: Mapping[str, Any] | None,
        speaker_meta: Mapping[str, Any] | None,
        conversation_id: str,
    ) -> None:
        """Record what ``turns`` reads of the utterance just appended."""
        if self.units is None or self.breaks is None:
            self.units = [None] * (len(self.ids) - 1)
            self.breaks = [False] * (len(self.ids) - 1)
        self.units.append(turns.unit_value(meta, speaker_meta, conversation_id))
        self.breaks.append(turns.starts_chain(meta))

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Echoes:
    """A batch's echo signals as columns, in the order ``Accommodation.map`` gives them:
    conversation by conversation, strongest first, at most ``MAX_ECHO_SIGNALS`` each."""

    conversation: IntArray
    """The conversation (position in the batch) of each echo."""
    reply: IntArray
    """The row of the reply that echoes."""
    target: IntArray
    """The row of the utterance it replies to."""
    bits: IntArray
    """The markers both show."""
    score: FloatArray
    """Share of the target's markers the reply shows."""

    def __len__(self) -> int:
        return len(self.reply)


@dataclass
class Coordinated:
    """What ``coordinate`` found: the pair counts and the echoes."""

    counts: CoordinationCounts
    found: Echoes
    columns: UtteranceColumns
    matcher: MarkerMatcher

    @property
    def echoes(self) -> list[list[Signal]]:
        """Each conversation's echo signals (one list per conversation of the batch)."""
        out: list[list[Signal]] = [[] for _ in self.columns.starts]
        fields = echo_fields(self)
        ids, speakers = self.columns.ids, self.columns.speakers
        for c, i, j, span, score, subtype in zip(
            self.found.conversation.tolist(),
            self.found.reply.tolist(),
            self.found.target.tolist(),
            *fields,
            strict=True,
        ):
            out[c].append(
                Signal(
                    utterance_id=ids[i],
                    speaker=speakers[i],
                    target=speakers[j],
                    family=FAMILY,
                    label="echo",
                    span=span,
                    score=score,
                    source=SOURCE,
                    subtype=subtype,
                )
            )
        return out


def echo_fields(done: Coordinated) -> tuple[list[tuple[int, int]], list[float], list[str]]:
    """Each echo's span (the first word of the reply showing an echoed marker), score and
    subtype (the echoed markers joined with ``+``)."""
    texts, matcher = done.columns.texts, done.matcher
    bits = done.found.bits.tolist()
    spans = [
        matcher.first_span(texts[i], b)
        for i, b in zip(done.found.reply.tolist(), bits, strict=True)
    ]
    names = matcher.names
    subtypes: dict[int, str] = {}
    for b in set(bits):
        subtypes[b] = "+".join(m for k, m in enumerate(names) if b >> k & 1)
    return spans, done.found.score.tolist(), [subtypes[b] for b in bits]


@dataclass
class ArrowColumns:
    """Whole conversations as Arrow string arrays, the shape ``count_exchanges`` counts:
    ``starts[c]`` is the row where conversation ``c`` begins; ``reply_to`` is null where an
    utterance names no reply target; ``units`` (strings, null for the speaker itself) and
    ``breaks`` (booleans) are there when ``Turns`` need them."""

    starts: IntArray
    ids: Any
    speakers: Any
    texts: Any
    reply_to: Any
    units: Any = None
    breaks: npt.NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return len(self.ids)


def arrow_columns(columns: UtteranceColumns) -> ArrowColumns:
    """``UtteranceColumns`` as Arrow arrays."""
    import pyarrow as pa

    return ArrowColumns(
        np.asarray(columns.starts, np.int64),
        pa.array(columns.ids, pa.string()),
        pa.array(columns.speakers, pa.string()),
        pa.array(columns.texts, pa.string()),
        pa.array(columns.reply_to, pa.string()),
        None if columns.units is None else pa.array(columns.units, pa.string()),
        None if columns.breaks is None else np.asarray(columns.breaks, bool),
    )


def coordinate(
    columns: UtteranceColumns,
    matcher: MarkerMatcher,
    *,
    reply_to_previous: bool = False,
    echoes: bool = True,
    turns: Turns = DEFAULT_TURNS,
    arrow: ArrowColumns | None = None,
) -> Coordinated:
    """Pair counts and echo signals of a batch of conversations, computed over columns
    (``arrow``: the same columns as Arrow arrays, when the caller has built them already)."""
    empty = Coordinated(empty_counts(matcher.names), _no_echoes(), columns, matcher)
    if len(columns.ids) == 0:
        return empty
    arrow = arrow_columns(columns) if arrow is None else arrow
    found = _exchanges(arrow, matcher, reply_to_previous, turns)
    if found is None:
        return empty
    counts = _pair_counts(found, tuple(matcher.names))
    if not echoes:
        return Coordinated(counts, _no_echoes(), columns, matcher)
    echoed = _echoes(found.conv, found.reply, found.target, found.reply_masks, found.target_masks)
    if found.turn_ends is not None and len(echoed):
        echoed.reply = _span_rows(echoed, found.turn_ends, arrow.texts, matcher)
    return Coordinated(counts, echoed, columns, matcher)


def count_exchanges(
    columns: ArrowColumns,
    matcher: MarkerMatcher,
    *,
    reply_to_previous: bool = False,
    turns: Turns = DEFAULT_TURNS,
) -> CoordinationCounts:
    """Pair counts of a batch of conversations held as Arrow arrays (no echo signals)."""
    found = _exchanges(columns, matcher, reply_to_previous, turns) if len(columns) else None
    if found is None:
        return empty_counts(matcher.names)
    return _pair_counts(found, tuple(matcher.names))


@dataclass
class _Found:
    """What ``_exchanges`` found: the units (names, and each exchange's replying and replied-to
    unit), each row's conversation, the exchanges (rows of the replying and the replied-to
    turn's first utterance) and their marker masks."""

    names: list[str]
    reply_units: IntArray
    target_units: IntArray
    k: int
    conv: IntArray
    reply: IntArray
    target: IntArray
    reply_masks: IntArray
    target_masks: IntArray
    turn_ends: IntArray | None
    """With merged turns: for each row, the row after its turn's last utterance."""


def _exchanges(
    columns: ArrowColumns, matcher: MarkerMatcher, reply_to_previous: bool, turns: Turns
) -> _Found | None:
    """The exchanges of a batch between two speakers, counted per directed pair of units;
    None when there is no exchange."""
    import pyarrow.compute as pc

    k = len(matcher.names)
    n, c = len(columns.ids), len(columns.starts)
    conv = np.repeat(np.arange(c, dtype=np.int64), np.diff(np.append(columns.starts, n)))
    speakers = pc.dictionary_encode(columns.speakers)
    code = speakers.indices.to_numpy().astype(np.int64)
    replies = columns.reply_to
    linked = np.asarray(replies.is_valid()).astype(bool)
    links = np.bincount(conv[linked], minlength=c) > 0
    breaks = columns.breaks if turns.boundaries and columns.breaks is not None else None
    if breaks is not None and breaks.any():
        linked = linked & ~breaks  # a chain starts there: its link is dropped
    first = _turn_starts(columns, conv, code, linked, breaks) if turns.merge else None
    reply, target = _link_rows(columns.ids, replies, conv, links, linked)
    if first is not None and not first.all():
        heads = np.flatnonzero(first)
        head_of = heads[np.cumsum(first) - 1]
        keep = first[reply]  # only a turn's first utterance replies for the turn
        reply, target = reply[keep], head_of[target[keep]]
        keep = reply != target
        reply, target = reply[keep], target[keep]
        turn_ends: IntArray | None = np.append(heads[1:], n)[np.cumsum(first) - 1]
    else:
        heads, turn_ends = None, None
    if reply_to_previous:
        rows = np.arange(n, dtype=np.int64) if heads is None else heads
        same = conv[rows[1:]] == conv[rows[:-1]]
        later, before = rows[1:][same], rows[:-1][same]
        keep = ~links[conv[later]]
        if breaks is not None:
            keep &= ~breaks[later]
        reply = np.concatenate([reply, later[keep]])
        target = np.concatenate([target, before[keep]])
        order = np.argsort(reply, kind="stable")
        reply, target = reply[order], target[order]
    other = code[reply] != code[target]
    reply, target = reply[other], target[other]
    if len(reply) == 0:
        return None
    if heads is not None:
        masks = np.zeros(n, np.int64)
        masks[heads] = matcher.masks(_joined(columns.texts, heads, n))
    else:
        masks = matcher.masks(columns.texts)
    unit_code, names = _unit_codes(columns, speakers, code, turns)
    return _Found(
        names,
        unit_code[reply],
        unit_code[target],
        k,
        conv,
        reply,
        target,
        masks[reply],
        masks[target],
        turn_ends,
    )


def _pair_counts(found: _Found, markers: tuple[str, ...]) -> CoordinationCounts:
    """The exchanges counted per directed pair of units, pairs sorted by name."""
    names, k = found.names, found.k
    ranked = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), np.int64)
    rank[ranked] = np.arange(len(names))
    width = len(names)
    pair = rank[found.reply_units] * width + rank[found.target_units]
    unique, inverse = np.unique(pair, return_inverse=True)
    p = len(unique)
    reply_masks, target_masks = found.reply_masks, found.target_masks
    return CoordinationCounts(
        markers=markers,
        speakers=tuple(names[ranked[r]] for r in (unique // width).tolist()),
        targets=tuple(names[ranked[r]] for r in (unique % width).tolist()),
        n=np.bincount(inverse, minlength=p).astype(np.int64),
        reply=_bit_sums(inverse, reply_masks, k, p),
        target=_bit_sums(inverse, target_masks, k, p),
        both=_bit_sums(inverse, reply_masks & target_masks, k, p),
    )


class PairTally:
    """Exchanges of many batches counted per directed pair of units under integer codes
    shared by the batches, names sorted once at the end: the counts ``combine_counts`` of
    every batch's counts gives, without merging names batch by batch."""

    def __init__(self, markers: Sequence[str]) -> None:
        self.markers = tuple(markers)
        self.code: dict[str, int] = {}
        self.keys: list[IntArray] = []
        self.values: list[IntArray] = []
        self.rows = 0

    def add(
        self, columns: ArrowColumns, matcher: MarkerMatcher, reply_to_previous: bool, turns: Turns
    ) -> None:
        """Count a batch of whole conversations."""
        found = _exchanges(columns, matcher, reply_to_previous, turns) if len(columns) else None
        if found is None:
            return
        code = self.code
        local = np.fromiter(
            (code.setdefault(name, len(code)) for name in found.names),
            np.int64,
            count=len(found.names),
        )
        unique, inverse = np.unique(
            local[found.reply_units] << 32 | local[found.target_units], return_inverse=True
        )
        p, k = len(unique), found.k
        values = np.empty((p, 1 + 3 * k), np.int64)
        values[:, 0] = np.bincount(inverse, minlength=p)
        both = found.reply_masks & found.target_masks
        for at, masks in ((1, found.reply_masks), (1 + k, found.target_masks), (1 + 2 * k, both)):
            values[:, at : at + k] = _bit_sums(inverse, masks, k, p)
        self.keys.append(unique)
        self.values.append(values)
        self.rows += p
        if self.rows >= TALLY_ROWS:
            self._compact()

    def _compact(self) -> None:
        """Sum the rows of each pair (memory stays proportional to the pairs)."""
        if len(self.keys) < 2:
            return
        keys = np.concatenate(self.keys)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
        summed = np.add.reduceat(np.concatenate(self.values)[order], starts, axis=0)
        self.keys, self.values, self.rows = [keys[starts]], [summed], len(starts)

    def counts(self) -> CoordinationCounts:
        """Every batch's exchanges, as ``CoordinationCounts`` (pairs sorted by name)."""
        if not self.keys:
            return empty_counts(self.markers)
        self._compact()
        keys, values = self.keys[0], self.values[0]
        names = list(self.code)
        ranked = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), np.int64)
        rank[ranked] = np.arange(len(names))
        order = np.argsort(rank[keys >> 32] * len(names) + rank[keys & 0xFFFFFFFF], kind="stable")
        keys, values = keys[order], values[order]
        k = len(self.markers)
        return CoordinationCounts(
            markers=self.markers,
            speakers=tuple(names[i] for i in (keys >> 32).tolist()),
            targets=tuple(names[i] for i in (keys & 0xFFFFFFFF).tolist()),
            n=np.ascontiguousarray(values[:, 0]),
            reply=np.ascontiguousarray(values[:, 1 : 1 + k]),
            target=np.ascontiguousarray(values[:, 1 + k : 1 + 2 * k]),
            both=np.ascontiguousarray(values[:, 1 + 2 * k :]),
        )


def _turn_starts(
    columns: ArrowColumns,
    conv: IntArray,
    code: IntArray,
    linked: npt.NDArray[np.bool_],
    breaks: npt.NDArray[np.bool_] | None,
) -> npt.NDArray[np.bool_]:
    """Rows that start a turn: a conversation's first, a change of speaker, a boundary, or a
    reply to something other than the utterance just before."""
    import pyarrow.compute as pc

    n = len(conv)
    first = np.ones(n, bool)
    if n < 2:
        return first
    continues = (conv[1:] == conv[:-1]) & (code[1:] == code[:-1])
    if breaks is not None:
        continues &= ~breaks[1:]
    own = pc.equal(columns.reply_to.slice(1), columns.ids.slice(0, n - 1))
    to_previous = np.asarray(own.fill_null(False)).astype(bool)
    continues &= ~linked[1:] | to_previous
    first[1:] = ~continues
    return first


def _joined(texts: Any, heads: IntArray, n: int) -> Any:
    """Each turn's texts joined by a space (turns start at ``heads``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    offsets = pa.array(np.append(heads, n).astype(np.int32))
    return pc.binary_join(pa.ListArray.from_arrays(offsets, texts), " ")


def _unit_codes(
    columns: ArrowColumns, speakers: Any, code: IntArray, turns: Turns
) -> tuple[IntArray, list[str]]:
    """Each row's unit (code into the names): its speaker, or ``speaker + UNIT_SEP + value``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names: list[str] = speakers.dictionary.to_pylist()
    if turns.unit == "speaker" or columns.units is None or columns.units.null_count == len(code):
        return code, names
    split = pc.binary_join_element_wise(
        columns.speakers, columns.units, pa.scalar(UNIT_SEP, pa.string())
    )
    named = pc.dictionary_encode(pc.coalesce(split, columns.speakers))
    return named.indices.to_numpy().astype(np.int64), named.dictionary.to_pylist()


def _span_rows(found: Echoes, turn_ends: IntArray, texts: Any, matcher: MarkerMatcher) -> IntArray:
    """For echoes of merged turns: the utterance of the turn where the first echoed marker
    shows (its span and id are that utterance's own)."""
    rows = found.reply.copy()
    for e, (head, bits) in enumerate(zip(found.reply.tolist(), found.bits.tolist(), strict=True)):
        end = int(turn_ends[head])
        if end - head > 1:
            own = matcher.masks(texts.slice(head, end - head))
            hit = np.flatnonzero(own & bits)
            rows[e] = head + int(hit[0]) if len(hit) else head
    return rows


def _no_echoes() -> Echoes:
    none = np.zeros(0, np.int64)
    return Echoes(none, none, none, none, np.zeros(0, np.float64))


def empty_counts(markers: Sequence[str]) -> CoordinationCounts:
    """What ``count_pairs`` gives for no exchange."""
    zero = np.zeros((0, len(markers)), np.int64)
    return CoordinationCounts(tuple(markers), (), (), np.zeros(0, np.int64), zero, zero, zero)


def _link_rows(
    ids: Any, replies: Any, conv: IntArray, links: Any, linked: Any
) -> tuple[IntArray, IntArray]:
    """Rows of the replies of linked conversations and the rows they reply to: the last
    utterance with that id in the same conversation (as a dict from id to row keeps it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(ids)
    rows = np.flatnonzero(linked & links[conv])
    if len(rows) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    encoded = pc.dictionary_encode(pa.concat_arrays([ids, replies]))
    codes = encoded.indices.fill_null(-1).to_numpy().astype(np.int64)
    size = max(len(encoded.dictionary), 1)
    keys = conv * size + codes[:n]
    wanted = conv[rows] * size + codes[n:][rows]
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    at = np.searchsorted(ordered, wanted, side="right") - 1
    hit = at >= 0
    hit[hit] = ordered[at[hit]] == wanted[hit]
    return rows[hit], order[at[hit]]


def _bit_sums(groups: IntArray, masks: IntArray, k: int, n_groups: int) -> IntArray:
    """Per group and marker, how many masks have the marker's bit."""
    out = np.zeros((n_groups, k), np.int64)
    for j in range(k):
        bit = ((masks >> j) & 1).astype(np.float64)
        out[:, j] = np.bincount(groups, weights=bit, minlength=n_groups).astype(np.int64)
    return out


def popcount(values: IntArray) -> IntArray:
    """Set bits of each (non-negative) value."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values).astype(np.int64)
    out = np.zeros(len(values), np.int64)  # pragma: no cover - numpy < 2
    for j in range(63):  # pragma: no cover
        out += (values >> j) & 1
    return out  # pragma: no cover


def _echoes(
    conv: IntArray,
    reply: IntArray,
    target: IntArray,
    reply_masks: IntArray,
    target_masks: IntArray,
) -> Echoes:
    """The echoes of ``Accommodation.map``: a reply showing at least ``ECHO_MIN_MARKERS`` of
    the target's markers and ``ECHO_MIN_SHARE`` of them, the ``MAX_ECHO_SIGNALS`` strongest of
    each conversation (ties in reply order)."""
    echoed = reply_masks & target_masks
    n_echoed, n_shown = popcount(echoed), popcount(target_masks)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = n_echoed / n_shown
    chosen = np.flatnonzero((n_echoed >= ECHO_MIN_MARKERS) & (share >= ECHO_MIN_SHARE))
    if len(chosen) == 0:
        return _no_echoes()
    where = conv[reply[chosen]]
    chosen = chosen[np.lexsort((reply[chosen], -share[chosen], where))]
    where = conv[reply[chosen]]
    first = np.searchsorted(where, where, side="left")
    chosen = chosen[np.arange(len(chosen)) - first < MAX_ECHO_SIGNALS]
    return Echoes(conv[reply[chosen]], reply[chosen], target[chosen], echoed[chosen], share[chosen])
