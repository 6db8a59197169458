"""Discord channels exported by DiscordChatExporter, as JSON or CSV.

Written from DiscordChatExporter's writers (Tyrrrz/DiscordChatExporter,
``JsonMessageWriter``, ``CsvMessageWriter``). The JSON export is one object per channel:
``{"guild": {...}, "channel": {"id", "type", "category", "name", "topic"}, "dateRange",
"exportedAt", "messages": [...], "messageCount"}``; each message has ``id``, ``type``
(``Default``, ``Reply``, or an event such as ``GuildMemberJoin``, ``ChannelPinnedMessage``,
``Call``, ``RecipientAdd``, ``ThreadCreated``), ``timestamp`` (ISO 8601 with offset; ``start``),
``timestampEdited``, ``content``, ``author`` (``id``, ``name``, ``nickname``, ``isBot``),
``attachments``, ``embeds``, ``stickers``, ``reactions`` (``emoji``, ``count``), ``mentions``,
``reference`` (``messageId``: ``reply_to`` when that message is analysed) and, for forwarded
messages, ``forwardedMessage``. The CSV export has the columns ``AuthorID, Author, Date,
Content, Attachments, Reactions``, the date written in the exporting machine's locale (ISO,
``1/5/2024 3:04 PM``, ``05/01/2024 15:04``, ``05-Jan-24 03:04 PM`` or Unix seconds; day or month
first decided once per file, as for WhatsApp, and stated in ``meta["date_order"]``).

Speakers are the author's server nickname (JSON), else the name; two authors with one name
are told apart by their id. Kept: ``Default`` and ``Reply`` messages with content, marked
``meta["edited"]`` when edited. Rejected with the reason: events (the type named, or in CSV a
system text such as "Pinned a message."), bots' posts (``isBot``), forwarded messages, and
messages whose only content is attachments, stickers or embeds. Reactions are counted in
``meta["left_out"]["reactions"]``, attachments beside text in ``["media"]``. Utterance ids are
the message ids (JSON) or ``<file>:<line>`` (CSV).

Known limits: CSV has no message ids, types or bot flags, so replies are not linked and a
bot's posts are kept; system texts are recognised in English only; Markdown (``**bold**``,
``<@123>`` mentions when not formatted by the exporter) stays as written.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from powerlens.errors import InputError
from powerlens.model import Conversation, Rejection, Utterance
from powerlens.readers import chat, jsondoc
from powerlens.readers.about import About
from powerlens.readers.textfile import read_text

FORMATS = ("discord",)
EXTENSIONS: dict[str, str] = {}
SNIFF_FIRST = frozenset({".csv", ".json"})
"""Suffixes another reader claims (``.csv``): this reader's sniff is asked first."""
ABOUT = {
    "discord": About(
        reads="Discord channels exported by DiscordChatExporter (JSON or CSV)",
        expects="the exported .json or .csv of a channel (or a folder of them)",
        recognised="JSON with guild, channel and messages; CSV whose header is "
        "AuthorID,Author,Date,Content,Attachments,Reactions",
        example='"AuthorID","Author","Date","Content","Attachments","Reactions" / '
        '"1234","sam","1/5/2024 3:04 PM","Shall we raid tonight?","",""',
    ),
}

CSV_HEADER = ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"]
KEPT_TYPES = frozenset({"Default", "Reply"})
_SYSTEM_TEXT = re.compile(
    r"^(?:added .+ to the group\.|removed .+ from the group\.|left the group\.|"
    r"started a call(?: that lasted .*)?\.?|changed the channel (?:name|icon).*|"
    r"pinned a message\.|joined the server\.|started a thread.*|boosted the server.*)$",
    re.IGNORECASE,
)
_SLASH_DATE = re.compile(
    r"^(?P<a>\d{1,2})[./](?P<b>\d{1,2})[./](?P<y>\d{2,4})[ ,]+(?P<h>\d{1,2}):(?P<m>\d{2})"
    r"(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?$"
)
_MONTH_DATE = re.compile(
    r"^(?P<d>\d{1,2})-(?P<mon>[A-Za-z]{3})-(?P<y>\d{2,4}) (?P<h>\d{1,2}):(?P<m>\d{2})"
    r"(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?$"
)
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def sniff(path: Path, head: str | None) -> str | None:
    """``discord`` for DiscordChatExporter's JSON or CSV."""
    if head is None:
        return None
    text = head.lstrip()
    if text.startswith("{"):
        keys = ('"guild"', '"channel"', '"messages"')
        return "discord" if all(k in text for k in keys) and '"author"' in text else None
    first = text.splitlines()[0].strip() if text else ""
    header = [c.strip().strip('"') for c in first.split(",")]
    return "discord" if header == CSV_HEADER else None


