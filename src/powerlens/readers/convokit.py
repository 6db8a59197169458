"""ConvoKit corpus directories, read and written, so data moves both ways.

ConvoKit (Chang et al. 2020, "ConvoKit: A Toolkit for the Analysis of Conversations", SIGDIAL)
stores a corpus as a folder: ``utterances.jsonl`` (one JSON object per line: ``id``,
``speaker``, ``conversation_id``, ``reply_to``, ``timestamp``, ``text``, ``meta``; corpora
made before ConvoKit 2.3 say ``user`` and ``root``, and ConvoKit's own dumps write
``reply-to``), ``speakers.json`` (older: ``users.json``) and ``conversations.json``, each
mapping an id to ``{"meta": {...}, "vectors": [...]}`` or, in older corpora, straight to the
metadata; ``corpus.json`` (corpus metadata) and ``index.json`` (the type of every metadata
field, which ConvoKit needs to load a folder).

Mapping: speaker metadata becomes ``Conversation.speakers[id].meta``, conversation metadata
``Conversation.meta``, utterance metadata ``Utterance.meta``; ``timestamp`` (seconds or ISO
8601) becomes ``start``. ConvoKit has no end time, so ``write`` keeps ``Utterance.end`` in the
utterance metadata field ``powerlens.end``, which ``read`` takes back.

Known limits: ``corpus.json`` is not mapped (powerlens has no corpus-level metadata), vectors
and binary (pickled) metadata are not read, and utterances keep file order within a
conversation. A missing ``conversation_id`` is taken from the utterance it replies to (the
ConvoKit rule); when streaming, that parent must be in the same run of rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from powerlens.errors import InputError, UsageError, shown
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers import jsondoc
from powerlens.readers.about import About
from powerlens.readers.groups import Build, builder, group_all, stream_groups
from powerlens.readers.jsonlines import iter_json_lines
from powerlens.readers.rows import RowItem, seconds

FORMATS = ("convokit",)
EXTENSIONS: dict[str, str] = {}
ABOUT = {
    "convokit": About(
        reads="a ConvoKit corpus (Cornell's Conversational Analysis Toolkit)",
        expects="the corpus folder (utterances.jsonl, speakers.json, conversations.json)",
        recognised="a folder holding utterances.jsonl",
        example='{"id": "u1", "speaker": "s1", "conversation_id": "u0", "reply_to": "u0", '
        '"text": "..."}',
    ),
}
READS_FOLDERS = True
END_FIELD = "powerlens.end"
_KNOWN = {"id", "speaker", "user", "conversation_id", "root", "reply_to", "reply-to"}
_KNOWN |= {"timestamp", "text", "meta", "vectors"}
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def sniff(path: Path, head: str | None) -> str | None:
    """``convokit`` for a folder holding ``utterances.jsonl``."""
    if head is None and path.is_dir() and (path / "utterances.jsonl").is_file():
        return "convokit"
    return None


def _utterance_file(folder: Path) -> Path:
    if not folder.is_dir():
        raise InputError(
            folder,
            "is not a folder; a ConvoKit corpus is a folder holding utterances.jsonl.",
            code="PL130",
            fix="pass the corpus folder, or read a single JSONL file with --input-format jsonl.",
        )
    path = folder / "utterances.jsonl"
    if not path.is_file():
        raise InputError(
            folder,
            "has no utterances.jsonl; expected a ConvoKit corpus folder (utterances.jsonl, "
            "speakers.json, conversations.json, corpus.json, index.json).",
            code="PL131",
            fix="point at the folder ConvoKit's Corpus.dump wrote.",
        )
    return path


def _metadata(folder: Path, *names: str, encoding: str | None = None) -> dict[str, Any]:
    """Id -> metadata from the first of ``names`` present (``{}`` when none is)."""
    path = next((folder / n for n in names if (folder / n).is_file()), None)
    if path is None:
        return {}
    data = jsondoc.load(
        path, invalid_code="PL132", expected="a JSON object mapping ids to metadata",
        encoding=encoding,
    ).value
    if not isinstance(data, dict):
        raise InputError(path, "expected a JSON object mapping ids to metadata.", code="PL132")
    found: dict[str, Any] = {}
    for key, entry in data.items():
        if isinstance(entry, dict) and "meta" in entry and set(entry) <= {"meta", "vectors"}:
            entry = entry["meta"]
        if not isinstance(entry, dict):
            raise InputError(
                path, f"the entry for {shown(key)} is not an object of metadata.", code="PL132"
            )
        found[key] = entry
    return found


class RowConverter:
    """Turns ConvoKit utterance objects into utterances and finds missing conversation ids.

    ``convert(number, obj)`` gives ``(conversation_id, Utterance)`` or the reason the object is
    rejected. When ``streaming``, a missing conversation id is taken from the parent
    utterance if it was converted since the conversation id last changed (see
    ``convert_rows``), else the utterance starts a conversation of its own id.
    """

    def __init__(self, folder: Path, streaming: bool) -> None:
        self.folder = folder
        self.streaming = streaming
        self.parents: dict[str, tuple[str | None, str | None]] = {}

    def convert(self, number: int, obj: dict[str, Any]) -> tuple[str | None, Utterance] | str:
        speaker = obj.get("speaker", obj.get("user"))
        text = obj.get("text")
        if speaker is None or speaker == "":
            return "missing 'speaker'"
        if isinstance(speaker, (bool, dict, list)):
            return "'speaker' must be an id"
        if not isinstance(text, str):
            return "missing 'text'" if text is None else "'text' must be text"
        if not text or text.isspace():
            return "utterance has no text"
        raw_meta = obj.get("meta")
        if raw_meta is not None and not isinstance(raw_meta, dict):
            return "'meta' must be an object"
        meta = {k: v for k, v in (raw_meta or {}).items() if v is not None}
        meta.update((k, v) for k, v in obj.items() if k not in _KNOWN and v is not None)
        try:
            start = seconds(obj.get("timestamp"), "timestamp")
            end = seconds(meta.pop(END_FIELD, None), END_FIELD)
        except ValueError as error:
            return str(error)
        uid = obj.get("id")
        uid = str(number) if uid is None or uid == "" else str(uid)
        reply = obj["reply_to"] if "reply_to" in obj else obj.get("reply-to")
        reply = None if reply is None or reply == "" else str(reply)
        cid = obj.get("conversation_id", obj.get("root"))
        cid = None if cid is None or cid == "" else str(cid)
        if cid is None and self.streaming:
            cid = self.parents.get(reply, (None, None))[0] if reply else None
            cid = cid or uid
        self.parents[uid] = (cid, reply)
        utterance = Utterance(uid, str(speaker), text, start, end, reply, number, meta or _EMPTY)
        return cid, utterance

    def conversation_of(self, uid: str) -> str:
        """The conversation of ``uid``: its own, else its parent's, up to the root's id."""
        seen: set[str] = set()
        current = uid
        while True:
            cid, reply = self.parents.get(current, (None, None))
            if cid is not None:
                return cid
            if reply is None or reply not in self.parents or reply in seen:
                return current
            seen.add(current)
            current = reply


def _rows(folder: Path, encoding: str | None, rows: RowConverter) -> Iterator[RowItem]:
    path = _utterance_file(folder)
    current: str | None = None
    good = 0
    first_bad: Rejection | None = None
    for number, obj in iter_json_lines(path, encoding):
        item = rows.convert(number, obj) if isinstance(obj, dict) else str(obj)
        if isinstance(item, tuple):
            if rows.streaming and item[0] != current:
                rows.parents = {item[1].id: rows.parents[item[1].id]}
            current = item[0]
            good += 1
            yield item
            continue
        rejection = Rejection(number, item)
        first_bad = first_bad or rejection
        yield current, rejection
    if good == 0:
        line = first_bad.line if first_bad else None
        problem = f"; the first problem: {first_bad.reason}" if first_bad else ""
        raise InputError(
            path,
            f"no utterance could be read{problem}.",
            line=line,
            code="PL133",
            fix="each line must be a JSON object with id, speaker and text.",
        )


def convert_rows(folder: Path, lines: Iterable[tuple[int, Any]]) -> Iterator[RowItem]:
    """Stream ``(conversation_id, Utterance | Rejection)`` for ``(line number, object or
    reason)`` pairs of a corpus folder's ``utterances.jsonl`` (all of it, or a run of whole
    conversations), as ``iter_conversations`` converts them; no error when none is good."""
    rows = RowConverter(folder, streaming=True)
    current: str | None = None
    for number, obj in lines:
        item = rows.convert(number, obj) if type(obj) is dict else obj
        if type(item) is tuple:
            utterance: Utterance = item[1]
            if item[0] != current:
                rows.parents = {utterance.id: rows.parents[utterance.id]}
            current = item[0]
            yield item
        else:
            yield current, Rejection(number, str(item))


def speaker_meta(folder: Path, encoding: str | None = None) -> dict[str, Any]:
    """Speaker id -> metadata from the folder's ``speakers.json`` (or ``users.json``)."""
    return _metadata(folder, "speakers.json", "users.json", encoding=encoding)


