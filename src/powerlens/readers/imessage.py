"""iMessage conversations exported as text by imessage-exporter (``--format txt``).

Written from imessage-exporter's text writer and its tests (ReagentX/imessage-exporter,
``exporters/txt``). Each chat is one ``.txt`` file (named after its participants or the
group) of messages separated by a blank line::

    May 17, 2022  5:29:42 PM (Read by them after 1 hour, 49 seconds)
    Me
    Hello world
    Tapbacks:
        Loved by Sample Contact

    May 17, 2022  5:30:10 PM
    Sample Contact
    Hi!

The first line is the date (``%b %d, %Y %l:%M:%S %p``, local time, no zone: read as UTC and
said so in ``meta["timezone"]``) with an optional read receipt, the second the sender (``Me``
is the exporting account), then the text. Replies to a message are written inside it,
indented four spaces, with their own date and sender; each becomes its own utterance whose
``reply_to`` is the message it is written in. Group events are one line, the date followed by
what happened (``... You named the conversation Weekend``).

Kept: the text, without the lines the exporter adds -- ``Tapbacks:``/``Reactions:`` and
their ``Loved by ...`` lines (counted in ``meta["left_out"]["reactions"]``), ``Sent with
Confetti`` (``meta["effect"]``), ``This message responded to an earlier message.``,
attachment file paths and ``Attachment missing!`` (counted in ``["media"]``); of an edited
message, the last version (``Edited 1 minute later: ...``), marked ``meta["edited"]``.
Rejected with the reason: group events, deleted messages ("This message was deleted from
the conversation!", "You deleted a message."), SharePlay and location-sharing notices,
attachments without text, and lines before the first message. Utterance ids are
``<file stem>:<line of the date line>``.

Known limits: a message whose own text contains a blank line followed by a line shaped like
an exporter date line is split there; an app message (Apple Pay, Fitness, a URL preview) is
kept as the lines the exporter wrote; tapbacks by a person are recognised by the exporter's
English verbs (``Loved``, ``Liked``, ``Disliked``, ``Laughed at``, ``Emphasized``,
``Questioned``, ``Reacted ... to``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from powerlens.errors import InputError
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers import chat
from powerlens.readers.about import About
from powerlens.readers.folder import MEDIA_SUFFIXES
from powerlens.readers.textfile import read_lines

FORMATS = ("imessage",)
EXTENSIONS: dict[str, str] = {}
ABOUT = {
    "imessage": About(
        reads="iMessage and SMS chats exported by imessage-exporter as text (--format txt)",
        expects="one chat's .txt file, or the export folder of them",
        recognised="a first line 'May 17, 2022  5:29:42 PM' followed by a sender line",
        example="May 17, 2022  5:29:42 PM / Sam / Shall we go tomorrow?",
    ),
}

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
DATE = re.compile(
    rf"^(?P<indent> *)(?P<date>(?:{_MONTHS}) \d{{1,2}}, \d{{4}} {{1,2}}\d{{1,2}}:\d{{2}}:\d{{2}}"
    r"[ \u202f]?[AP]M)(?P<rest>.*)$"
)
_READ = re.compile(r"^ \((?:Read|Delivered) by .*\)$")
_TAPBACK_HEADER = frozenset({"Tapbacks:", "Reactions:"})
_TAPBACK = re.compile(
    r"^(?:(?:Loved|Liked|Disliked|Laughed at|Emphasized|Questioned|Reacted .{1,16}?)"
    r"(?: to .{1,80}?)? by .+|Sticker from .+)$"
)
_EFFECT = re.compile(r"^Sent with [A-Z][\w ]{1,40}$")
_EDITED = re.compile(r"^Edited .{1,60}? later: (?P<text>.*)$")
_DELETED = re.compile(
    r"^(?:This message was deleted from the conversation!|.{1,80} deleted a message\.)$"
)
_NOTICE = re.compile(
    r"^(?:SharePlay Message|Ended|Started sharing location!|Stopped sharing location!|"
    r"Unable to format app message.*|Handwritten messages are not yet supported!)$"
)
_REPLY_NOTE = "This message responded to an earlier message."


def _start_at(lines: list[str], index: int) -> re.Match[str] | None:
    """The date match when line ``index`` starts a message (a date, then a sender line)."""
    match = DATE.match(lines[index])
    if match is None or (match["rest"] and not _READ.match(match["rest"])):
        return None
    if index + 1 >= len(lines):
        return None
    following = lines[index + 1]
    indent = match["indent"]
    if not following.strip() or not following.startswith(indent) or DATE.match(following):
        return None
    return match if not following[len(indent):].startswith(" ") else None


def sniff(path: Path, head: str | None) -> str | None:
    """``imessage`` when the first message starts like imessage-exporter's text."""
    if head is None:
        return None
    lines = head.replace("\r\n", "\n").lstrip("\ufeff\n").split("\n")[:40]
    if len(lines) < 2:
        return None
    match = DATE.match(lines[0])
    if match is None or match["indent"]:
        return None
    return "imessage" if _start_at(lines, 0) or match["rest"].startswith(" ") else None


