"""Talk counted over columns: a batch of whole conversations in bulk, for the corpus engine.

``talk_columns(...)`` gives what folding ``Talk.map`` over the same conversations (in order,
with ``powerlens.measures.fold``) gives once each partial's event lists are dropped, as the
corpus engine keeps them: the per-speaker tallies, whether every conversation is timed, the
number of conversations and, for a batch of one conversation, its floor. It also gives the
interruptions (the talk family's signals) as rows, in the order ``Talk.map`` finds them. The
definitions are ``powerlens.measures.talk``'s; words are counted as ``tokenize`` splits them
(``word_counts``: ASCII texts with numpy over Arrow's text buffer, others by ``tokenize``).

Exactness: integer counts are order-free; seconds are summed per conversation in row order
and then over conversations in ``fold``'s balanced order, as the per-conversation path adds
them. Tested against the per-conversation path (``tests/test_talk_columns.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from powerlens.language import tokenize
from powerlens.lexicons import word_list
from powerlens.measures.base import fold
from powerlens.measures.talk import CUT_OFF_MARKS, SpeakerTally, TalkPartial, _is_answer

if TYPE_CHECKING:
    from powerlens.measures.accommodation.columns import ArrowColumns

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Interruptions:
    """Interruptions as rows: who interrupted (``row``), whom (``previous``, the row before)
    and how (``kinds``: ``overlap`` or ``cut_off``), in row order."""

    row: IntArray
    previous: IntArray
    kinds: list[str]


@dataclass
class TalkColumns:
    """What ``talk_columns`` found."""

    partial: TalkPartial
    interruptions: Interruptions


def word_counts(texts: Any, strings: Sequence[str]) -> IntArray:
    """``len(tokenize(text))`` of each text (``texts`` as an Arrow string array, ``strings``
    the same texts as Python strings): for an ASCII text, words are runs of letters and
    digits joined by single apostrophes, counted with numpy; other texts use ``tokenize``."""
    import pyarrow.compute as pc

    texts = texts.combine_chunks() if hasattr(texts, "combine_chunks") else texts
    n = len(texts)
    offsets = np.frombuffer(texts.buffers()[1], np.int32, n + 1, texts.offset * 4).astype(np.int64)
    raw = np.frombuffer(texts.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    offsets = offsets - offsets[0]
    alnum = ((raw | 0x20) - np.uint8(97) < 26) | (raw - np.uint8(48) < 10)
    begins = np.empty_like(alnum)
    begins[:1] = alnum[:1]
    np.greater(alnum[1:], alnum[:-1], out=begins[1:])
    heads = offsets[:-1][np.diff(offsets) > 0]
    begins[heads] = alnum[heads]  # a text's first character looks at nothing before it
    runs = np.flatnonzero(begins)
    text_of = np.searchsorted(offsets, runs, "right") - 1
    inside = runs - offsets[text_of] >= 2
    joined = np.zeros(len(runs), bool)
    at = runs[inside]
    joined[inside] = (raw[at - 1] == 0x27) & alnum[at - 2]  # "don't": one word
    counts = np.bincount(text_of[~joined], minlength=n).astype(np.int64)
    for i in np.flatnonzero(~np.asarray(pc.string_is_ascii(texts))).tolist():
        counts[i] = len(tokenize(strings[i]))
    return counts


def talk_columns(
    starts: Sequence[int],
    ids: Sequence[str],
    speakers: Sequence[str],
    texts: Sequence[str],
    reply_to: Sequence[str | None],
    start: FloatArray,
    end: FloatArray,
    arrow: ArrowColumns | None = None,
) -> TalkColumns:
    """Talk over a batch of whole conversations (``starts[c]``: the row where conversation
    ``c`` begins; ``start``/``end``: seconds, NaN where absent; ``arrow``: the same columns
    as Arrow arrays, when the caller has built them already); see the module."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n, c = len(ids), len(starts)
    bounds = np.asarray([*starts, n], np.int64)
    conv = np.repeat(np.arange(c, dtype=np.int64), np.diff(bounds))
    first = np.zeros(n, bool)
    first[bounds[:-1]] = True
    speaker_array = pa.array(speakers, pa.string()) if arrow is None else arrow.speakers
    encoded = pc.dictionary_encode(speaker_array)
    code = encoded.indices.to_numpy().astype(np.int64)
    names: list[str] = encoded.dictionary.to_pylist()
    s = len(names)
    text_array = pa.array(texts, pa.string()) if arrow is None else arrow.texts
    words = word_counts(text_array, texts)
    asks = np.asarray(pc.match_substring(text_array, "?"))
    new_turn = first.copy()
    new_turn[1:] |= code[1:] != code[:-1]
    turn_heads = np.flatnonzero(new_turn)
    turn_words = np.bincount(np.cumsum(new_turn) - 1, weights=words, minlength=len(turn_heads))
    longest = np.zeros(s, np.int64)
    np.maximum.at(longest, code[turn_heads], turn_words.astype(np.int64))
    found = _interruptions(turn_heads[~first[turn_heads]], texts, text_array, start, end)
    answers = _answers(conv, code, ids, reply_to, texts, asks, first, arrow)
    last_rows = bounds[1:] - 1
    last_words = _last_words(bounds, texts)

    def per_speaker(rows: IntArray, weights: Any = None) -> list[int]:
        out = np.bincount(code[rows], weights=weights, minlength=s)
        return [int(x) for x in out.tolist()]

    every = np.arange(n, dtype=np.int64)
    columns = {
        "words": per_speaker(every, words),
        "utterances": per_speaker(every),
        "turns": per_speaker(turn_heads),
        "longest_monologue_words": [int(x) for x in longest.tolist()],
        "interruptions_made": per_speaker(found.row),
        "interruptions_received": per_speaker(found.previous),
        "questions_asked": per_speaker(np.flatnonzero(asks)),
        "questions_answered": per_speaker(answers),
        "opened": per_speaker(bounds[:-1]),
        "closed": per_speaker(last_rows),
        "last_word": per_speaker(last_words),
    }
    seconds = _seconds(conv, code, names, start, end, c)
    tallies = {
        name: SpeakerTally(seconds=seconds.get(name, 0.0), **{k: v[i] for k, v in columns.items()})
        for i, name in enumerate(names)
    }
    timed = bool(n) and not np.isnan(start).any()
    floor: dict[str, dict[str, str] | None] = {}
    if c == 1:
        floor = {
            label: {"speaker": speakers[row], "utterance_id": ids[row]}
            for label, row in (("opened_by", 0), ("closed_by", n - 1), ("last_word", last_words[0]))
        }
    return TalkColumns(TalkPartial(tallies, timed, c, [], [], floor), found)


