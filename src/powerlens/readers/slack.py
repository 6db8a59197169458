"""Slack export: an export root, one channel folder of daily JSON files, or one day file.

Follows the layout of Slack's workspace export (https://slack.com/help/articles/220556107):
the root holds ``users.json`` and ``channels.json`` (also ``groups.json``, ``mpims.json``,
``dms.json``) and one folder per channel of ``YYYY-MM-DD.json`` files, each a JSON array of
message objects. Each channel folder is one conversation; messages are ordered by ``ts``, so
thread replies keep their place in time, and a reply's ``reply_to`` is its ``thread_ts`` (the
parent's id) when the parent is among the analysed messages of the channel. Utterance ids are
the ``ts`` strings; ``start`` is ``float(ts)`` (POSIX seconds); ``line`` is the line of the
day file where the message object begins (the day file is in ``meta["file"]``).

Speakers: a user's name is the ``real_name`` (else ``display_name``) of the first
``user_profile`` attached to one of their messages, else their ``users.json`` entry, else the
user id; two users with the same name are told apart by appending their id. Slack markup is
decoded: ``<@U123>`` becomes ``@name``, ``<#C123|general>`` ``#general``, ``<!here>``
``@here``, ``<https://x|label>`` ``label``, ``<https://x>`` the address, and ``&amp;``,
``&lt;``, ``&gt;`` their characters.

Kept: messages by a person (no subtype, or ``me_message``, ``thread_broadcast``,
``file_share`` with text). Rejected with the reason named: events that are not someone
speaking (``channel_join``, ``channel_leave``, ``channel_topic``, ``tombstone`` ... any other
subtype), ``bot_message`` and app posts (with ``bot_profile``) even when they carry text --
they are not a participant's words, and counting them would skew who did the talking --,
messages without ``ts``, without a user or without text, and a ``ts`` repeated in a channel.
A day file that is not valid JSON is an ``InputError`` naming the file and json's line.

``users.json`` and the channel lists are read only from the export root that was given
(a folder or a zip): given one channel folder or one day file, the reader never looks above
it, and names come from the messages' ``user_profile`` (else the user id). Symbolic links
inside the export are not followed.

Known limits: edits and deletions are taken as exported (only the final text); file
contents, reactions and attachments' text are ignored; huddles and canvases are not read;
a parent message outside the exported date range leaves its replies with ``reply_to`` None
(``meta["thread_ts"]`` still names it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powerlens.errors import InputError, shown
from powerlens.model import Conversation, Rejection, Speaker, Utterance
from powerlens.readers import jsondoc
from powerlens.readers.about import About

FORMATS = ("slack",)
EXTENSIONS: dict[str, str] = {}
ABOUT = {
    "slack": About(
        reads="a Slack workspace export (one conversation per channel)",
        expects="the export .zip or its unzipped folder; also one channel folder or one day "
        "file",
        recognised="users.json and channels.json beside folders of YYYY-MM-DD.json day files",
        example='[{"type": "message", "user": "U1", "text": "Shall we ship?", '
        '"ts": "1709542920.000100"}]',
    ),
}
READS_FOLDERS = True

DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
PERSON_SUBTYPES = frozenset({"me_message", "thread_broadcast", "file_share"})
"""Subtypes that are still a person speaking; a message with no subtype is one too."""

_MARKUP = re.compile(r"<([^<>]*)>")
_CHANNEL_LISTS = ("channels.json", "groups.json", "mpims.json", "dms.json")


def sniff(path: Path, head: str | None) -> str | None:
    """``slack`` for a channel folder of day files, an export root, or one day file."""
    if head is not None:
        text = head.lstrip()
        looks_like_messages = text.startswith("[") and '"ts"' in text
        return "slack" if DAY_FILE.match(path.name) and looks_like_messages else None
    try:
        if _is_channel(path):
            return "slack"
        has_lists = (path / "channels.json").is_file() and (path / "users.json").is_file()
        if has_lists and any(_is_channel(p) for p in path.iterdir() if p.is_dir()):
            return "slack"
    except OSError:
        return None
    return None


def _is_channel(folder: Path) -> bool:
    return any(DAY_FILE.match(p.name) and p.is_file() for p in folder.iterdir())


@dataclass(frozen=True)
class _Raw:
    """One element of a day file with where it was found."""

    channel: str
    file: str
    line: int
    value: Any


def read(path: Path, *, encoding: str | None = None, format: str = "slack") -> list[Conversation]:
    """Read one conversation per channel of a Slack export."""
    root: Path | None = None  # never above what was given: lists only from an export root
    if path.is_file():
        channels = [(path.parent, [path])]
    elif _is_channel(path):
        channels = [(path, _days(path))]
    else:
        root = path
        channels = [
            (p, _days(p))
            for p in sorted(path.iterdir())
            if p.is_dir() and not p.is_symlink() and _is_channel(p)
        ]
        if not channels:
            raise InputError(
                path,
                "no channel folders of YYYY-MM-DD.json files found; expected a Slack export.",
                code="PL170",
                fix="pass the unzipped export folder, or one channel folder in it.",
            )
    users = _list_file(root / "users.json", encoding) if root else []
    lists = [root / name for name in _CHANNEL_LISTS] if root else []
    channel_info = {
        str(entry.get("id")): entry for file in lists for entry in _list_file(file, encoding)
    }
    raw = {
        folder: [m for day in days for m in _messages(day, encoding)] for folder, days in channels
    }
    names = _user_names(users, [m.value for messages in raw.values() for m in messages])
    channel_names = {cid: str(info.get("name") or cid) for cid, info in channel_info.items()}
    by_name = {str(info.get("name")): info for info in channel_info.values()}
    conversations = []
    for folder, messages in raw.items():
        info = by_name.get(folder.name) or channel_info.get(folder.name) or {}
        name = str(info.get("name") or folder.name)
        conversation_id = name if path.is_dir() else f"{name}-{path.stem}"
        conversations.append(
            _conversation(conversation_id, folder if path.is_dir() else path, info, messages,
                          names, channel_names)
        )
    if not any(c.utterances for c in conversations):
        first = next((r for c in conversations for r in c.rejected), None)
        raise InputError(
            path,
            "no message by a person with text found"
            + (f" (first rejected: {first.reason})." if first else "."),
            line=first.line if first else None,
            code="PL171",
            fix="check this is a Slack export with messages from people.",
        )
    return conversations


def _days(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if DAY_FILE.match(p.name) and p.is_file() and not p.is_symlink()
    )


def _document(path: Path, encoding: str | None, expected: str) -> Any:
    """The parsed JSON of an export file, within the budgets (depth, size)."""
    return jsondoc.load(path, invalid_code="PL172", expected=expected, encoding=encoding)


def _list_file(path: Path, encoding: str | None) -> list[dict[str, Any]]:
    """The objects of an optional top-level list file such as ``users.json``."""
    if not path.is_file():
        return []
    value = _document(path, encoding, "a JSON array (a list file of a Slack export)").value
    if not isinstance(value, list):
        raise InputError(path, "expected a JSON array.", line=1, code="PL173")
    return [entry for entry in value if isinstance(entry, dict)]


def _messages(path: Path, encoding: str | None) -> list[_Raw]:
    """The elements of a day file's JSON array, each with the line where it begins."""
    document = _document(path, encoding, "a JSON array of messages (a Slack day file)")
    value = document.value
    if not isinstance(value, list):
        raise InputError(
            path,
            "expected a JSON array of messages (a day file of a Slack export).",
            line=document.line(value) or 1,
            code="PL173",
        )
    found: list[_Raw] = []
    previous = 1
    for element in value:
        line = document.line(element) if isinstance(element, (dict, list)) else None
        previous = line or previous
        found.append(_Raw(path.parent.name, path.name, previous, element))
    return found


