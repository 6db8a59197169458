"""Google Chat from Google Takeout (JSON): direct messages and spaces.

Written from the structure Takeout writes: ``Google Chat/Groups/<DM or Space id>/`` holds
``messages.json`` (``{"messages": [...]}``), ``group_info.json`` (``{"name", "members":
[{"name", "email", "user_type"}]}``; DMs have no name) and the attached files;
``Google Chat/Users/`` holds the account's own details, not read. Pass ``messages.json``, a
group folder, the ``Google Chat`` folder (or its ``Groups``), or the Takeout ``.zip``: each
group becomes one conversation, named by the space's name, else by its members.

A message has ``creator`` (``name``, ``email``, ``user_type``), ``created_date`` (such as
"Thursday, November 3, 2016 at 11:59:50 AM UTC"; ``start``), ``text``, ``topic_id``,
``message_id``, and when present ``attached_files``, ``annotations``, ``reactions``,
``updated_date``, ``deleted_date``. Messages that share a ``topic_id`` form a thread: each
after the first has ``reply_to`` the one before it in that thread. Utterance ids are the
``message_id``\\ s (else ``<file>:<line>``).

Kept: messages by a person with text, marked ``meta["edited"]`` when ``updated_date`` is
set. Rejected with the reason: messages by bots (``user_type`` other than ``Human``),
deleted messages, attachments without text, and messages without a creator or a readable
date. Reactions and attachments beside text are counted in ``meta["left_out"]``.

Known limits: a time zone other than UTC in ``created_date`` is read as UTC and said so in
``meta["timezone"]``; the deleted and reaction fields are read as Takeout has been documented
to write them, not checked against a real export; rich text (annotations: links, mentions)
stays as the plain ``text``.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from powerlens.errors import InputError
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers import chat, jsondoc
from powerlens.readers.about import About

FORMATS = ("googlechat",)
EXTENSIONS: dict[str, str] = {}
READS_FOLDERS = True
ABOUT = {
    "googlechat": About(
        reads="Google Chat direct messages and spaces from Google Takeout (JSON)",
        expects="messages.json, a group folder, the 'Google Chat' folder, or the Takeout .zip",
        recognised="JSON messages with creator and created_date; a folder with messages.json "
        "and group_info.json, or a Groups folder of them",
        example='{"creator": {"name": "Sam", "user_type": "Human"}, "created_date": "Monday, '
        'January 1, 2024 at 9:05:00 AM UTC", "text": "Shall we?"}',
    ),
}

DATE = re.compile(
    r"^(?:[A-Za-z]+, )?(?P<month>[A-Za-z]+) (?P<day>\d{1,2}), (?P<year>\d{4}),? (?:at )?"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?[\s\u202f\u00a0]*"
    r"(?P<ampm>[AaPp][Mm])?[\s\u202f\u00a0]*(?P<zone>[A-Za-z][\w+\-:]*)?$"
)
_MONTHS = {name: i for i, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}


def seconds(text: Any) -> tuple[float | None, str | None]:
    """POSIX seconds of a Takeout ``created_date``, and its zone when it is not UTC."""
    if not isinstance(text, str):
        return None, None
    match = DATE.match(text.strip())
    if match is None:
        return chat.iso_seconds(text), None
    month = _MONTHS.get(match["month"].lower()) or _MONTHS.get(
        next((m for m in _MONTHS if m.startswith(match["month"].lower()[:3])), ""), 0
    )
    hour = int(match["hour"])
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None, None
        hour = hour % 12 + (12 if match["ampm"].lower() == "pm" else 0)
    try:
        moment = datetime(
            int(match["year"]), month, int(match["day"]), hour, int(match["minute"]),
            int(match["second"] or 0), tzinfo=UTC,
        )
    except ValueError:
        return None, None
    zone = match["zone"]
    return moment.timestamp(), zone if zone and zone.upper() not in ("UTC", "GMT", "Z") else None


def _group(folder: Path) -> bool:
    return (folder / "messages.json").is_file()


def _groups(folder: Path) -> list[Path]:
    """Group folders: the folder itself, or the groups under ``Groups`` or
    ``Google Chat/Groups`` (or the folder itself when it is named ``Groups``)."""
    if _group(folder):
        return [folder]
    roots = [folder / "Groups", folder / "Google Chat" / "Groups"]
    if folder.name == "Groups":
        roots.insert(0, folder)
    root = next((r for r in roots if r.is_dir()), None)
    if root is None:
        return []
    return [p for p in sorted(root.iterdir()) if p.is_dir() and not p.is_symlink() and _group(p)]


def sniff(path: Path, head: str | None) -> str | None:
    """``googlechat`` for a Takeout messages.json, a group folder or a Groups folder."""
    if head is None:
        try:
            if _group(path) and (path / "group_info.json").is_file():
                return "googlechat"
            return "googlechat" if _groups(path) else None
        except OSError:
            return None
    text = head.lstrip()
    looks = '"creator"' in text and '"created_date"' in text
    return "googlechat" if text.startswith("{") and '"messages"' in text and looks else None


def read(
    path: Path, *, encoding: str | None = None, format: str = "googlechat"
) -> list[Conversation]:
    """Read one conversation per Google Chat group in ``path``."""
    if path.is_dir():
        files = [g / "messages.json" for g in _groups(path)]
        if not files:
            raise InputError(
                path, "holds no messages.json; expected a Google Chat group folder.",
                code="PL189", fix="pass the 'Google Chat' folder of the Takeout export.",
            )
    else:
        files = [path]
    conversations = [_conversation(file, encoding) for file in files]
    chat.require_messages(path, conversations, "PL189", "Google Chat export")
    return conversations


def _info(folder: Path, encoding: str | None) -> dict[str, Any]:
    file = folder / "group_info.json"
    if not file.is_file():
        return {}
    value = jsondoc.load(
        file, invalid_code="PL188", expected="Google Chat's group_info.json", encoding=encoding
    ).value
    return value if isinstance(value, dict) else {}


def _conversation(path: Path, encoding: str | None) -> Conversation:
    document = jsondoc.load(
        path, invalid_code="PL188", expected="Google Chat's messages.json", encoding=encoding
    )
    root = document.value
    if not isinstance(root, dict) or not isinstance(root.get("messages"), list):
        raise InputError(
            path, 'expected an object with a "messages" list (Google Chat\'s messages.json).',
            line=1, code="PL189", fix="pass the messages.json of a Google Chat group.",
        )
    info = _info(path.parent, encoding)
    members = [
        chat.text_of(m.get("name")) for m in info.get("members") or [] if isinstance(m, dict)
    ]
    members = [m for m in members if m]
    name = chat.text_of(info.get("name")) or ", ".join(members) or path.parent.name
    rejected: list[Rejection] = []
    left_out: Counter[str] = Counter()
    kept: list[tuple[dict[str, Any], int | None, float]] = []
    zones: set[str] = set()
    for message in root["messages"]:
        line = document.line(message) if isinstance(message, (dict, list)) else None
        reason, when = _reason(message, left_out, zones)
        if reason is None and when is not None:
            kept.append((message, line, when))
        else:
            rejected.append(Rejection(line, reason or "no date"))
    names = chat.display_names(
        (chat.text_of(m["creator"].get("email")) or chat.text_of(m["creator"].get("name")),
         chat.text_of(m["creator"].get("name")) or chat.text_of(m["creator"].get("email")))
        for m, _, _ in kept
    )
    utterances: list[Utterance] = []
    parents: dict[str, str] = {}
    last_in_topic: dict[str, str] = {}
    for message, line, when in kept:
        uid = chat.text_of(message.get("message_id")) or f"{path.stem}:{line}"
        topic = chat.text_of(message.get("topic_id"))
        if topic:
            if topic in last_in_topic:
                parents[uid] = last_in_topic[topic]
            last_in_topic[topic] = uid
        meta: dict[str, Any] = {}
        if message.get("updated_date"):
            meta["edited"] = True
        if message.get("attached_files"):
            meta["attachments"] = len(message["attached_files"])
            left_out["media"] += meta["attachments"]
        key = chat.text_of(message["creator"].get("email")) or chat.text_of(
            message["creator"].get("name"))
        utterances.append(Utterance(
            uid, names[key], chat.text_of(message.get("text")), when, None, None, line, meta,
        ))
    meta_out: dict[str, Any] = {"platform": "googlechat", "group": path.parent.name}
    if members:
        meta_out["members"] = members
    if zones:
        meta_out["timezone"] = f"dates given in {', '.join(sorted(zones))}, read as UTC"
    return chat.conversation(
        path, chat.slug(name, path.parent.name), chat.link_replies(utterances, parents),
        rejected, meta_out, left_out,
    )


def _reason(
    message: Any, left_out: Counter[str], zones: set[str]
) -> tuple[str | None, float | None]:
    if not isinstance(message, dict):
        return "not a message object", None
    reactions = message.get("reactions")
    if isinstance(reactions, list):
        left_out["reactions"] += sum(
            len(r["reactor_emails"]) if isinstance(r, dict)
            and isinstance(r.get("reactor_emails"), list) else 1
            for r in reactions
        )
    creator = message.get("creator")
    if not isinstance(creator, dict) or not (
        chat.text_of(creator.get("name")) or chat.text_of(creator.get("email"))
    ):
        return "message names no creator", None
    kind = creator.get("user_type")
    if isinstance(kind, str) and kind != "Human":
        return f"message by a {chat.brief(kind, 20)}, not a person", None
    if message.get("deleted_date") or message.get("message_state") == "DELETED":
        return "deleted message", None
    when, zone = seconds(message.get("created_date"))
    if when is None:
        return f"date {chat.brief(str(message.get('created_date')), 50)!r} is not understood", None
    if zone:
        zones.add(zone)
    if not chat.text_of(message.get("text")):
        if message.get("attached_files"):
            return "attachment without text", None
        return "message has no text", None
    return None, when


__all__ = ["ABOUT", "EXTENSIONS", "FORMATS", "read", "seconds", "sniff"]
