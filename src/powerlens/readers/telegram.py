"""Telegram Desktop's JSON export (``result.json``): one chat, or the whole account.

Written from the structure Telegram Desktop writes (its ``export_output_json.cpp``). One
chat's export is an object ``{"name", "type", "id", "messages": [...]}``; the whole
account's export (Settings -> Advanced -> Export Telegram data) holds ``"chats": {"list":
[chat, ...]}`` and ``"left_chats"`` beside the profile, contacts and sessions, which are not
read. Each chat becomes a conversation named after the chat (``Saved Messages`` when
unnamed; a repeated name gets the chat id). Pass ``result.json`` or the export folder.

Each message object has ``id``, ``type`` (``message``, ``service``, ``unsupported``),
``date`` (local time, ISO) and ``date_unixtime`` (POSIX seconds, used as ``start``),
``from``/``from_id`` (sender), ``text`` -- a string, or a list of strings and entity objects
``{"type": "bold", "text": ...}`` -- and ``text_entities`` (the same as a list of objects),
``reply_to_message_id``, ``edited``/``edited_unixtime``, ``forwarded_from``, ``via_bot``, and
media fields (``photo``, ``file``, ``media_type``, ``sticker_emoji``, ``poll``,
``contact_information``, ``location_information``...). The utterance's text is the entities'
texts joined (links, mentions and formatting made plain); ``id`` is the message id;
``reply_to`` the replied-to message when it is analysed; ``line`` the line where the message
object begins in ``result.json``.

Kept: messages with text (a caption beside a photo is text; the photo is counted in
``meta["left_out"]["media"]``), marked ``meta["edited"]`` when edited and ``meta["via_bot"]``
when sent through an inline bot. Rejected with the reason: service messages (``create_group``,
``invite_members``, ``pin_message``, ``phone_call`` ... the ``action`` named), unsupported
messages, media without text (the kind named: photo, sticker, voice_message, poll...),
forwarded messages (``forwarded_from``: another person's words, which would skew who said
what), messages without a sender or without text, and anything that is not a message object.
Reactions are counted in ``meta["left_out"]["reactions"]``.

Telegram writes control characters other than tab and newline as ``\\xNN``, which is not
valid JSON; they are repaired to ``\\u00NN`` before parsing. Two senders with one name are
told apart by their ``from_id``.

Known limits: message ids repeat across the chats of an account export, so utterance ids are
unique within a conversation only; topics of forum groups are not separated; a message
whose sender's account was deleted keeps ``from: null`` and is read as ``Deleted Account``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from powerlens.errors import InputError
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers import chat, jsondoc
from powerlens.readers.about import About

FORMATS = ("telegram",)
EXTENSIONS: dict[str, str] = {}
READS_FOLDERS = True
ABOUT = {
    "telegram": About(
        reads="Telegram Desktop's JSON export: one chat, or the whole account",
        expects="result.json, or the export folder that holds it (ChatExport_*/, DataExport_*/)",
        recognised="a JSON object with a messages list whose messages carry date_unixtime or "
        "from_id, or an account export with chats and personal_information",
        example='{"id": 7, "type": "message", "date_unixtime": "1704067500", "from": "Sam", '
        '"text": "Shall we go tomorrow?"}',
    ),
}

MEDIA_FIELDS = (
    "media_type", "photo", "file", "sticker_emoji", "poll", "contact_information",
    "location_information", "place_name", "game_title", "invoice_information",
)
_CHAT = re.compile(r'"messages"\s*:\s*\[')
_TELEGRAM_KEYS = re.compile(r'"(?:date_unixtime|from_id|text_entities)"\s*:')
_ACCOUNT = re.compile(r'"(?:personal_information|left_chats|frequent_contacts)"\s*:')
_X_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})")


def sniff(path: Path, head: str | None) -> str | None:
    """``telegram`` for a result.json (or a folder holding one) shaped like Telegram's."""
    if head is None:
        result = path / "result.json"
        if not result.is_file():
            return None
        from powerlens.readers.textfile import head as first

        head = first(result)
    text = head.lstrip()
    if not text.startswith("{"):
        return None
    if _ACCOUNT.search(text) and '"chats"' in text:
        return "telegram"
    return "telegram" if _CHAT.search(text) and _TELEGRAM_KEYS.search(text) else None


def repair(data: bytes) -> bytes:
    """Telegram's ``\\xNN`` escapes (not JSON) rewritten as ``\\u00NN``."""
    if b"\\x" not in data:
        return data
    return _X_ESCAPE.sub(rb"\1\\u00\2", data)


def read(
    path: Path, *, encoding: str | None = None, format: str = "telegram"
) -> list[Conversation]:
    """Read every chat of a Telegram Desktop JSON export."""
    file = path / "result.json" if path.is_dir() else path
    if not file.is_file():
        raise InputError(
            path, "holds no result.json; expected a Telegram Desktop export folder.",
            code="PL181", fix="pass result.json, or the folder Telegram Desktop exported.",
        )
    document = jsondoc.load(
        file, invalid_code="PL180", expected="Telegram Desktop's result.json",
        encoding=encoding, repair=repair,
    )
    root = document.value
    chats = _chats(file, root)
    seen: Counter[str] = Counter(chat.slug(_name(c), "chat") for c in chats)
    conversations = []
    for index, found in enumerate(chats, start=1):
        name = chat.slug(_name(found), f"chat-{index}")
        cid = name if seen[name] == 1 else f"{name} ({found.get('id', index)})"
        conversations.append(_conversation(file, document, found, cid))
    chat.require_messages(file, conversations, "PL181", "Telegram export")
    return conversations