def read(
    path: Path, *, encoding: str | None = None, format: str = "convokit"
) -> list[Conversation]:
    """Read every conversation of a ConvoKit corpus folder."""
    rows = RowConverter(path, streaming=False)
    items = list(_rows(path, encoding, rows))
    resolved: list[RowItem] = []
    last: str | None = None
    for cid, item in items:
        if isinstance(item, Utterance):
            cid = last = cid if cid is not None else rows.conversation_of(item.id)
        resolved.append((last if isinstance(item, Rejection) else cid, item))
    return group_all(resolved, conversation_builder(path, encoding))


def iter_conversations(path: str | Path, *, encoding: str | None = None) -> Iterator[Conversation]:
    """Stream the conversations of a corpus folder whose conversations' rows are contiguous."""
    path = Path(path)
    rows = RowConverter(path, streaming=True)
    build = conversation_builder(path, encoding)
    yield from stream_groups(path, _rows(path, encoding, rows), build)


def conversation_builder(path: Path, encoding: str | None = None) -> Build:
    """Makes each ``Conversation`` of the corpus folder ``path`` with its speaker and
    conversation metadata (``groups.builder`` over the folder's metadata files)."""
    _utterance_file(path)
    speakers = _metadata(path, "speakers.json", "users.json", encoding=encoding)
    conversations = _metadata(path, "conversations.json", encoding=encoding)
    return builder(path, speakers, conversations)


