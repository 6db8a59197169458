"""Row conversion: one row mapping (a parsed JSONL line, a CSV record, a Parquet row) to an
``Utterance``, or the reason the row is rejected.

The interchange columns (``id, conversation_id, speaker, text, timestamp, start, end,
reply_to``, ``meta.*``, ``speaker.*``; ``docs/formats.md``) follow ConvoKit's names (Chang et
al. 2020, "ConvoKit: A Toolkit for the Analysis of Conversations"). ``RowConverter`` is the
reader's hot path: it checks the required fields, plans each distinct key layout once, and
builds utterances without the frozen dataclass's ``__init__``. Sources of rows live in
``powerlens.readers.jsonlines`` and ``powerlens.readers.interchange``.

Known limits: CSV has no types, so a CSV value is typed by its look (``cell``); an empty or
null value means "absent"; naive ISO 8601 timestamps are taken as UTC; NaN times are absent,
infinite ones are rejected.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from powerlens.errors import InputError, shown
from powerlens.model import Rejection, Utterance
from powerlens.readers import budgets
from powerlens.readers.jsondoc import loads_small

COLUMNS = ("id", "conversation_id", "speaker", "text", "timestamp", "start", "end", "reply_to")

RowItem = tuple[str | None, Utterance | Rejection]
"""A row as streamed: its conversation id and the utterance, or the rejection and the id of
the conversation being read at that point (None before the first good row)."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})
INF, _INF = math.inf, -math.inf
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")


