"""Talk and accommodation over a partition held as columns, for a corpus run.

When a run's families are talk alone or talk and accommodation, and the partition is
interchange JSONL whose rows are all typical (``corpus.jsonl_columns.read_typical``), the
partition is analysed without an ``Utterance`` or ``Conversation`` object: talk is counted
over the columns (``measures.talk.columns``), accommodation is tagged and counted at once
(``measures.accommodation.coordinate``), and the signals of both come back as columns in the
order of the conversation-by-conversation loop (per conversation, family by family in the
order the run names them). ``analyse_columns`` returns None where the partition needs the
row reader; the caller then reads it row by row. The results are the loop's, count for
count and signal for signal (tested against it in ``tests/test_corpus_columnar.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from powerlens.corpus.jsonl_columns import TypicalRows, read_typical
from powerlens.corpus.partitions import Partition
from powerlens.corpus.signals import SIGNAL_COLUMNS
from powerlens.measures import Options
from powerlens.measures.accommodation import Accommodation, UtteranceColumns, coordinate
from powerlens.measures.accommodation.columns import (
    FAMILY,
    SOURCE,
    Coordinated,
    arrow_columns,
    echo_fields,
)
from powerlens.measures.talk.columns import TalkColumns, talk_columns

FAMILIES = frozenset({"talk", "accommodation"})


@dataclass
class ColumnarPartition:
    """A partition analysed over columns: its rows, talk's counts, accommodation's counts
    (None when it did not run on any conversation), how many conversations accommodation
    skipped (no reply links) and every signal as columns (``SIGNAL_COLUMNS``), in order."""

    rows: TypicalRows
    talk: TalkColumns
    coordinated: Coordinated | None
    skipped: int
    signals: dict[str, list[Any]]


def analyse_columns(
    part: Partition, families: tuple[str, ...], options: Options, bulk: Accommodation | None
) -> ColumnarPartition | None:
    """Talk (and accommodation, as ``bulk``) of ``part`` over columns; None where the
    families, the options or a row need the conversation-by-conversation loop."""
    if "talk" not in families or not set(families) <= FAMILIES:
        return None
    turns = bulk.turns(options) if bulk is not None else None
    if turns is not None and turns.rows:
        return None  # units or boundaries read each row's metadata
    rows = read_typical(part)
    if rows is None:
        return None
    cols = rows.columns
    arrow = arrow_columns(cols)  # built once, for talk and accommodation
    talk = talk_columns(
        cols.starts, cols.ids, cols.speakers, cols.texts, cols.reply_to, rows.start, rows.end, arrow
    )
    signals = [(_talk_signals(cols, talk), families.index("talk"))]
    coordinated, skipped = None, 0
    if bulk is not None and turns is not None:
        chosen = _linked(cols) if not options.reply_to_previous else list(range(len(cols.starts)))
        skipped = len(cols.starts) - len(chosen)
        if chosen:
            subset, conversation, row = _subset(cols, chosen)
            coordinated = coordinate(
                subset,
                bulk.matcher(options),
                reply_to_previous=options.reply_to_previous,
                turns=turns,
                arrow=arrow if subset is cols else None,
            )
            echoes = echo_signals(coordinated, cols, conversation, row)
            signals.append((echoes, families.index("accommodation")))
    return ColumnarPartition(rows, talk, coordinated, skipped, _in_order(signals))


def _linked(cols: UtteranceColumns) -> list[int]:
    """Conversations where at least one utterance names a reply target."""
    has = np.asarray([r is not None for r in cols.reply_to], bool)
    bounds = np.asarray([*cols.starts, len(cols.ids)], np.int64)
    per = np.add.reduceat(has.astype(np.int64), bounds[:-1]) if len(has) else np.zeros(0)
    return [int(c) for c in np.flatnonzero(per > 0).tolist()]


def _subset(
    cols: UtteranceColumns, chosen: list[int]
) -> tuple[UtteranceColumns, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The conversations ``chosen``, with each one's position in ``cols`` and each row's."""
    if len(chosen) == len(cols.starts):
        every = np.arange(len(cols.ids), dtype=np.int64)
        return cols, np.arange(len(chosen), dtype=np.int64), every
    bounds = [*cols.starts, len(cols.ids)]
    rows = np.concatenate([np.arange(bounds[c], bounds[c + 1], dtype=np.int64) for c in chosen])
    sizes = [bounds[c + 1] - bounds[c] for c in chosen]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64).tolist()
    take = rows.tolist()
    out = UtteranceColumns(
        [cols.conversation_ids[c] for c in chosen],
        [int(s) for s in starts],
        [cols.ids[i] for i in take],
        [cols.speakers[i] for i in take],
        [cols.texts[i] for i in take],
        [cols.reply_to[i] for i in take],
    )
    return out, np.asarray(chosen, np.int64), rows


