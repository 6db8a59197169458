"""Property: no reader crashes on arbitrary input with anything but its own clear error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powerlens
from powerlens.errors import PowerlensError
from powerlens.readers import formats

# Where each format's content goes: a file name, or a folder and the file inside it.
LAYOUT = {
    "plain": "chat.txt",
    "whatsapp": "chat.txt",
    "vtt": "meeting.vtt",
    "srt": "meeting.srt",
    "jsonl": "data.jsonl",
    "csv": "data.csv",
    "parquet": "data.parquet",
    "convokit": "corpus/utterances.jsonl",
    "mbox": "mail.mbox",
    "eml": "mail/message.eml",
    "slack": "general/2024-01-01.json",
    "imessage": "Sam.txt",
    "signal": "chat.md",
    "telegram": "result.json",
    "discord": "channel.json",
    "messenger": "message_1.json",
    "instagram": "thread/message_1.json",
    "googlechat": "messages.json",
}

TEXTY = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400) | st.lists(
    st.sampled_from(
        [
            "Ann: hi",
            "[00:00:01] Bob: yo",
            "WEBVTT",
            "00:00:01.000 --> 00:00:02.000",
            "1",
            "<v Ann>hello",
            "12/31/23, 9:05 PM - Ann: hi",
            '{"speaker": "A", "text": "x"}',
            "speaker,text",
            "A,b",
            "From a@b Thu Jan  1 00:00:00 2024",
            "Subject: hi",
            "",
            '[{"ts": "1", "text": "x"}]',
            "May 17, 2022  5:29:42 PM",
            "[2024-01-01 09:05:00] Ann: hi",
            '{"name": "c", "type": "personal_chat", "messages": [{"type": "message", "from": "A", "text": [1, {"text": "x"}]}]}',
            '{"guild": {}, "channel": {}, "messages": [{"type": "Default", "author": {"id": 1}, "content": "x"}]}',
            '{"participants": [], "messages": [{"sender_name": "A\u00c3", "content": "x"}]}',
            '{"messages": [{"creator": {"name": "A"}, "created_date": "Monday, January 1, 2024 at 9:05:00 AM UTC", "text": "x"}]}',
            "AuthorID,Author,Date,Content,Attachments,Reactions",
            "-->",
            "\ufeff",
            "\x00",
        ]
    ),
    max_size=12,
).map("\n".join)


def write_layout(root: Path, fmt: str, data: bytes) -> Path:
    target = root / LAYOUT[fmt]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target.parent if "/" in LAYOUT[fmt] else target


@pytest.mark.parametrize("fmt", sorted(LAYOUT))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=TEXTY, raw=st.binary(max_size=64), use_raw=st.booleans())
def test_readers_fail_only_with_their_own_error(
    fmt: str, content: str, raw: bytes, use_raw: bool
) -> None:
    if fmt not in formats():
        pytest.fail(f"format {fmt} is not registered")
    data = raw if use_raw else content.encode("utf-8", errors="surrogatepass")
    with tempfile.TemporaryDirectory() as folder:
        path = write_layout(Path(folder), fmt, data)
        try:
            conversations = powerlens.load(path, format=fmt)
        except PowerlensError:
            return
        for conversation in conversations:
            assert conversation.read_count == len(conversation.utterances) + len(
                conversation.rejected
            )
            powerlens.analyze([conversation])


def test_readers_layout_covers_every_format() -> None:
    assert set(formats()) == set(LAYOUT)