def read(path: Path, *, encoding: str | None = None, format: str = "discord") -> list[Conversation]:
    """Read one conversation from a DiscordChatExporter JSON or CSV file."""
    with path.open("rb") as handle:
        start = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    is_json = start.startswith(b"{")
    conversation = _read_json(path, encoding) if is_json else _read_csv(path, encoding)
    chat.require_messages(path, [conversation], "PL183", "Discord export")
    return [conversation]


def _read_json(path: Path, encoding: str | None) -> Conversation:
    document = jsondoc.load(
        path, invalid_code="PL182", expected="a DiscordChatExporter JSON export",
        encoding=encoding,
    )
    root = document.value
    if not isinstance(root, dict) or not isinstance(root.get("messages"), list):
        raise InputError(
            path, 'expected an object with "guild", "channel" and a "messages" list.', line=1,
            code="PL183", fix="export the channel with DiscordChatExporter as JSON or CSV.",
        )
    rejected: list[Rejection] = []
    left_out: Counter[str] = Counter()
    kept: list[tuple[dict[str, Any], int | None]] = []
    for message in root["messages"]:
        line = document.line(message) if isinstance(message, (dict, list)) else None
        reason = _json_reason(message, left_out)
        if reason is None:
            kept.append((message, line))
        else:
            rejected.append(Rejection(line, reason))
    names = chat.display_names(
        (str(m["author"].get("id")), _author(m["author"])) for m, _ in kept
    )
    utterances: list[Utterance] = []
    parents: dict[str, str] = {}
    for message, line in kept:
        meta: dict[str, Any] = {}
        if message.get("timestampEdited"):
            meta["edited"] = True
        if message.get("attachments"):
            meta["attachments"] = len(message["attachments"])
            left_out["media"] += len(message["attachments"])
        uid = str(message.get("id"))
        reference = message.get("reference")
        if isinstance(reference, dict) and reference.get("messageId"):
            parents[uid] = str(reference["messageId"])
        speaker = names[str(message["author"].get("id"))]
        utterances.append(Utterance(
            uid, speaker, chat.text_of(message.get("content")),
            chat.iso_seconds(message.get("timestamp")), None, None, line, meta,
        ))
    channel: dict[str, Any] = root["channel"] if isinstance(root.get("channel"), dict) else {}
    guild: dict[str, Any] = root["guild"] if isinstance(root.get("guild"), dict) else {}
    name = chat.text_of(channel.get("name")) or path.stem
    meta_out: dict[str, Any] = {"platform": "discord", "channel": name}
    if chat.text_of(guild.get("name")):
        meta_out["guild"] = chat.text_of(guild.get("name"))
    if chat.text_of(channel.get("category")):
        meta_out["category"] = chat.text_of(channel.get("category"))
    return chat.conversation(
        path, chat.slug(name, path.stem), chat.link_replies(utterances, parents), rejected,
        meta_out, left_out,
    )


def _author(author: dict[str, Any]) -> str:
    return chat.text_of(author.get("nickname")) or chat.text_of(author.get("name")) or str(
        author.get("id")
    )


def _json_reason(message: Any, left_out: Counter[str]) -> str | None:
    if not isinstance(message, dict):
        return "not a message object"
    reactions = message.get("reactions")
    if isinstance(reactions, list):
        left_out["reactions"] += sum(
            r["count"] if isinstance(r, dict) and isinstance(r.get("count"), int) else 1
            for r in reactions
        )
    kind = message.get("type")
    if kind not in KEPT_TYPES:
        content = chat.text_of(message.get("content"))
        said = f": {chat.brief(content)}" if content else ""
        return f"{chat.brief(str(kind), 40)} event{said}"
    author = message.get("author")
    if not isinstance(author, dict) or author.get("id") is None:
        return "message names no author"
    if author.get("isBot") is True:
        return "bot or app message, not written by a person"
    if message.get("forwardedMessage"):
        return "forwarded message: not the sender's own words"
    if not chat.text_of(message.get("content")):
        for field, what in (("attachments", "attachment"), ("stickers", "sticker"),
                            ("embeds", "embed (link preview)")):
            if message.get(field):
                return f"{what} without text"
        return "message has no text"
    return None