class RowConverter:
    """Turns row mappings into utterances; keeps the per-key-layout plans and speaker table.

    ``convert(number, row)`` gives ``(conversation_id, Utterance)`` or the reason the row is
    rejected; ``speakers`` is filled with each speaker's ``speaker.*`` metadata as rows are
    converted (a value that disagrees with an earlier row raises ``InputError``). ``typed`` is
    False for CSV, whose cells are typed by their look.
    """

    def __init__(self, path: Path, speakers: MutableMapping[str, dict[str, Any]], typed: bool):
        self.path = path
        self.stem = path.stem
        self.speakers = speakers
        self.origin: dict[tuple[str, str], int] = {}
        self.typed = typed
        self.plans: dict[tuple[str, ...], tuple[Any, ...]] = {}
        self.max_chars = budgets.current().utterance_chars

    def plan(self, keys: tuple[str, ...]) -> tuple[Any, ...]:
        meta: list[tuple[str, str]] = []
        speaker: list[tuple[str, str]] = []
        for key in keys:
            if key.startswith("speaker.") and len(key) > 8:
                speaker.append((key, key[8:]))
            elif key.startswith("meta.") and len(key) > 5:
                meta.append((key, key[5:]))
            elif key not in COLUMNS and key != "meta":
                meta.append((key, key))
        plan = (tuple(meta), tuple(speaker), "meta" in keys)
        self.plans[keys] = plan
        return plan

    def convert(self, number: int, row: dict[str, Any]) -> tuple[str, Utterance] | str:
        """The row's ``(conversation_id, Utterance)``, or the reason it is rejected."""
        get = row.get
        speaker = get("speaker")
        text = get("text")
        if type(speaker) is not str:
            if speaker is None or isinstance(speaker, (bool, dict, list)):
                return "missing 'speaker'" if speaker is None else "'speaker' must be text"
            speaker = str(speaker)
        speaker = speaker.strip()
        if not speaker:
            return "missing 'speaker'"
        if type(text) is not str:
            return "missing 'text'" if text is None else "'text' must be text"
        if not text or text.isspace():
            return "utterance has no text"
        if len(text) > self.max_chars:
            return budgets.utterance_reason(len(text))
        keys = tuple(row)
        plan = self.plans.get(keys) or self.plan(keys)
        uid = get("id")
        uid = str(number) if uid is None or uid == "" else uid if type(uid) is str else str(uid)
        cid = get("conversation_id")
        cid = self.stem if cid is None or cid == "" else cid if type(cid) is str else str(cid)
        reply = get("reply_to")
        if reply is not None and type(reply) is not str:
            reply = str(reply)
        timestamp = get("timestamp")
        raw = get("start")
        keep = False
        end = get("end")
        try:
            if raw is None or raw == "":
                start = timestamp if type(timestamp) is float else seconds(timestamp, "timestamp")
            else:
                start = raw if type(raw) is float else seconds(raw, "start")
                if timestamp is not None and timestamp != "":
                    seconds(timestamp, "timestamp")
                    keep = True
            if end is not None and type(end) is not float:
                end = seconds(end, "end")
        except ValueError as error:
            return str(error)
        if (start is not None and not _INF < start < INF) or (
            end is not None and not _INF < end < INF
        ):
            try:  # NaN (a null in some writers) means absent; infinity is an error
                start, end = seconds(start, "start"), seconds(end, "end")
            except ValueError as error:
                return str(error)
        meta_keys, speaker_keys, nested = plan
        meta: Mapping[str, Any] = _EMPTY
        if meta_keys or nested or keep:
            meta = self.meta(row, meta_keys, nested, keep)
        if speaker_keys:
            self.speaker_meta(number, speaker, row, speaker_keys)
        return cid, _utterance(uid, speaker, text, start, end, reply or None, number, meta)

    def meta(
        self, row: dict[str, Any], keys: tuple[tuple[str, str], ...], nested: bool, keep: bool
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if nested and isinstance(row["meta"], dict):
            found.update((k, v) for k, v in row["meta"].items() if v is not None)
        for key, name in keys:
            value = row[key] if self.typed else cell(row[key])
            if value is not None:
                found[name] = value
        if keep:
            found["timestamp"] = row["timestamp"] if self.typed else cell(row["timestamp"])
        return found

    def speaker_meta(
        self, number: int, name: str, row: dict[str, Any], keys: tuple[tuple[str, str], ...]
    ) -> None:
        known = self.speakers.get(name)
        if known is None:
            known = self.speakers[name] = {}
        for key, field in keys:
            value = row[key] if self.typed else cell(row[key])
            if value is None:
                continue
            if field not in known:
                known[field] = value
                self.origin[name, field] = number
            elif known[field] != value:
                raise InputError(
                    self.path,
                    f"speaker {shown(name)} has speaker.{field} = {shown(value)} here but "
                    f"{shown(known[field])} on line {self.origin[name, field]}; speaker metadata "
                    "must be the same on every row of a speaker.",
                    line=number,
                    code="PL124",
                    fix=f"correct speaker.{field} for {shown(name)}, or move the value to a "
                    f"meta.{field} column if it varies by utterance.",
                )


def _utterance_factory() -> Callable[..., Utterance]:
    """``Utterance(...)`` without the frozen-dataclass ``__init__``, for the bulk readers.

    A frozen dataclass sets each field through ``object.__setattr__``; setting the same slots
    through their descriptors builds an identical object in about half the time. Falls back
    to the class itself if the model's fields ever differ from the ones set here.
    """
    names = ("id", "speaker", "text", "start", "end", "reply_to", "line", "meta")
    if tuple(f.name for f in dataclasses.fields(Utterance)) != names:  # pragma: no cover
        return Utterance
    setters = [vars(Utterance)[name].__set__ for name in names]
    s0, s1, s2, s3, s4, s5, s6, s7 = setters
    new = object.__new__

    def make(
        id: str,
        speaker: str,
        text: str,
        start: float | None,
        end: float | None,
        reply_to: str | None,
        line: int | None,
        meta: Mapping[str, Any],
    ) -> Utterance:
        u = new(Utterance)
        s0(u, id)
        s1(u, speaker)
        s2(u, text)
        s3(u, start)
        s4(u, end)
        s5(u, reply_to)
        s6(u, line)
        s7(u, meta)
        return u

    return make


_utterance = _utterance_factory()


def seconds(value: Any, column: str = "timestamp") -> float | None:
    """Seconds from a number, a numeric string or (for ``timestamp``) an ISO 8601 date-time."""
    if value is None or value == "":
        return None
    kind = type(value)
    if kind is float or kind is int:
        number = float(value)
    elif kind is str:
        try:
            number = float(value)
        except ValueError:
            if column != "timestamp":
                raise ValueError(f"{column} {shown(value)} is not a number of seconds") from None
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(
                    f"timestamp {shown(value)} is neither seconds nor an ISO 8601 date-time"
                ) from None
            return _posix(moment)
    elif isinstance(value, datetime):
        return _posix(value)
    else:
        raise ValueError(f"{column} {shown(value)} is not a number of seconds")
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"{column} {shown(value)} is not a finite number of seconds")
    return number


def _posix(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def cell(text: Any) -> Any:
    """A CSV cell's value by its look: empty is None, then bool, int, float, JSON, text."""
    if type(text) is not str:
        return text
    if not text:
        return None
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if text[0] in "[{":
        try:
            return loads_small(text)
        except ValueError:  # not JSON, or nested past the depth budget: kept as text
            return text
    return text


def convert_rows(
    path: str | Path,
    lines: Iterable[tuple[int, Any]],
    *,
    speakers: MutableMapping[str, dict[str, Any]] | None = None,
    typed: bool = True,
) -> Iterator[RowItem]:
    """``(conversation_id, Utterance | Rejection)`` for each ``(line number, row or reason)``.

    The rows are converted as ``iter_rows`` converts them (``speakers`` is filled the same
    way); a reason (a line that is not a JSON object, say) becomes a rejection. Unlike
    ``iter_rows`` it does not raise when no row is good: a part of a file may hold none.
    """
    convert = RowConverter(Path(path), {} if speakers is None else speakers, typed).convert
    current: str | None = None
    for number, obj in lines:
        if type(obj) is dict:
            item = convert(number, obj)
            if type(item) is tuple:
                current = item[0]
                yield item
                continue
        else:
            item = obj
        yield current, Rejection(number, str(item))


__all__ = ["COLUMNS", "RowConverter", "RowItem", "cell", "convert_rows", "seconds"]
