"""CaSiNo validation: the frozen split (always checked when the data is present) and floors."""

from __future__ import annotations

from pathlib import Path

import pytest

from powerlens.validation import casino, data_root


def _root() -> Path:
    root = data_root()
    if root is None or not (root / "casino" / "casino_train.json").is_file():
        pytest.skip("shared data (../shared/data/casino) is absent; set POWERLENS_DATA")
    return root


def test_casino_split_is_frozen() -> None:
    dialogues = casino.load(_root())
    assert dialogues is not None
    halves = casino.split(dialogues)
    assert {h: len(rows) for h, rows in halves.items()} == {"dev": 476, "test": 454}
    assert casino.ids_digest([d["dialogue_id"] for d in halves["test"]]) == casino.TEST_SHA256
    assert casino.ids_digest([d["dialogue_id"] for d in halves["dev"]]) == casino.DEV_SHA256


def test_casino_conversation_leaves_the_deal_events_out() -> None:
    dialogues = casino.load(_root())
    assert dialogues is not None
    for dialogue in dialogues[:50]:
        texts = [u.text for u in casino.conversation(dialogue).utterances]
        assert not set(texts) & casino.EVENTS
        assert len(texts) == len(casino.chat(dialogue))