def _user_names(users: list[dict[str, Any]], messages: list[Any]) -> dict[str, str]:
    """Display name per user id: first message profile, then users.json, then the id."""
    found: dict[str, str] = {}
    for message in messages:
        if not isinstance(message, dict):
            continue
        profile = message.get("user_profile")
        uid = message.get("user")
        if isinstance(uid, str) and uid not in found and isinstance(profile, dict):
            name = _first_text(profile.get("real_name"), profile.get("display_name"))
            if name:
                found[uid] = name
    for user in users:
        uid = user.get("id")
        profile = user.get("profile")
        if not isinstance(profile, dict):
            profile = {}
        name = _first_text(
            profile.get("real_name"), user.get("real_name"), profile.get("display_name"),
            user.get("name"),
        )
        if isinstance(uid, str) and uid not in found and name:
            found[uid] = name
    counts: dict[str, int] = {}
    for name in found.values():
        counts[name] = counts.get(name, 0) + 1
    return {uid: f"{name} ({uid})" if counts[name] > 1 else name for uid, name in found.items()}


def _first_text(*values: object) -> str:
    return next((v.strip() for v in values if isinstance(v, str) and v.strip()), "")


def decode_markup(text: str, users: dict[str, str], channels: dict[str, str]) -> str:
    """Slack's message markup made plain: mentions, channel links, links and entities."""

    def replace(match: re.Match[str]) -> str:
        body, _, label = match.group(1).partition("|")
        if body.startswith("@"):
            return "@" + (users.get(body[1:]) or label.lstrip("@") or body[1:])
        if body.startswith("#"):
            return "#" + (channels.get(body[1:]) or label.lstrip("#") or body[1:])
        if body.startswith("!"):
            command = body[1:].split("^")[0]
            if command in {"here", "channel", "everyone"}:
                return "@" + command
            return label or "@" + command
        return label or body.removeprefix("mailto:")

    plain = _MARKUP.sub(replace, text)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return plain.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _conversation(
    conversation_id: str,
    source: Path,
    info: dict[str, Any],
    messages: list[_Raw],
    names: dict[str, str],
    channels: dict[str, str],
) -> Conversation:
    kept: list[tuple[float, int, Utterance, str | None]] = []
    rejected: list[Rejection] = []
    seen: set[str] = set()
    speakers: dict[str, Speaker] = {}
    for order, raw in enumerate(messages):
        problem, utterance, thread = _utterance(raw, names, channels, seen)
        if problem is not None:
            rejected.append(Rejection(raw.line, f"{raw.file}: {problem}"))
            continue
        assert utterance is not None
        seen.add(utterance.id)
        kept.append((utterance.start or 0.0, order, utterance, thread))
        uid = str(raw.value.get("user"))
        speakers.setdefault(utterance.speaker, Speaker(utterance.speaker, {"slack_id": uid}))
    kept.sort(key=lambda item: (item[0], item[1]))
    ids = {u.id for _, _, u, _ in kept}
    utterances = tuple(
        Utterance(
            id=u.id, speaker=u.speaker, text=u.text, start=u.start, line=u.line, meta=u.meta,
            reply_to=thread if thread in ids and thread != u.id else None,
        )
        for _, _, u, thread in kept
    )
    meta: dict[str, Any] = {"platform": "slack", "channel": conversation_id}
    if info.get("id"):
        meta["channel_id"] = str(info["id"])
    if info.get("name"):
        meta["channel"] = str(info["name"])
    return Conversation(
        id=conversation_id,
        utterances=utterances,
        source=str(source),
        speakers=speakers,
        meta=meta,
        rejected=tuple(rejected),
    )


