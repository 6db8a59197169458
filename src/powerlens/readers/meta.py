"""Facebook Messenger and Instagram messages from Meta's "Download your information" (JSON).

Written from the structure of the JSON download. Each thread is a folder
(``messages/inbox/<name>_<id>/``; also ``archived_threads``, ``filtered_threads``,
``message_requests``, ``e2ee_cutover``) holding ``message_1.json``, ``message_2.json``...,
each ``{"participants": [{"name"}], "messages": [...], "title", "thread_path", ...}`` with
the messages newest first. Pass one ``message_N.json``, a thread folder (its files are read
together), the ``messages`` folder or any folder above it, or the downloaded ``.zip``: each
thread becomes one conversation, named by its ``title``, in time order.

The download writes every string as UTF-8 bytes escaped one by one as Latin-1 code points
(``"Caf\\u00c3\\u00a9"`` for "Café"); each string is repaired by reading those code points
back as UTF-8 bytes (a string that is not such mojibake is left as it is).

A message has ``sender_name``, ``timestamp_ms`` (``start`` = seconds), ``content`` and,
when present, ``is_unsent``, ``reactions`` ([{"reaction", "actor"}]), ``photos``, ``videos``,
``audio_files``, ``gifs``, ``files``, ``sticker``, ``share``, ``call_duration``, ``type``.
Utterance ids are ``<file>:<index>`` (index in the file, from 1); ``line`` is where the
message object begins in its file (named in ``meta["file"]``).

Kept: messages with content. Rejected with the reason: unsent messages, media without text
(photo, video, voice message, GIF, file, sticker), calls, shared posts without words of the
sender's own, reactions written as messages ("Reacted ❤ to your message", "Liked a
message"), and group events ("X named the group ...", "X added Y to the group", "X left the
group", "You are now connected on Messenger" ...). Reactions attached to messages are counted
in ``meta["left_out"]["reactions"]``; media beside a caption in ``["media"]``.

The newer end-to-end encrypted Messenger download uses camelCase keys (``senderName``,
``timestamp``, ``text``, ``isUnsent``, ``media``) and proper UTF-8; those are read too
(format written from its documented fields, not yet checked against a real download).

Known limits: events and reactions written as content are recognised in English only (in
other languages they are kept as messages); Messenger and Instagram are told apart by the
folder names (``your_instagram_activity``, ``instagram``) and the ``thread_path``.
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

FORMATS = ("messenger", "instagram")
EXTENSIONS: dict[str, str] = {}
READS_FOLDERS = True
ABOUT = {
    "messenger": About(
        reads="Facebook Messenger from Meta's 'Download your information' (JSON)",
        expects="message_1.json, a thread folder, the messages folder, or the download's .zip",
        recognised="JSON with participants and messages carrying sender_name and timestamp_ms "
        "(or senderName and timestamp)",
        example='{"sender_name": "Sam", "timestamp_ms": 1704067500000, "content": "Shall we?"}',
    ),
    "instagram": About(
        reads="Instagram direct messages from 'Download your information' (JSON)",
        expects="message_1.json, a thread folder, the messages folder, or the download's .zip",
        recognised="as Messenger, inside a folder named your_instagram_activity or instagram",
        example='{"sender_name": "sam.r", "timestamp_ms": 1704067500000, "content": "lol ok"}',
    ),
}

THREAD_FOLDERS = (
    "inbox", "archived_threads", "filtered_threads", "message_requests", "e2ee_cutover",
)
MEDIA = ("photos", "videos", "audio_files", "gifs", "files", "sticker", "media")
_MESSAGE_FILE = re.compile(r"^message_(\d+)\.json$")
_SIGNATURE = re.compile(r'"(?:sender_name|senderName)"\s*:')
_EVENTS = re.compile(
    r"^(?:.{1,80}? (?:named the group|changed the group name|added .{1,80} to the group|"
    r"removed .{1,80} from the group|left the group|set the nickname for|set (?:his|her|their|"
    r"your) own nickname|changed the theme|changed the chat theme|set the quick reaction|"
    r"changed the group photo|started (?:a|an) (?:video |audio )?(?:chat|call)|"
    r"missed (?:a|your|an) (?:video |audio )?(?:chat|call)|joined the (?:video |audio )?call|"
    r"created (?:the|a) (?:group|poll|plan)|pinned a message|unpinned a message)\b.*|"
    r"you are now connected on messenger\.?|say hi to your new facebook friend.*|"
    r"(?:you|.{1,80}?) sent an? (?:attachment|photo|video|voice message|gif|sticker|link)\.?)$",
    re.IGNORECASE | re.DOTALL,
)
_REACTION = re.compile(
    r"^(?:.{0,80}?reacted .{1,12} to (?:your|a|his|her|their) message\.?|liked a message\.?|"
    r".{1,80} liked a message\.?)$",
    re.IGNORECASE | re.DOTALL,
)


def fix_mojibake(text: str) -> str:
    """``text`` with Meta's Latin-1-escaped UTF-8 read back; other text unchanged."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _repaired(value: Any) -> Any:
    """``value`` (parsed JSON) with every string repaired in place (iterative, any depth)."""
    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        holder, key = stack.pop()
        item = holder[key]
        if isinstance(item, str):
            holder[key] = fix_mojibake(item)
        elif isinstance(item, dict):
            for name in list(item):
                fixed = fix_mojibake(name) if isinstance(name, str) else name
                if fixed != name:
                    item[fixed] = item.pop(name)
                stack.append((item, fixed))
        elif isinstance(item, list):
            stack.extend((item, i) for i in range(len(item)))
    return root[0]


