"""Conversations read straight into columns, for the accommodation family's bulk path.

``read_partition(part)`` gives a partition's conversations as ``UtteranceColumns`` (ids,
speakers, texts, reply links), each conversation's rejected rows and source, and each speaker's
metadata — exactly what ``partitions.conversations(part)`` yields, without building an
``Utterance`` per row or a ``Conversation`` per conversation, so that ``coordinate`` can tag and
count a whole partition at once ("Echoes of power", Danescu-Niculescu-Mizil et al. 2012; see
``powerlens.measures.accommodation``). ``powerlens.corpus.coordination`` reads a whole corpus
the same way, in batches.

- A ConvoKit corpus's ``utterances.jsonl`` is parsed with orjson in one list comprehension
  per block of lines (faster on one core than Arrow's JSON reader here), and a block whose
  rows are all typical (string id, speaker, conversation id and non-blank text, a numeric or
  absent timestamp, no ``powerlens.end``) is taken column by column. Any other block is read
  row by row: typical rows as they are, the others through the reader's own
  ``RowConverter``, lines that are not JSON objects as its rejections. A row without a
  conversation id (ConvoKit takes its parent's) or conversations that are not contiguous make
  the reader give up (``broken``); the caller then uses the row-by-row readers, which handle
  or report those.
- An interchange file or range is converted row by row by the reader (``iter_rows`` /
  ``convert_rows``) and grouped by ``stream_groups`` with a builder that records columns, so
  speaker metadata, rejections and errors are the reader's own.
- Anything else (grouped files, transcripts) is read conversation by conversation.

Known limits: a partition is held in memory as columns (a few hundred bytes per utterance).
"""

from __future__ import annotations

import gc
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from powerlens.corpus.jsonl_columns import filled_strings
from powerlens.corpus.partitions import Partition, conversations
from powerlens.measures.accommodation import NO_TURNS, Turns, UtteranceColumns
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers import convokit, interchange
from powerlens.readers.interchange import RowItem, stream_groups

try:
    import orjson

    _loads: Any = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency
    import json

    _loads = json.loads

_END = convokit.END_FIELD
_STAMPS = frozenset({float, int, type(None)})
_REPLIES = frozenset({str, type(None)})
_METAS = frozenset({dict, type(None)})
BATCH_ROWS = 50_000
FEED_LINES = 8_192


@dataclass
class PartitionColumns:
    """Conversations as columns, with what a corpus run counts besides."""

    columns: UtteranceColumns = field(default_factory=UtteranceColumns)
    sources: list[str] = field(default_factory=list)
    """Each conversation's source (the file or folder it was read from)."""
    rejected: list[list[Rejection]] = field(default_factory=list)
    """Each conversation's rejected rows, as the reader attaches them."""
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each speaker's metadata as the conversation they first appear in carries it."""

    def add(self, conversation: Conversation, turns: Turns = NO_TURNS) -> None:
        """Append a conversation read by a reader."""
        self.columns.add(conversation, turns)
        self.sources.append(conversation.source)
        self.rejected.append(list(conversation.rejected))
        for name, speaker in conversation.speakers.items():
            if name not in self.meta:
                self.meta[name] = dict(speaker.meta)

    def linked(self) -> list[bool]:
        """Whether each conversation has a reply link (``Conversation.has_reply_links``)."""
        starts = [*self.columns.starts, len(self.columns)]
        replies = self.columns.reply_to
        return [
            any(r is not None for r in replies[a:b])
            for a, b in zip(starts, starts[1:], strict=False)
        ]


def read_partition(part: Partition, turns: Turns = NO_TURNS) -> PartitionColumns:
    """The conversations of ``part`` as columns, with what ``turns`` reads of each utterance
    (raises ``InputError`` if it is unreadable)."""
    path = Path(part.path)
    if part.kind == "convokit":
        source = path / "utterances.jsonl"
        reader = ConvokitColumns(path, speaker_meta(path), turns)
        lines = interchange.read_range(source, part.offset, part.length, part.line).split(b"\n")
        for start in range(0, len(lines), FEED_LINES):  # small blocks: less memory
            reader.feed(source, lines[start : start + FEED_LINES], part.line + start)
        del lines
        if not reader.broken:
            return reader.finish()
        pairs = interchange.iter_json_range(source, part.offset, part.length, part.line)
        rows = convokit.convert_rows(path, pairs)
        return _grouped(source, str(path), rows, reader.meta, turns)
    if part.kind == "jsonl":
        speakers: dict[str, dict[str, Any]] = {}
        pairs = interchange.iter_json_range(path, part.offset, part.length, part.line)
        rows = interchange.convert_rows(path, pairs, speakers=speakers)
        return _grouped(path, str(path), rows, speakers, turns)
    if part.kind == "stream":
        speakers = {}
        rows = interchange.iter_rows(path, speakers=speakers)
        return _grouped(path, str(path), rows, speakers, turns)
    found = PartitionColumns()
    for conversation in conversations(part):
        found.add(conversation, turns)
    return found