def _chats(path: Path, root: Any) -> list[dict[str, Any]]:
    """The chat objects of a one-chat or a whole-account export."""
    if isinstance(root, dict) and isinstance(root.get("messages"), list):
        return [root]
    if isinstance(root, dict):
        found = []
        for key in ("chats", "left_chats"):
            section = root.get(key)
            listed = section.get("list") if isinstance(section, dict) else None
            if isinstance(listed, list):
                found += [c for c in listed if isinstance(c, dict)]
        if found or "chats" in root:
            return [c for c in found if isinstance(c.get("messages"), list)] or found
    raise InputError(
        path,
        "is not a Telegram export: expected an object with a \"messages\" list (one chat) or "
        "\"chats\": {\"list\": [...]} (the whole account).",
        line=1,
        code="PL181",
        fix="export the chat from Telegram Desktop as JSON (Export chat history -> Format: "
        "JSON).",
    )


def _name(found: dict[str, Any]) -> str:
    name = found.get("name")
    if isinstance(name, str) and name.strip():
        return name
    return "Saved Messages" if found.get("type") == "saved_messages" else ""


def text(value: Any) -> str:
    """A message's ``text`` or ``text_entities`` as plain text."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return ""
    parts = []
    for piece in value:
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, dict) and isinstance(piece.get("text"), str):
            parts.append(piece["text"])
    return "".join(parts)


def _conversation(
    path: Path, document: jsondoc.Document, found: dict[str, Any], cid: str
) -> Conversation:
    messages = found.get("messages")
    if not isinstance(messages, list):
        messages = []
    rejected: list[Rejection] = []
    left_out: Counter[str] = Counter()
    rows: list[tuple[dict[str, Any], int | None, str, str]] = []
    for message in messages:
        line = document.line(message) if isinstance(message, (dict, list)) else None
        reason = _reason(message, left_out)
        if reason is not None:
            rejected.append(Rejection(line, reason))
            continue
        sender = message.get("from")
        key = str(message.get("from_id") or sender)
        shown = sender.strip() if isinstance(sender, str) and sender.strip() else "Deleted Account"
        rows.append((message, line, key, shown))
    names = chat.display_names((key, shown) for _, _, key, shown in rows)
    utterances: list[Utterance] = []
    parents: dict[str, str] = {}
    for message, line, key, _ in rows:
        meta: dict[str, Any] = {}
        if message.get("edited") or message.get("edited_unixtime"):
            meta["edited"] = True
        if isinstance(message.get("via_bot"), str):
            meta["via_bot"] = message["via_bot"]
        media = _media(message)
        if media:
            meta["attachment"] = media
            left_out["media"] += 1
        uid = str(message.get("id"))
        start = chat.number(message.get("date_unixtime"))
        if start is None:
            start = chat.iso_seconds(message.get("date"))
        reply = message.get("reply_to_message_id")
        if reply is not None:
            parents[uid] = str(reply)
        words = text(message.get("text_entities")) or text(message.get("text"))
        utterances.append(
            Utterance(uid, names[key], words.strip(), start, None, None, line, meta)
        )
    info: dict[str, Any] = {"platform": "telegram", "chat": _name(found) or cid}
    if isinstance(found.get("type"), str):
        info["chat_type"] = found["type"]
    if found.get("id") is not None:
        info["chat_id"] = str(found["id"])
    if utterances and any(message.get("date_unixtime") is None for message, *_ in rows):
        info["timezone"] = chat.NAIVE_TIME
    return chat.conversation(
        path, cid, chat.link_replies(utterances, parents), rejected, info, left_out,
        {names[key]: {"telegram_id": key} for _, _, key, _ in rows},
    )


def _media(message: dict[str, Any]) -> str | None:
    """The kind of media a message carries, or None."""
    kind = message.get("media_type")
    if isinstance(kind, str) and kind:
        return kind
    return next((field for field in MEDIA_FIELDS if message.get(field)), None)


def _reason(message: Any, left_out: Counter[str]) -> str | None:
    """Why a message is not analysed, or None when it is someone's own words."""
    if not isinstance(message, dict):
        return "not a message object"
    reactions = message.get("reactions")
    if isinstance(reactions, list):
        left_out["reactions"] += sum(
            int(r["count"]) if isinstance(r, dict) and isinstance(r.get("count"), int) else 1
            for r in reactions
        )
    kind = message.get("type")
    if kind == "service":
        action = message.get("action") or "service event"
        actor = message.get("actor")
        who = f" by {chat.brief(actor, 40)}" if isinstance(actor, str) and actor else ""
        return f"service message: {chat.brief(str(action), 60)}{who}"
    if kind == "unsupported":
        return "message of a kind this Telegram version could not export"
    if kind != "message":
        return f"not a message (type {chat.brief(str(kind), 30)!r})"
    forwarded = message.get("forwarded_from")
    if forwarded is not None or "forwarded_from" in message:
        source = chat.brief(str(forwarded), 40) if forwarded else "a hidden sender"
        return f"forwarded from {source}: not the sender's own words"
    if "from" not in message and "from_id" not in message:
        return "message names no sender"
    words = text(message.get("text_entities")) or text(message.get("text"))
    if not words.strip():
        media = _media(message)
        if media:
            return f"media without text ({chat.brief(media, 30)})"
        return "message has no text"
    return None


__all__ = ["ABOUT", "EXTENSIONS", "FORMATS", "read", "repair", "sniff", "text"]