def _platform(path: Path) -> str:
    parts = {part.lower() for part in path.resolve().parts}
    return "instagram" if any("instagram" in part for part in parts) else "messenger"


def _threads(folder: Path) -> list[Path]:
    """Thread folders under a messages folder (or the folder itself when it is a thread)."""
    if any(_MESSAGE_FILE.match(p.name) for p in folder.iterdir() if p.is_file()):
        return [folder]
    roots = [folder / name for name in THREAD_FOLDERS if (folder / name).is_dir()]
    if (folder / "messages").is_dir():
        inner = folder / "messages"
        roots += [inner / name for name in THREAD_FOLDERS if (inner / name).is_dir()]
    found = []
    for root in roots:
        for thread in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
            if any(_MESSAGE_FILE.match(p.name) for p in thread.iterdir() if p.is_file()):
                found.append(thread)
    return found


def sniff(path: Path, head: str | None) -> str | None:
    """``messenger``/``instagram`` for a message_N.json, a thread folder or a messages folder."""
    if head is None:
        try:
            return _platform(path) if _threads(path) else None
        except OSError:
            return None
    text = head.lstrip()
    if text.startswith("{") and '"participants"' in text and _SIGNATURE.search(text):
        return _platform(path)
    return None


def read(
    path: Path, *, encoding: str | None = None, format: str = "messenger"
) -> list[Conversation]:
    """Read every thread in ``path`` (a message file, a thread folder or a messages folder)."""
    if path.is_dir():
        threads = [sorted(_files(t), key=_number) for t in _threads(path)]
        if not threads:
            raise InputError(
                path, "holds no message_1.json; expected a Messenger or Instagram thread folder.",
                code="PL185", fix="pass the messages folder of the download, or one thread's "
                "message_1.json.",
            )
    else:
        threads = [[path]]
    conversations = [_conversation(files, format, encoding) for files in threads]
    chat.require_messages(path, conversations, "PL185", f"{format.capitalize()} download")
    return conversations


def _files(thread: Path) -> list[Path]:
    return [p for p in thread.iterdir() if p.is_file() and _MESSAGE_FILE.match(p.name)]


def _number(path: Path) -> int:
    match = _MESSAGE_FILE.match(path.name)
    return int(match.group(1)) if match else 0