def record(
    found: PartitionColumns,
    cid: str,
    utterances: list[Utterance],
    rejected: list[Rejection],
    source: str,
    speakers: Mapping[str, Mapping[str, Any]],
    turns: Turns = NO_TURNS,
) -> None:
    """Append a conversation as ``interchange.builder`` would make it."""
    columns = found.columns
    columns.conversation_ids.append(cid)
    columns.starts.append(len(columns.ids))
    for u in utterances:
        columns.ids.append(u.id)
        columns.speakers.append(u.speaker)
        columns.texts.append(u.text)
        columns.reply_to.append(u.reply_to)
        if u.speaker not in found.meta:
            found.meta[u.speaker] = dict(speakers.get(u.speaker, {}))
        if turns.rows:
            columns.note(turns, u.meta, speakers.get(u.speaker), cid)
    found.sources.append(source)
    found.rejected.append(rejected)


def _grouped(
    path: Path,
    source: str,
    rows: Iterator[RowItem],
    speakers: Mapping[str, Mapping[str, Any]],
    turns: Turns = NO_TURNS,
) -> PartitionColumns:
    """Rows grouped into conversations by the readers' ``stream_groups``, recorded as columns."""
    found = PartitionColumns()

    def build(cid: str, utterances: list[Utterance], rejected: list[Rejection]) -> None:
        record(found, cid, utterances, rejected, source, speakers, turns)

    for _ in stream_groups(path, rows, build):  # type: ignore[arg-type]
        pass
    return found


_META_CACHE: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = {}


def speaker_meta(folder: Path) -> dict[str, Any]:
    """A corpus folder's speaker metadata (checked as the reader checks the metadata files),
    read once per process while the files are unchanged."""
    stamp = tuple(
        (s.st_size, s.st_mtime_ns) if (s := _stat(folder / name)) else None
        for name in ("speakers.json", "users.json", "conversations.json")
    )
    key = (str(folder), stamp)
    if key not in _META_CACHE:
        convokit.conversation_builder(folder)  # raises as the row reader would
        _META_CACHE.clear()
        _META_CACHE[key] = convokit.speaker_meta(folder)
    return _META_CACHE[key]


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _column(objs: list[dict[str, Any]], key: str, other: str | None = None) -> list[Any]:
    """``obj[key] if key in obj else obj.get(other)`` of every object (``obj.get(key)``
    without ``other``), taken with ``itemgetter`` when every object has the key."""
    try:
        return list(map(itemgetter(key), objs))
    except KeyError:
        pass
    if other is not None and not any(key in o for o in objs):
        try:
            return list(map(itemgetter(other), objs))
        except KeyError:
            return [o.get(other) for o in objs]
    if other is None:
        return [o.get(key) for o in objs]
    return [o[key] if key in o else o.get(other) for o in objs]


