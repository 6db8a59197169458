"""Small corpora for the corpus-engine tests, written by hand or by a seeded generator."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = ["the", "a", "i", "you", "we", "it", "that", "of", "and", "to", "in", "is", "not", "but", "so", "if", "can", "would", "should", "could", "please", "sorry", "maybe", "think", "know", "plan", "money", "time", "now", "later", "decide", "must", "thanks"]


def corpus(path: Path, conversations: int = 12, per: int = 20, seed: int = 0) -> Path:
    """Interchange JSONL: ``conversations`` reply chains of ``per`` utterances, 6 speakers."""
    rng = random.Random(seed)
    lines = []
    for c in range(conversations):
        speakers = [f"s{(c + k) % 6}" for k in range(3)]
        for i in range(per):
            speaker = speakers[(i + i // 4) % 3]
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
            text = text.capitalize() + ("?" if rng.random() < 0.2 else ".")
            row = {
                "id": f"c{c}u{i}",
                "conversation_id": f"c{c}",
                "speaker": speaker,
                "text": text,
                "reply_to": f"c{c}u{i - 1}" if i else None,
                "speaker.is_justice": int(speaker[1:]) % 2 == 0,
            }
            lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
