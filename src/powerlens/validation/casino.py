"""Validation of the power-moves family on CaSiNo (Chawla et al., NAACL 2021; CC BY 4.0).

CaSiNo holds campsite negotiations: two crowd workers split three packages each of food, water
and firewood in a chat, then one submits the deal (a structured ``Submit-Deal`` event) and the
other accepts, rejects or walks away. powerlens reads **only the chat utterances**: the deal
events are not text and are left out of the conversation it is given.

**Frozen split of the visible data** (``casino_train.json`` + ``casino_valid.json``, 930
dialogues; the owners hold back their test split): a dialogue is in the *test* half when the
first byte of ``sha256("casino/<dialogue_id>")`` is odd, else in the *dev* half. The rules may be
tuned on the dev half (476 dialogues, 187 annotated); the test half (454 dialogues, 167
annotated, 442 accepted deals) is reported, never tuned on. The sha256 of the sorted test-half
ids (decimal, one per line, joined by ``\\n``, no final newline) is
``e6c4dfb70ad602168cc0b6a6001023e3eab924a4c3f124a2c8eb8132cf4af772``; of the dev half,
``029e9b04f79cd0a8879361f40656fbaa7a8f574bbd1c3af5fd82bc6298db3d0b``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from powerlens.model import Conversation, Utterance

FILES = ("casino_train.json", "casino_valid.json")
EVENTS = frozenset({"Submit-Deal", "Accept-Deal", "Reject-Deal", "Walk-Away"})
"""Structured deal events written as utterances: never given to powerlens."""
HALVES = ("dev", "test")
SPLIT_SALT = "casino/"
TEST_SHA256 = "e6c4dfb70ad602168cc0b6a6001023e3eab924a4c3f124a2c8eb8132cf4af772"
DEV_SHA256 = "029e9b04f79cd0a8879361f40656fbaa7a8f574bbd1c3af5fd82bc6298db3d0b"
QUICK_STEP = 10
"""The quick sample (CI): every tenth dialogue of each half, in order of id."""


def half_of(dialogue_id: int) -> str:
    """``test`` when the first byte of sha256("casino/<id>") is odd, else ``dev``."""
    return (
        "test" if hashlib.sha256(f"{SPLIT_SALT}{dialogue_id}".encode()).digest()[0] % 2 else "dev"
    )


def ids_digest(ids: list[int]) -> str:
    """The sha256 of sorted ids, decimal, one per line (the frozen split's fingerprint)."""
    return hashlib.sha256("\n".join(str(i) for i in sorted(ids)).encode()).hexdigest()


def load(root: Path) -> list[dict[str, Any]] | None:
    """Every visible dialogue, sorted by id; None when the data is absent."""
    folder = root / "casino"
    if not all((folder / name).is_file() for name in FILES):
        return None
    dialogues: list[dict[str, Any]] = []
    for name in FILES:
        dialogues += json.loads((folder / name).read_text(encoding="utf-8"))
    return sorted(dialogues, key=lambda d: int(d["dialogue_id"]))


def split(
    dialogues: list[dict[str, Any]], *, quick: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """The dialogues of each half (in order of id); with ``quick``, every tenth of each."""
    halves: dict[str, list[dict[str, Any]]] = {h: [] for h in HALVES}
    for d in dialogues:
        halves[half_of(int(d["dialogue_id"]))].append(d)
    if quick:
        halves = {h: rows[::QUICK_STEP] for h, rows in halves.items()}
    return halves


def chat(dialogue: dict[str, Any]) -> list[dict[str, Any]]:
    """The chat utterances only (the deal events left out)."""
    return [c for c in dialogue["chat_logs"] if c["text"] not in EVENTS]


def conversation(dialogue: dict[str, Any]) -> Conversation:
    """The chat as powerlens reads it: ids ``<dialogue_id>:<n>``, speakers as in the data."""
    did = dialogue["dialogue_id"]
    return Conversation(
        id=f"casino-{did}",
        utterances=tuple(
            Utterance(f"{did}:{n}", c["id"], c["text"]) for n, c in enumerate(chat(dialogue))
        ),
    )