def _interruptions(
    rows: IntArray, texts: Sequence[str], text_array: Any, start: FloatArray, end: FloatArray
) -> Interruptions:
    """Turns (not a conversation's first) that interrupt the utterance before them."""
    import pyarrow.compute as pc

    before = rows - 1
    with np.errstate(invalid="ignore"):
        overlap = (
            ~np.isnan(start[before])
            & ~np.isnan(end[before])
            & ~np.isnan(start[rows])
            & (start[rows] < end[before])
        )
    marked = np.zeros(len(texts), bool)
    for mark in CUT_OFF_MARKS:
        marked |= np.asarray(pc.match_substring(text_array, mark))
    kinds = np.where(overlap, 1, 0)
    for k in np.flatnonzero(~overlap & marked[before]).tolist():
        if texts[int(before[k])].rstrip().endswith(CUT_OFF_MARKS):
            kinds[k] = 2
    keep = kinds > 0
    labels = ["", "overlap", "cut_off"]
    return Interruptions(rows[keep], before[keep], [labels[k] for k in kinds[keep].tolist()])


def _answers(
    conv: IntArray,
    code: IntArray,
    ids: Sequence[str],
    reply_to: Sequence[str | None],
    texts: Sequence[str],
    asks: BoolArray,
    first: BoolArray,
    arrow: ArrowColumns | None = None,
) -> IntArray:
    """The row of each question's answer (``Talk._answer_questions``): the first reply to it
    by another speaker (by reply link in a conversation with links, else the next utterance)
    holding a sentence that is not a question."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(ids)
    replies = pa.array(reply_to, pa.string()) if arrow is None else arrow.reply_to
    has_link = np.asarray(replies.is_valid())
    linked = (np.bincount(conv[has_link], minlength=int(conv[-1]) + 1 if n else 0) > 0)[conv]
    questions = np.flatnonzero(asks)
    found: list[IntArray] = []
    # without links: the next utterance, if another speaker's
    plain = questions[~linked[questions]]
    plain = plain[plain + 1 < n]
    plain = plain[~first[plain + 1] & (code[plain + 1] != code[plain])]
    nxt = plain + 1
    ok = ~asks[nxt]
    for k in np.flatnonzero(~ok).tolist():
        ok[k] = _is_answer(texts[int(nxt[k])])
    found.append(nxt[ok])
    # with links: replies naming the question's id in the same conversation, in row order
    asked = questions[linked[questions]]
    if len(asked):
        id_array = pa.array(ids, pa.string()) if arrow is None else arrow.ids
        encoded = pc.dictionary_encode(pa.concat_arrays([id_array, replies]))
        codes = encoded.indices.fill_null(-1).to_numpy().astype(np.int64)
        size = max(len(encoded.dictionary), 1)
        rows = np.flatnonzero(has_link)
        keys = conv[rows] * size + codes[n:][rows]
        order = np.argsort(keys, kind="stable")
        keys, rows = keys[order], rows[order]
        wanted = conv[asked] * size + codes[:n][asked]
        lo = np.searchsorted(keys, wanted, "left")
        hi = np.searchsorted(keys, wanted, "right")
        some = lo < hi
        head = rows[np.minimum(lo, len(rows) - 1)] if len(rows) else lo
        quick = some & (code[head] != code[asked]) & ~asks[head]
        found.append(head[quick])
        slow: list[int] = []
        for q, a, b in zip(
            asked[some & ~quick].tolist(),
            lo[some & ~quick].tolist(),
            hi[some & ~quick].tolist(),
            strict=True,
        ):
            for r in rows[a:b].tolist():
                if code[r] != code[q] and _is_answer(texts[r]):
                    slow.append(r)
                    break
        found.append(np.asarray(slow, np.int64))
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _last_words(bounds: IntArray, texts: Sequence[str]) -> IntArray:
    """Each conversation's last utterance that is not only a closing formula (else its
    last utterance), as ``Talk._floor`` finds it."""
    closings = word_list("closings")
    out = bounds[1:] - 1
    for c, (a, b) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)):
        for row in range(b - 1, a - 1, -1):
            words = tokenize(texts[row])
            if words and not all(w in closings for w in words):
                out[c] = row
                break
    return out


class _Seconds:
    """Speaking seconds per speaker, combined as ``Talk.combine`` adds them."""

    name = "seconds"

    def combine(self, a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
        merged = dict(a)
        for name, value in b.items():
            merged[name] = merged[name] + value if name in merged else value
        return merged


def _seconds(
    conv: IntArray, code: IntArray, names: list[str], start: FloatArray, end: FloatArray, c: int
) -> dict[str, float]:
    """Each speaker's seconds (where ``end > start``), summed in row order per conversation,
    then over conversations in ``fold``'s order (speakers without seconds are left out: adding
    0.0 changes nothing)."""
    with np.errstate(invalid="ignore"):
        timed = np.flatnonzero(end > start)
    if len(timed) == 0:
        return {}
    per: list[dict[str, float]] = [{} for _ in range(c)]
    spans = (end[timed] - start[timed]).tolist()
    for row, span in zip(timed.tolist(), spans, strict=True):
        own = per[int(conv[row])]
        name = names[int(code[row])]
        own[name] = own.get(name, 0.0) + span
    return fold(_Seconds(), per) or {}  # type: ignore[arg-type]