def _talk_signals(cols: UtteranceColumns, talk: TalkColumns) -> tuple[Any, dict[str, list[Any]]]:
    """The interruptions as signal columns, with each one's conversation."""
    found = talk.interruptions
    n = len(found.row)
    row, before = found.row.tolist(), found.previous.tolist()
    conversation = np.searchsorted(np.asarray(cols.starts, np.int64), found.row, "right") - 1
    ids, speakers, texts, cids = cols.ids, cols.speakers, cols.texts, cols.conversation_ids
    return conversation, {
        "conversation_id": [cids[c] for c in conversation.tolist()],
        "utterance_id": [ids[i] for i in row],
        "speaker": [speakers[i] for i in row],
        "target": [speakers[j] for j in before],
        "family": ["talk"] * n,
        "label": ["interruption"] * n,
        "subtype": [None] * n,
        "span_start": [0] * n,
        "span_end": [len(texts[i]) for i in row],
        "score": [1.0] * n,
        "source": [f"rule:talk.{kind}" for kind in found.kinds],
    }


def echo_signals(
    done: Coordinated,
    cols: UtteranceColumns | None = None,
    conversation: Any = None,
    row: Any = None,
) -> tuple[Any, dict[str, list[Any]]]:
    """The echoes as signal columns, with each one's conversation: by default in the rows
    and conversations ``coordinate`` was given, else in those of ``cols`` (``conversation``
    and ``row`` map the batch's positions to them)."""
    found = done.found
    n = len(found)
    spans, scores, subtypes = echo_fields(done)
    if cols is None:
        cols, where = done.columns, found.conversation
        reply, target = found.reply.tolist(), found.target.tolist()
    else:
        where = conversation[found.conversation] if n else np.zeros(0, np.int64)
        reply, target = row[found.reply].tolist(), row[found.target].tolist()
    ids, speakers, cids = cols.ids, cols.speakers, cols.conversation_ids
    return where, {
        "conversation_id": [cids[c] for c in where.tolist()],
        "utterance_id": [ids[i] for i in reply],
        "speaker": [speakers[i] for i in reply],
        "target": [speakers[j] for j in target],
        "family": [FAMILY] * n,
        "label": ["echo"] * n,
        "subtype": subtypes,
        "span_start": [a for a, _ in spans],
        "span_end": [b for _, b in spans],
        "score": scores,
        "source": [SOURCE] * n,
    }


def _in_order(
    parts: list[tuple[tuple[Any, dict[str, list[Any]]], int]],
) -> dict[str, list[Any]]:
    """Every family's signal columns merged conversation by conversation, families in the
    run's order (each family's own order kept)."""
    conversation = np.concatenate([np.asarray(c, np.int64) for (c, _), _ in parts])
    rank = np.concatenate([np.full(len(c), r, np.int64) for (c, _), r in parts])
    order = np.lexsort((rank, conversation)).tolist()
    out: dict[str, list[Any]] = {}
    for name in SIGNAL_COLUMNS:
        joined = [v for (_, columns), _ in parts for v in columns[name]]
        out[name] = [joined[i] for i in order]
    return out
