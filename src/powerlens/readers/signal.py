"""Signal Desktop chats exported by signal-export (``sigexport``): Markdown or JSON lines.

Written from signal-export's writer (carderne/signal-export, ``models.Message.to_md`` and
``dict_str``). Each chat is a folder named after the contact or group, holding ``chat.md``,
``data.json`` (one JSON object per line, unless ``--no-json``), ``index.html`` and
``media/``. Pass a chat folder, the export folder (one conversation per chat), one
``chat.md`` or ``data.json``, or a zip of them; a folder's ``data.json`` is preferred to its
``chat.md`` (it keeps quotes and reactions apart from the text).

``chat.md`` holds one message per entry, separated by a blank line::

    [2024-01-01 09:05:00] Sam: Shall we book it?
    [2024-01-01 09:07:30] Me:

    > Shall we book it?

    Yes, tonight.
    (- Sam: 👍 -)

(older versions write ``[2024-01-01, 09:05]``). After ``Sender:`` come an optional quoted
message (``>`` lines), the text (each line ends with two spaces, removed), then optional
reactions ``(- Name: emoji, ... -)``, a sticker ``(( emoji ))`` and attachment links
``![name](./media/...)``. A ``data.json`` line is ``{"date", "sender", "body", "quote",
"sticker", "reactions": [[name, emoji]], "attachments": [...], "deleted", ...}``.

Kept: the text of each message (``start`` = its date, local time taken as UTC, since the
export has no zone; ``meta["timezone"]`` says so). The quoted message, reactions and
attachments beside a text are counted in ``meta["left_out"]`` (``quotes``, ``reactions``,
``media``). Rejected with the reason: deleted messages, call records ("Incoming voice call
(accepted, 2m 3s)", "Missed video call"), stickers and attachments without text, messages
without a known sender (``No-Sender``), and empty ones. Utterance ids are
``<chat>:<line>``.

Known limits: in ``chat.md`` a message line that itself starts like ``[2024-01-01
09:05:00] Name:`` starts a new message; text that uses Markdown links to ``./media/`` is
read as an attachment; "Me" is the exporting account.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from powerlens.errors import InputError
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers import chat
from powerlens.readers.about import About
from powerlens.readers.jsonlines import iter_json_lines
from powerlens.readers.textfile import read_lines

FORMATS = ("signal",)
EXTENSIONS: dict[str, str] = {}
READS_FOLDERS = True
ABOUT = {
    "signal": About(
        reads="Signal Desktop chats exported by signal-export (sigexport): chat.md or data.json",
        expects="the export folder (one folder per chat), a chat folder, chat.md or data.json",
        recognised="chat.md/.md whose entries start [YYYY-MM-DD HH:MM:SS] Name:, or data.json "
        "lines with date, sender and body",
        example="[2024-01-01 09:05:00] Sam: Shall we book it?",
    ),
}

HEADER = re.compile(
    r"^\[(?P<date>\d{4}-\d{2}-\d{2}),? (?P<time>\d{1,2}:\d{2}(?::\d{2})?)\] "
    r"(?P<sender>[^:\n]{1,120}?):(?: (?P<rest>.*))?$"
)
_REACTIONS = re.compile(r"^\(- (?P<list>.*) -\)$")
_STICKER = re.compile(r"^\(\( (?P<label>.*) \)\)$")
_ATTACHMENT = re.compile(r"!?\[[^\[\]\n]*\]\((?:\.{1,2}/)?(?:media|exported_stickers)/[^)\n]*\)")
_CALL = re.compile(
    r"^(?:(?:incoming|outgoing|missed) (?:voice |video |audio )?call|voice call|video call)"
    r"(?: \([^)]*\))?$",
    re.IGNORECASE,
)
_DELETED = "(This message was deleted)"


def _json_like(line: str) -> bool:
    return line.startswith("{") and all(f'"{key}"' in line for key in ("date", "sender", "body"))


def sniff(path: Path, head: str | None) -> str | None:
    """``signal`` for a signal-export chat folder or export folder, chat.md or data.json."""
    if head is None:
        try:
            return "signal" if _chat_file(path) or _chat_folders(path) else None
        except OSError:
            return None
    first = next((line for line in head.splitlines() if line.strip()), "").strip()
    if path.suffix.lower() == ".md" and HEADER.match(first):
        return "signal"
    return "signal" if path.suffix.lower() == ".json" and _json_like(first) else None


def _chat_file(folder: Path) -> Path | None:
    """The file to read in a chat folder: data.json, else chat.md (None when neither)."""
    from powerlens.readers.textfile import head

    data, markdown = folder / "data.json", folder / "chat.md"
    if data.is_file():
        first = next((line for line in head(data, 4096).splitlines() if line.strip()), "")
        if _json_like(first.strip()):
            return data
    if markdown.is_file():
        first = next((line for line in head(markdown, 4096).splitlines() if line.strip()), "")
        if HEADER.match(first.strip()):
            return markdown
    return None


def _chat_folders(folder: Path) -> list[Path]:
    return [
        p for p in sorted(folder.iterdir())
        if p.is_dir() and not p.is_symlink() and _chat_file(p) is not None
    ]


def read(path: Path, *, encoding: str | None = None, format: str = "signal") -> list[Conversation]:
    """Read one conversation per chat of a signal-export folder, chat folder or file."""
    if path.is_dir():
        own = _chat_file(path)
        files = [own] if own is not None else [_chat_file(p) for p in _chat_folders(path)]
        chats = [f for f in files if f is not None]
        if not chats:
            raise InputError(
                path, "holds no chat.md or data.json of signal-export.", code="PL186",
                fix="pass the folder signal-export wrote, or one chat's folder.",
            )
    else:
        chats = [path]
    conversations = [_read_chat(file, encoding) for file in chats]
    chat.require_messages(path, conversations, "PL186", "Signal export")
    return conversations


def _read_chat(path: Path, encoding: str | None) -> Conversation:
    name = path.parent.name if path.name in ("chat.md", "data.json") else path.stem
    if path.suffix.lower() == ".json":
        entries = list(_json_entries(path, encoding))
    else:
        entries = list(_markdown_entries(path, encoding))
    rejected: list[Rejection] = []
    left_out: Counter[str] = Counter()
    utterances: list[Utterance] = []
    for line, entry in entries:
        if isinstance(entry, str):
            rejected.append(Rejection(line, entry))
            continue
        reason = _reason(entry, left_out)
        if reason is not None:
            rejected.append(Rejection(line, reason))
            continue
        meta: dict[str, Any] = {}
        if entry["media"]:
            meta["attachments"] = entry["media"]
        if entry["quote"]:
            meta["quote"] = chat.brief(entry["quote"], 80)
        utterances.append(Utterance(
            f"{name}:{line}", entry["sender"], entry["body"], entry["start"], None, None, line,
            meta,
        ))
    info = {"platform": "signal", "chat": name, "timezone": chat.NAIVE_TIME}
    return chat.conversation(path, chat.slug(name, path.stem), utterances, rejected, info,
                             left_out)


def _reason(entry: dict[str, Any], left_out: Counter[str]) -> str | None:
    """Why an entry is not analysed (and what it carries, counted), or None."""
    left_out["reactions"] += entry["reactions"]
    if entry["deleted"]:
        return "deleted message"
    sender = entry["sender"]
    if not sender or sender == "No-Sender":
        return "message without a known sender"
    body = entry["body"]
    if body and _CALL.match(body):
        return f"call record: {chat.brief(body)}"
    if not body:
        if entry["media"]:
            return f"attachment without text ({entry['media']} file(s))"
        if entry["sticker"]:
            return "sticker without text"
        return "message has no text"
    if entry["media"]:
        left_out["media"] += entry["media"]
    if entry["quote"]:
        left_out["quotes"] += 1
    return None


def _start(date: str, time: str) -> float | None:
    try:
        moment = datetime.fromisoformat(f"{date}T{time if time.count(':') == 2 else time + ':00'}")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).timestamp()


def _json_entries(path: Path, encoding: str | None) -> Any:
    for line, obj in iter_json_lines(path, encoding):
        if not isinstance(obj, dict):
            yield line, str(obj)
            continue
        body = obj.get("body")
        reactions = obj.get("reactions")
        attachments = obj.get("attachments")
        date = chat.iso_seconds(obj.get("date"))
        if date is None:
            yield line, f"date {chat.brief(str(obj.get('date')), 30)!r} is not an ISO date"
            continue
        yield line, {
            "sender": chat.text_of(obj.get("sender")),
            "body": "\n".join(p.rstrip() for p in body.split("\n")).strip()
            if isinstance(body, str) else "",
            "quote": chat.text_of(obj.get("quote")).lstrip("> ").strip(),
            "sticker": bool(obj.get("sticker")),
            "reactions": len(reactions) if isinstance(reactions, list) else 0,
            "media": len(attachments) if isinstance(attachments, list) else 0,
            "deleted": obj.get("deleted") is True,
            "start": date,
        }


def _markdown_entries(path: Path, encoding: str | None) -> Any:
    lines = read_lines(path, encoding)
    current: tuple[int, Any, list[str]] | None = None
    for number, line in enumerate(lines, start=1):
        match = HEADER.match(line)
        if match is not None:
            if current is not None:
                yield current[0], _entry(*current[1:])
            current = (number, match, [match["rest"] or ""])
        elif current is not None:
            current[2].append(line)
        elif line.strip():
            yield number, "line before the first message"
    if current is not None:
        yield current[0], _entry(*current[1:])


def _entry(match: Any, lines: list[str]) -> dict[str, Any] | str:
    """One chat.md entry taken apart: quote, text, reactions, sticker, attachments."""
    start = _start(match["date"], match["time"])
    if start is None:
        return f"date {match['date']} {match['time']} is not a valid date and time"
    while lines and not lines[-1].strip():
        lines.pop()
    quote: list[str] = []
    reactions = 0
    sticker = False
    media = 0
    body: list[str] = []
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index > 0 and index < len(lines) and lines[index].startswith(">"):
        while index < len(lines) and lines[index].startswith(">"):
            quote.append(lines[index].lstrip(">").strip())
            index += 1
    for line in lines[index:]:
        text = line.rstrip()
        if (found := _REACTIONS.match(text)) is not None:
            reactions += len([r for r in found["list"].split(", ") if ":" in r])
        elif _STICKER.match(text):
            sticker = True
        else:
            media += len(_ATTACHMENT.findall(text))
            body.append(_ATTACHMENT.sub("", text).rstrip())
    text = "\n".join(body).strip()
    return {
        "sender": match["sender"].strip(),
        "body": "" if text == _DELETED else text,
        "quote": " ".join(quote).strip(),
        "sticker": sticker,
        "reactions": reactions,
        "media": media,
        "deleted": text == _DELETED,
        "start": start,
    }


__all__ = ["ABOUT", "EXTENSIONS", "FORMATS", "HEADER", "read", "sniff"]