def _utterance(
    raw: _Raw, names: dict[str, str], channels: dict[str, str], seen: set[str]
) -> tuple[str | None, Utterance | None, str | None]:
    """``(reason, None, None)`` for a rejected message, else ``(None, utterance, thread_ts)``."""
    message = raw.value
    if not isinstance(message, dict):
        return "not a message object", None, None
    ts = message.get("ts")
    if ts is None:
        return "message has no 'ts' timestamp", None, None
    try:
        start = float(str(ts))
    except ValueError:
        return f"'ts' {shown(ts)} is not a Slack timestamp", None, None
    if start != start or start in (float("inf"), float("-inf")):
        return f"'ts' {shown(ts)} is not a Slack timestamp", None, None
    subtype = message.get("subtype")
    if subtype == "bot_message" or "bot_profile" in message:
        return "bot or app message, not written by a person", None, None
    if subtype is not None and subtype not in PERSON_SUBTYPES:
        return f"{subtype} event, not a message by a person", None, None
    user = message.get("user")
    if not isinstance(user, str) or not user:
        return "message names no user", None, None
    if str(ts) in seen:
        return f"repeats the ts {ts} of an earlier message", None, None
    raw_text = message.get("text")
    text = decode_markup(raw_text, names, channels).strip() if isinstance(raw_text, str) else ""
    if not text:
        reason = "file shared without text" if message.get("files") else "message has no text"
        return reason, None, None
    thread = message.get("thread_ts")
    meta: dict[str, Any] = {"file": raw.file}
    if isinstance(thread, str) and thread != ts:
        meta["thread_ts"] = thread
    if subtype is not None:
        meta["subtype"] = subtype
    utterance = Utterance(
        id=str(ts), speaker=names.get(user, user), text=text, start=start, line=raw.line,
        meta=meta,
    )
    return None, utterance, thread if isinstance(thread, str) else None


__all__ = ["DAY_FILE", "EXTENSIONS", "FORMATS", "PERSON_SUBTYPES", "decode_markup", "read",
           "sniff"]