@dataclass
class _Message:
    line: int
    depth: int
    date: str
    sender: str
    body: list[str] = field(default_factory=list)


def read(
    path: Path, *, encoding: str | None = None, format: str = "imessage"
) -> list[Conversation]:
    """Read one conversation from an imessage-exporter text file."""
    lines = read_lines(path, encoding)
    messages: list[_Message] = []
    rejected: list[Rejection] = []
    stack: list[_Message] = []  # the messages a line may still belong to, by indentation
    index = 0
    while index < len(lines):
        line = lines[index]
        match = DATE.match(line)
        start = _start_at(lines, index) if match else None
        if start is not None:
            message = _Message(index + 1, len(start["indent"]), start["date"],
                               lines[index + 1].strip())
            while stack and stack[-1].depth >= message.depth:
                stack.pop()
            stack.append(message)
            messages.append(message)
            index += 2
            continue
        after_blank = index == 0 or not lines[index - 1].strip()
        if match is not None and match["rest"].strip() and not match["indent"] and after_blank:
            rejected.append(Rejection(index + 1, f"group event: {chat.brief(match['rest'])}"))
            stack.clear()
        elif stack:
            indent = len(line) - len(line.lstrip(" "))
            owner = next((m for m in reversed(stack) if m.depth <= indent), stack[0])
            owner.body.append(line if line.strip() else "")
        elif line.strip():
            rejected.append(Rejection(index + 1, "line before the first message"))
        index += 1
    if not messages and not rejected:
        raise InputError(
            path,
            "no message found; expected a date line such as 'May 17, 2022  5:29:42 PM' "
            "followed by the sender.",
            line=1,
            code="PL187",
            fix="check this is imessage-exporter's txt export, or name the format with "
            "--input-format.",
        )
    left_out: Counter[str] = Counter()
    utterances: list[Utterance] = []
    parents: dict[str, str] = {}
    open_at: dict[int, str] = {}
    for message in messages:
        uid = f"{path.stem}:{message.line}"
        parent = max((d for d in open_at if d < message.depth), default=None)
        open_at = {d: i for d, i in open_at.items() if d < message.depth}
        open_at[message.depth] = uid
        if parent is not None:
            parents[uid] = open_at[parent]
        text, meta, reason = _body(message, left_out)
        when = _seconds(message.date)
        if reason is None and when is None:
            reason = f"date {message.date!r} is not a valid date"
        if reason is not None:
            rejected.append(Rejection(message.line, reason))
            continue
        utterances.append(
            Utterance(uid, message.sender, text, when, None, None, message.line, meta)
        )
    info = {"platform": "imessage", "chat": path.stem, "timezone": chat.NAIVE_TIME}
    conversation = chat.conversation(
        path, chat.slug(path.stem, "chat"), chat.link_replies(utterances, parents), rejected,
        info, left_out,
    )
    chat.require_messages(path, [conversation], "PL187", "iMessage export")
    return [conversation]


def _seconds(date: str) -> float | None:
    cleaned = " ".join(date.replace("\u202f", " ").split())
    try:
        moment = datetime.strptime(cleaned, "%b %d, %Y %I:%M:%S %p")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).timestamp()


def _is_attachment(line: str) -> bool:
    if line == "Attachment missing!":
        return True
    suffix = Path(line).suffix.lower()
    return bool(suffix) and suffix in MEDIA_SUFFIXES and (" " not in line or "/" in line)


def _body(
    message: _Message, left_out: Counter[str]
) -> tuple[str, dict[str, Any], str | None]:
    """The message's own text, its metadata, and the reason it is rejected (or None)."""
    own = message.depth
    lines = [
        line[own:] if line.startswith(" " * own) else line.lstrip()
        for line in message.body
    ]
    while lines and not lines[-1].strip():
        lines.pop()
    kept: list[str] = []
    meta: dict[str, Any] = {}
    media = 0
    in_tapbacks = False
    notices: list[str] = []
    for line in lines:
        stripped = line.strip()
        if in_tapbacks and _TAPBACK.match(stripped):
            left_out["reactions"] += 1
            continue
        in_tapbacks = stripped in _TAPBACK_HEADER
        if in_tapbacks:
            continue
        if stripped == _REPLY_NOTE:
            meta["reply"] = True
        elif _EFFECT.match(stripped):
            meta["effect"] = stripped.removeprefix("Sent with ")
        elif _DELETED.match(stripped):
            return "", meta, "deleted message"
        elif _NOTICE.match(stripped):
            notices.append(stripped)
        elif _is_attachment(stripped):
            media += 1
        elif (edit := _EDITED.match(stripped)) is not None:
            kept = [edit["text"]]
            meta["edited"] = True
        else:
            kept.append(line.rstrip())
    text = "\n".join(kept).strip()
    if not text:
        if media:
            return "", meta, f"attachment without text ({media} file(s))"
        if notices:
            return "", meta, f"notice, not a message: {chat.brief(' '.join(notices))}"
        return "", meta, "message has no text"
    if media:
        meta["attachments"] = media
        left_out["media"] += media
    return text, meta, None


__all__ = ["ABOUT", "DATE", "EXTENSIONS", "FORMATS", "read", "sniff"]