def _conversation(files: list[Path], format: str, encoding: str | None) -> Conversation:
    rejected: list[Rejection] = []
    left_out: Counter[str] = Counter()
    utterances: list[Utterance] = []
    title = ""
    participants: list[str] = []
    for file in files:
        document = jsondoc.load(
            file, invalid_code="PL184", expected="a Messenger or Instagram message_N.json",
            encoding=encoding,
        )
        root = document.value
        if not isinstance(root, dict) or not isinstance(root.get("messages"), list):
            raise InputError(
                file, 'expected an object with a "messages" list (a message_N.json).',
                line=1, code="PL185", fix="pass the message_N.json files of the download.",
            )
        camel = any(isinstance(m, dict) and "senderName" in m for m in root["messages"][:50])
        if not camel:
            _repaired(root)  # in place: the messages keep their identity, hence their lines
        title = title or chat.text_of(root.get("title") or root.get("threadName"))
        for person in root.get("participants") or []:
            name = person.get("name") if isinstance(person, dict) else person
            if isinstance(name, str) and name not in participants:
                participants.append(name)
        for index, message in enumerate(root["messages"], start=1):
            line = document.line(message) if isinstance(message, (dict, list)) else None
            uid = f"{file.stem}:{index}"
            reason = _reason(message, left_out)
            if reason is not None:
                rejected.append(Rejection(line, f"{file.name}: {reason}"))
                continue
            utterances.append(_utterance(message, uid, line, file, left_out))
    thread = files[0].parent
    meta: dict[str, Any] = {"platform": format, "thread": thread.name}
    if participants:
        meta["participants"] = participants
    cid = chat.slug(title, thread.name or files[0].stem)
    source = files[0] if len(files) == 1 else thread
    return chat.conversation(source, cid, utterances, rejected, meta, left_out)


def _field(message: dict[str, Any], snake: str, camel: str) -> Any:
    return message[snake] if snake in message else message.get(camel)


def _reason(message: Any, left_out: Counter[str]) -> str | None:
    """Why a message is not analysed, or None when it is someone's own words."""
    if not isinstance(message, dict):
        return "not a message object"
    reactions = message.get("reactions")
    if isinstance(reactions, list):
        left_out["reactions"] += len(reactions)
    if _field(message, "is_unsent", "isUnsent") is True:
        return "unsent message (removed by the sender)"
    sender = _field(message, "sender_name", "senderName")
    if not isinstance(sender, str) or not sender.strip():
        return "message names no sender"
    content = chat.text_of(_field(message, "content", "text"))
    kind = message.get("type")
    if "call_duration" in message or kind == "Call":
        return "call record"
    if kind in ("Subscribe", "Unsubscribe"):
        return f"group event: {chat.brief(content or kind)}"
    if not content:
        media = next((m for m in MEDIA if message.get(m)), None)
        if media:
            return f"media without text ({media})"
        if message.get("share"):
            return "shared post or link without text"
        return "message has no text"
    if _REACTION.match(content):
        return f"reaction written as a message: {chat.brief(content)}"
    if _EVENTS.match(content):
        return f"event, not a message: {chat.brief(content)}"
    return None


def _utterance(
    message: dict[str, Any], uid: str, line: int | None, file: Path, left_out: Counter[str]
) -> Utterance:
    content = chat.text_of(_field(message, "content", "text"))
    sender = str(_field(message, "sender_name", "senderName")).strip()
    stamp = chat.number(_field(message, "timestamp_ms", "timestamp"))
    meta: dict[str, Any] = {"file": file.name}
    media = next((m for m in MEDIA if message.get(m)), None)
    if media:
        meta["attachment"] = media
        left_out["media"] += 1
    share = message.get("share")
    if isinstance(share, dict) and isinstance(share.get("link"), str):
        meta["link"] = share["link"]
    return Utterance(
        uid, sender, content, stamp / 1000 if stamp is not None else None, None, None, line, meta
    )


__all__ = ["ABOUT", "EXTENSIONS", "FORMATS", "fix_mojibake", "read", "sniff"]