class ConvokitColumns:
    """Rows of a corpus folder's ``utterances.jsonl`` turned into columns (see the module)."""

    def __init__(self, folder: Path, meta: Mapping[str, Any], turns: Turns = NO_TURNS) -> None:
        self.folder = folder
        self.turns = turns
        self.source = str(folder)
        self.meta = meta
        self.found = PartitionColumns()
        self.current: str | None = None
        self.seen: set[str] = set()
        self.pending: list[Rejection] = []
        self.converter: convokit.RowConverter | None = None
        self.broken = False

    def feed(self, path: Path, lines: list[bytes], first: int) -> None:
        """Take whole lines numbered from ``first`` (blank ones included)."""
        if self.broken:
            return
        if lines and not lines[-1]:
            lines = lines[:-1]
        collecting = gc.isenabled()
        gc.disable()  # parsed rows hold no cycles; collecting while they pile up is wasted
        try:
            try:
                objs = [_loads(line) for line in lines]
            except ValueError:  # a blank line, invalid JSON or UTF-8: read line by line
                self._rows(interchange.json_lines(path, lines, first))
                return
            if not self._bulk(objs):
                self._rows(enumerate(objs, start=first))
        finally:
            if collecting:
                gc.enable()

    def _bulk(self, objs: list[Any]) -> bool:
        """Take a block of typical rows column by column; False (and nothing taken) if any
        row is not typical."""
        if not objs:
            return True
        if set(map(type, objs)) != {dict}:
            return False
        ids = _column(objs, "id")
        speakers = _column(objs, "speaker", "user")
        texts = _column(objs, "text")
        cids = _column(objs, "conversation_id", "root")
        replies = _column(objs, "reply_to", "reply-to")
        metas = _column(objs, "meta")
        stamps = _column(objs, "timestamp")
        if not (
            all(map(filled_strings, (ids, speakers, texts, cids)))
            and not any(map(str.isspace, texts))
            and set(map(type, replies)) <= _REPLIES
            and set(map(type, metas)) <= _METAS
            and not any(map(dict.__contains__, filter(None, metas), repeat(_END)))
            and not any(map(dict.__contains__, objs, repeat(_END)))
            and set(map(type, stamps)) <= _STAMPS
            and math.inf not in stamps
            and -math.inf not in stamps
        ):
            return False
        if "" in replies:
            replies = [r or None for r in replies]
        found, columns = self.found, self.found.columns
        base = len(columns.ids)
        current, seen = self.current, self.seen
        for k, cid in enumerate(cids):
            if cid != current:
                if cid in seen:
                    self.broken = True
                    return True
                seen.add(cid)
                self._start(cid, base + k)
                current = cid
            elif k == 0 and self.pending:
                found.rejected[-1].extend(self.pending)
                self.pending = []
        self.current = current
        columns.ids += ids
        columns.speakers += speakers
        columns.texts += texts
        columns.reply_to += replies
        meta = found.meta
        for name in dict.fromkeys(speakers):
            if name not in meta:
                meta[name] = dict(self.meta.get(name, {}))
        if self.turns.rows:
            for speaker, cid, row_meta in zip(speakers, cids, metas, strict=True):
                columns.note(self.turns, row_meta, self.meta.get(speaker), cid)
        return True

    def _start(self, cid: str, row: int) -> None:
        """A new conversation starts at ``row``; rejections seen since the last good row
        belong to the conversation before it (or to this one, when it is the first)."""
        found = self.found
        if self.current is not None and self.pending:
            found.rejected[-1].extend(self.pending)
            self.pending = []
        found.columns.conversation_ids.append(cid)
        found.columns.starts.append(row)
        found.sources.append(self.source)
        found.rejected.append(self.pending)
        self.pending = []

    def _rows(self, pairs: Iterator[tuple[int, Any]]) -> None:
        """Take rows one by one: ``(line number, parsed object or reason)``."""
        found = self.found
        columns = found.columns
        for number, obj in pairs:
            if type(obj) is not dict:
                reason = (
                    obj
                    if type(obj) is str
                    else f"expected a JSON object, found {type(obj).__name__}"
                )
                self.pending.append(Rejection(number, reason))
                continue
            get = obj.get
            uid = get("id")
            speaker = obj["speaker"] if "speaker" in obj else get("user")
            text = get("text")
            cid = obj["conversation_id"] if "conversation_id" in obj else get("root")
            reply = obj["reply_to"] if "reply_to" in obj else get("reply-to")
            raw_meta = get("meta")
            stamp = get("timestamp")
            row_meta = raw_meta
            if (
                type(uid) is str
                and uid
                and type(speaker) is str
                and speaker
                and type(text) is str
                and text
                and not text.isspace()
                and type(cid) is str
                and cid
                and type(reply) in _REPLIES
                and (raw_meta is None or (type(raw_meta) is dict and _END not in raw_meta))
                and _END not in obj
                and type(stamp) in _STAMPS
                and stamp not in (math.inf, -math.inf)
            ):
                reply = reply or None
            else:
                self.converter = self.converter or convokit.RowConverter(
                    self.folder, streaming=True
                )
                item = self.converter.convert(number, obj)
                if isinstance(item, str):
                    self.pending.append(Rejection(number, item))
                    continue
                if cid is None or cid == "" or item[0] is None:  # taken from the parent
                    self.broken = True
                    return
                cid, utterance = item[0], item[1]
                row_meta = utterance.meta
                uid, speaker, text, reply = (
                    utterance.id,
                    utterance.speaker,
                    utterance.text,
                    utterance.reply_to,
                )
            if cid != self.current:
                if cid in self.seen:
                    self.broken = True
                    return
                self.seen.add(cid)
                self._start(cid, len(columns.ids))
                self.current = cid
            elif self.pending:
                found.rejected[-1].extend(self.pending)
                self.pending = []
            columns.ids.append(uid)
            columns.speakers.append(speaker)
            columns.texts.append(text)
            columns.reply_to.append(reply)
            if speaker not in found.meta:
                found.meta[speaker] = dict(self.meta.get(speaker, {}))
            if self.turns.rows:
                columns.note(self.turns, row_meta, self.meta.get(speaker), cid)

    def cut(self) -> PartitionColumns:
        """The conversations read so far but the last (which may go on), and forget them."""
        found = self.found
        columns = found.columns
        if len(columns.conversation_ids) < 2:
            return PartitionColumns()
        at = columns.starts[-1]
        rest = PartitionColumns(
            UtteranceColumns(
                [columns.conversation_ids.pop()],
                [columns.starts.pop() - at],
                columns.ids[at:],
                columns.speakers[at:],
                columns.texts[at:],
                columns.reply_to[at:],
                None if columns.units is None else columns.units[at:],
                None if columns.breaks is None else columns.breaks[at:],
            ),
            [found.sources.pop()],
            [found.rejected.pop()],
        )
        del columns.ids[at:], columns.speakers[at:], columns.texts[at:], columns.reply_to[at:]
        if columns.units is not None and columns.breaks is not None:
            del columns.units[at:], columns.breaks[at:]
        self.found = rest
        return found

    def finish(self) -> PartitionColumns:
        """Everything read, trailing rejections given to the last conversation."""
        if self.pending and self.found.rejected:
            self.found.rejected[-1].extend(self.pending)
        self.pending = []
        return self.found