def _read_csv(path: Path, encoding: str | None) -> Conversation:
    text = read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    rejected: list[Rejection] = []
    last = 0
    try:
        header = next(reader)
        last = reader.line_num
    except (StopIteration, csv.Error):
        header = []
    if [c.strip().lstrip("\ufeff") for c in header] != CSV_HEADER:
        raise InputError(
            path, f"expected the header {','.join(CSV_HEADER)} of DiscordChatExporter's CSV.",
            line=1, code="PL183", fix="export the channel with DiscordChatExporter as CSV or JSON.",
        )
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            rejected.append(Rejection(last + 1, f"not valid CSV ({error})"))
            last = reader.line_num
            continue
        number, last = last + 1, reader.line_num
        if not record or record == [""]:
            continue
        if len(record) != len(CSV_HEADER):
            rejected.append(Rejection(number, f"row has {len(record)} fields, not 6"))
            continue
        rows.append((number, record))
    day_first, order = _date_order([r[2] for _, r in rows])
    left_out: Counter[str] = Counter()
    names = chat.display_names((r[0].strip(), r[1].strip() or r[0].strip()) for _, r in rows)
    utterances: list[Utterance] = []
    for number, (author_id, _, date, content, attachments, reactions) in rows:
        left_out["reactions"] += sum(
            int(n) for n in re.findall(r"\((\d{1,9})\)", reactions)
        )
        start = _csv_seconds(date.strip(), day_first)
        content = content.strip()
        reason = None
        if start is None:
            reason = f"date {chat.brief(date, 30)!r} is not understood"
        elif not author_id.strip():
            reason = "message names no author"
        elif not content:
            reason = "attachment without text" if attachments.strip() else "message has no text"
        elif _SYSTEM_TEXT.match(content):
            reason = f"event, not a message: {chat.brief(content)}"
        if reason is not None:
            rejected.append(Rejection(number, reason))
            continue
        meta: dict[str, Any] = {}
        if attachments.strip():
            meta["attachments"] = attachments.count(",") + 1
            left_out["media"] += meta["attachments"]
        utterances.append(Utterance(
            f"{path.stem}:{number}", names[author_id.strip()], content, start, None, None,
            number, meta,
        ))
    info = {"platform": "discord", "channel": path.stem, "date_order": order,
            "timezone": "as written by the exporting machine; dates without a zone read as UTC"}
    return chat.conversation(path, chat.slug(path.stem, "channel"), utterances, rejected, info,
                             left_out)


def _date_order(dates: list[str]) -> tuple[bool, str]:
    pairs = [(int(m["a"]), int(m["b"])) for m in map(_SLASH_DATE.match, dates) if m]
    if any(a > 12 for a, _ in pairs):
        return True, "day-first (a first date field is above 12)"
    if any(b > 12 for _, b in pairs):
        return False, "month-first (a second date field is above 12)"
    if not pairs:
        return False, "no slashed dates"
    return False, "ambiguous: no date field above 12, read month-first (en-US)"


def _csv_seconds(text: str, day_first: bool) -> float | None:
    """POSIX seconds of a CSV date as DiscordChatExporter may write it, else None."""
    if re.fullmatch(r"\d{9,13}", text):
        value = int(text)
        return value / 1000 if len(text) > 11 else float(value)
    iso = chat.iso_seconds(text)
    if iso is not None:
        return iso
    match = _SLASH_DATE.match(text) or _MONTH_DATE.match(text)
    if match is None:
        return None
    parts = match.groupdict()
    if "mon" in parts and parts.get("mon"):
        month = _MONTHS.get(parts["mon"].lower(), 0)
        day = int(parts["d"])
    else:
        a, b = int(parts["a"]), int(parts["b"])
        day, month = (a, b) if day_first else (b, a)
    year = int(parts["y"]) + (2000 if len(parts["y"]) == 2 else 0)
    hour, minute, second = int(parts["h"]), int(parts["m"]), int(parts.get("s") or 0)
    ampm = (parts.get("ampm") or "").lower().replace(".", "").replace(" ", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()
    except ValueError:
        return None


__all__ = ["ABOUT", "CSV_HEADER", "EXTENSIONS", "FORMATS", "SNIFF_FIRST", "read", "sniff"]