def write(conversations: Iterable[Conversation], folder: str | Path) -> Path:
    """Write a ConvoKit corpus folder (the files ``Corpus.dump`` writes) and return it."""
    folder = Path(folder)
    conversations = list(conversations)
    speakers: dict[str, Mapping[str, Any]] = {}
    convos: dict[str, Mapping[str, Any]] = {}
    ids: set[str] = set()
    for conversation in conversations:
        if conversation.id in convos:
            raise UsageError(f"two conversations have the id {conversation.id!r}.")
        convos[conversation.id] = conversation.meta
        for u in conversation.utterances:
            if u.id in ids:
                raise UsageError(
                    f"utterance id {u.id!r} is used twice; ConvoKit needs ids unique in a corpus."
                )
            ids.add(u.id)
            meta = (
                conversation.speakers[u.speaker].meta if u.speaker in conversation.speakers else {}
            )
            if speakers.setdefault(u.speaker, meta) != meta:
                raise UsageError(
                    f"speaker {u.speaker!r} has different metadata in different conversations.",
                    fix="rename one of the speakers, or make their metadata agree.",
                )
    folder.mkdir(parents=True, exist_ok=True)
    index: dict[str, dict[str, list[str]]] = {"utterance": {}, "speaker": {}, "conversation": {}}
    with (folder / "utterances.jsonl").open("w", encoding="utf-8") as handle:
        for conversation in conversations:
            for u in conversation.utterances:
                meta = dict(u.meta)
                if u.end is not None:
                    meta[END_FIELD] = u.end
                _index(index["utterance"], meta)
                row: dict[str, Any] = {
                    "id": u.id,
                    "conversation_id": conversation.id,
                    "text": u.text,
                    "speaker": u.speaker,
                    "meta": meta,
                    "reply-to": u.reply_to,
                    "timestamp": u.start,
                    "vectors": [],
                }
                handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    for name, kind, table in (
        ("speakers.json", "speaker", speakers),
        ("conversations.json", "conversation", convos),
    ):
        for meta in table.values():
            _index(index[kind], meta)
        data = {key: {"meta": dict(meta), "vectors": []} for key, meta in table.items()}
        _dump(folder / name, data)
    _dump(folder / "corpus.json", {})
    _dump(
        folder / "index.json",
        {
            "utterances-index": index["utterance"],
            "speakers-index": index["speaker"],
            "conversations-index": index["conversation"],
            "overall-index": {},
            "version": 1,
            "vectors": [],
        },
    )
    return folder


def _index(index: dict[str, list[str]], meta: Mapping[str, Any]) -> None:
    """Record each field's Python type the way ConvoKit's index.json names it."""
    for key, value in meta.items():
        kinds = index.setdefault(key, [])
        if str(type(value)) not in kinds:
            kinds.append(str(type(value)))


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "RowConverter",
    "conversation_builder",
    "convert_rows",
    "iter_conversations",
    "read",
    "sniff",
    "speaker_meta",
    "write",
]
