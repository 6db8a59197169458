"""Writers of every input format, as each exporter writes it, for round-trip property tests.

Each writer takes ``(speaker, text)`` turns and a folder, writes the turns in its format and
returns the path to pass to ``powerlens.load``. The texts it accepts are those the format can
carry unchanged (``ALLOWS``): a caption cannot hold a line break, a WhatsApp line cannot start
with a date, and so on.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

from powerlens.model import Conversation, Utterance
from powerlens.readers import convokit, interchange
from powerlens.readers.meta import _EVENTS, _REACTION
from powerlens.readers.subtitles import NON_SPEECH
from powerlens.readers.whatsapp import _kind

Turns = list[tuple[str, str]]
T0 = 1704099600


def plain(folder: Path, turns: Turns) -> Path:
    path = folder / "chat.txt"
    path.write_text("".join(f"{s}: {t}\n" for s, t in turns), encoding="utf-8")
    return path


def whatsapp(folder: Path, turns: Turns) -> Path:
    path = folder / "chat.txt"
    lines = [f"01/02/2024, 10:{i % 60:02d} - {s}: {t}\n" for i, (s, t) in enumerate(turns)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def vtt(folder: Path, turns: Turns) -> Path:
    path = folder / "m.vtt"
    cues = [f"00:00:{i:02d}.000 --> 00:00:{i:02d}.500\n<v {s}>{t}</v>\n\n"
            for i, (s, t) in enumerate(turns)]
    path.write_text("WEBVTT\n\n" + "".join(cues), encoding="utf-8")
    return path


def srt(folder: Path, turns: Turns) -> Path:
    path = folder / "m.srt"
    cues = [f"{i + 1}\n00:00:{i:02d},000 --> 00:00:{i:02d},500\n{s}: {t}\n\n"
            for i, (s, t) in enumerate(turns)]
    path.write_text("".join(cues), encoding="utf-8")
    return path


def imessage(folder: Path, turns: Turns) -> Path:
    path = folder / "chat.txt"
    blocks = [f"May 17, 2022  5:{i % 60:02d}:00 PM\n{s}\n{t}\n\n" for i, (s, t) in enumerate(turns)]
    path.write_text("".join(blocks), encoding="utf-8")
    return path


def signal_md(folder: Path, turns: Turns) -> Path:
    chat = folder / "Sam"
    chat.mkdir()
    entries = [f"[2024-01-01 10:{i % 60:02d}:00] {s}: {t}  \n\n" for i, (s, t) in enumerate(turns)]
    (chat / "chat.md").write_text("".join(entries), encoding="utf-8")
    return chat / "chat.md"


def signal_json(folder: Path, turns: Turns) -> Path:
    chat = folder / "Sam"
    chat.mkdir()
    rows = [{"date": f"2024-01-01T10:{i % 60:02d}:00", "sender": s, "body": t + "  ", "quote": "",
             "sticker": None, "reactions": [], "attachments": [], "deleted": False}
            for i, (s, t) in enumerate(turns)]
    (chat / "data.json").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return chat


def telegram(folder: Path, turns: Turns) -> Path:
    messages = [{"id": i + 1, "type": "message", "date": "2024-01-01T10:00:00",
                 "date_unixtime": str(T0 + i), "from": s, "from_id": f"user{s}",
                 "text": t, "text_entities": [{"type": "plain", "text": t}]}
                for i, (s, t) in enumerate(turns)]
    path = folder / "result.json"
    path.write_text(json.dumps({"name": "Chat", "type": "personal_chat", "id": 1,
                                "messages": messages}, indent=1, ensure_ascii=False))
    return path


def discord_json(folder: Path, turns: Turns) -> Path:
    messages = [{"id": str(100 + i), "type": "Default",
                 "timestamp": f"2024-01-01T10:00:{i % 60:02d}+00:00", "content": t,
                 "author": {"id": s, "name": s, "nickname": s, "isBot": False},
                 "attachments": [], "embeds": [], "stickers": [], "reactions": []}
                for i, (s, t) in enumerate(turns)]
    path = folder / "channel.json"
    path.write_text(json.dumps({"guild": {"id": "1", "name": "G"}, "channel": {"name": "c"},
                                "messages": messages}, indent=2, ensure_ascii=False))
    return path


def discord_csv(folder: Path, turns: Turns) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    out.write("AuthorID,Author,Date,Content,Attachments,Reactions\n")
    for i, (s, t) in enumerate(turns):
        writer.writerow([s, s, f"1/5/2024 8:{i % 60:02d} PM", t, "", ""])
    path = folder / "channel.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _mojibake(value: object) -> object:
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [_mojibake(v) for v in value]
    if isinstance(value, dict):
        return {k: _mojibake(v) for k, v in value.items()}
    return value


def messenger(folder: Path, turns: Turns) -> Path:
    messages = [{"sender_name": s, "timestamp_ms": (T0 + i) * 1000, "content": t}
                for i, (s, t) in reversed(list(enumerate(turns)))]
    path = folder / "message_1.json"
    data = {"participants": [{"name": s} for s in dict.fromkeys(s for s, _ in turns)],
            "messages": messages, "title": "Chat", "thread_path": "inbox/chat_1"}
    path.write_text(json.dumps(_mojibake(data), indent=2))
    return path


def googlechat(folder: Path, turns: Turns) -> Path:
    messages = [{"creator": {"name": s, "email": f"{s}@x.org", "user_type": "Human"},
                 "created_date": f"Monday, January 1, 2024 at 10:00:{i % 60:02d} AM UTC",
                 "text": t, "topic_id": f"t{i}", "message_id": f"m{i}"}
                for i, (s, t) in enumerate(turns)]
    path = folder / "messages.json"
    path.write_text(json.dumps({"messages": messages}, indent=2, ensure_ascii=False))
    return path


def slack(folder: Path, turns: Turns) -> Path:
    channel = folder / "general"
    channel.mkdir()
    messages = [{"type": "message", "user": s, "text": t, "ts": f"{T0 + i}.000100",
                 "user_profile": {"real_name": s}} for i, (s, t) in enumerate(turns)]
    (channel / "2024-01-01.json").write_text(json.dumps(messages, ensure_ascii=False, indent=4))
    return channel


def mbox(folder: Path, turns: Turns) -> Path:
    parts = []
    for i, (s, t) in enumerate(turns):
        refs = f"In-Reply-To: <m{i - 1}@x.org>\n" if i else ""
        parts.append(
            f"From {s}@x.org Mon Jan  1 10:{i % 60:02d}:00 2024\nFrom: {s} <{s}@x.org>\n"
            f"Subject: plan\nMessage-ID: <m{i}@x.org>\n{refs}"
            f"Date: Mon, 01 Jan 2024 10:{i % 60:02d}:00 +0000\n"
            f"Content-Type: text/plain; charset=utf-8\n\n{t}\n"
        )
    path = folder / "mail.mbox"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def _conversation(turns: Turns) -> Conversation:
    return Conversation("c", tuple(Utterance(f"u{i}", s, t, float(i)) for i, (s, t) in
                                   enumerate(turns)))


def _interchange(suffix: str) -> Callable[[Path, Turns], Path]:
    def write(folder: Path, turns: Turns) -> Path:
        return interchange.write([_conversation(turns)], folder / f"rows{suffix}")

    return write


def convokit_corpus(folder: Path, turns: Turns) -> Path:
    return convokit.write([_conversation(turns)], folder / "corpus")


_MARKUP = re.compile(r"[<>&]")
_DATE_START = re.compile(r"^\[?\d")


def _one_line(t: str) -> bool:
    return "\n" not in t and "\r" not in t


WRITERS: dict[str, tuple[Callable[[Path, Turns], Path], Callable[[str], bool]]] = {
    "plain": (plain, _one_line),
    "whatsapp": (whatsapp, lambda t: _one_line(t) and _kind(t) is None
                 and "<This message was edited>" not in t),
    "vtt": (vtt, lambda t: _one_line(t) and not _MARKUP.search(t) and "{" not in t
            and "-->" not in t and not NON_SPEECH.match(t) and " ".join(t.split()) == t),
    "srt": (srt, lambda t: _one_line(t) and not _MARKUP.search(t) and "{" not in t
            and "-->" not in t and not NON_SPEECH.match(t) and " ".join(t.split()) == t
            and re.match(r"^[^\W\d_][\w .'’()\-]{0,40}?\s*:", t) is None),
    "imessage": (imessage, lambda t: _one_line(t) and not re.search(r"[./]", t)
                 and t not in ("Tapbacks:", "Reactions:")),
    "signal": (signal_md, lambda t: _one_line(t) and not t.startswith((">", "(")) and "[" not in t
               and not re.match(r"^(?:incoming|outgoing|missed|voice|video)", t, re.I)),
    "signal-json": (signal_json, lambda t: not re.match(
        r"^(?:incoming|outgoing|missed|voice|video)", t, re.I)),
    "telegram": (telegram, lambda t: True),
    "discord": (discord_json, lambda t: True),
    "discord-csv": (discord_csv, lambda t: not re.match(
        r"^(?:added|removed|left|started|changed|pinned|joined|boosted)", t, re.I)),
    "messenger": (messenger, lambda t: not _EVENTS.match(t) and not _REACTION.match(t)),
    "googlechat": (googlechat, lambda t: True),
    "slack": (slack, lambda t: not _MARKUP.search(t)),
    "mbox": (mbox, lambda t: _one_line(t) and t.isascii() and not t.lstrip().startswith((">", "--"))
             and not t.lower().startswith(("on ", "sent from", "from ", "-", "_"))
             and not _DATE_START.match(t) and t == t.strip()),
    "jsonl": (_interchange(".jsonl"), lambda t: True),
    "csv": (_interchange(".csv"), lambda t: True),
    "parquet": (_interchange(".parquet"), lambda t: True),
    "convokit": (convokit_corpus, lambda t: True),
}
"""Case name -> (writer, the texts it carries unchanged)."""
