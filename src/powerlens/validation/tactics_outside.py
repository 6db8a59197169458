"""Ordinary conversations from outside the tactic model's training data, and the length test.

- AnnoMI (Wu et al., ICASSP 2022): motivational-interviewing sessions, long (median about 50
  turns); the high-quality sessions are good, ordinary therapy.
- CaSiNo (Chawla et al., NAACL 2021): campsite negotiations between crowd workers (the deal
  events ``Submit-Deal`` etc. are kept as turns, as a reader of the raw chat would).
- The everyday conversations in ``tests/data/everyday`` and ``tests/data/benign``.

Neither AnnoMI nor CaSiNo is training data for the tactic model. The training script picks two
settings of the long-conversation score (window size and the cap of windows without evidence)
on a **selection** part (``part="select"``: AnnoMI sessions with an even id, the first half of
CaSiNo train); validation reports the **held-out** part (``part="report"``: AnnoMI sessions
with an odd id, the second half of CaSiNo train and CaSiNo valid). The maintainers hold back
further AnnoMI sessions and CaSiNo's test split.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Literal

from powerlens.model import Conversation, Utterance

Part = Literal["select", "report", "all"]
EVERYDAY = Path(__file__).resolve().parents[3] / "tests" / "data" / "everyday"
BENIGN = EVERYDAY.parent / "benign"
"""Friendly conversations written for the moves family, reused here as more ordinary talk."""


def annomi(root: Path, quality: str = "high", part: Part = "all") -> list[Conversation]:
    """AnnoMI sessions of one quality (``high`` or ``low``), in id order."""
    sessions: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (root / "annomi" / "AnnoMI-simple.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            sessions[row["transcript_id"]].append(row)
    out = []
    for sid in sorted(sessions, key=int):
        rows = sorted(sessions[sid], key=lambda r: int(r["utterance_id"]))
        if rows[0]["mi_quality"] != quality:
            continue
        if part != "all" and (int(sid) % 2 == 0) != (part == "select"):
            continue
        utterances = tuple(
            Utterance(id=f"{sid}-{r['utterance_id']}", speaker=r["interlocutor"], text=text)
            for r in rows
            if (text := r["utterance_text"].strip())
        )
        out.append(Conversation(id=f"annomi-{sid}", utterances=utterances, source="AnnoMI"))
    return out


def casino(root: Path, part: Part = "all") -> list[Conversation]:
    """CaSiNo dialogues: train (first half for selection, second half for the report) and
    valid (report)."""
    chosen = []
    train = json.loads((root / "casino" / "casino_train.json").read_text(encoding="utf-8"))
    half = len(train) // 2
    if part in ("select", "all"):
        chosen += train[:half]
    if part in ("report", "all"):
        chosen += train[half:]
        chosen += json.loads((root / "casino" / "casino_valid.json").read_text(encoding="utf-8"))
    out = []
    for d in chosen:
        did = d["dialogue_id"]
        utterances = tuple(
            Utterance(id=f"{did}-{i}", speaker=u["id"], text=u["text"])
            for i, u in enumerate(d["chat_logs"])
            if u["text"].strip()
        )
        out.append(Conversation(id=f"casino-{did}", utterances=utterances, source="CaSiNo"))
    return out


def everyday() -> list[tuple[str, Conversation]]:
    """The hand-written everyday conversations (all benign), with their file names."""
    from powerlens.readers.plain import read

    files = sorted(EVERYDAY.glob("*.txt")) + sorted(BENIGN.glob("*.txt"))
    return [(f"{path.parent.name}/{path.name}", c) for path in files for c in read(path)]


def repeated(conversation: Conversation, times: int) -> Conversation:
    """The same exchange said ``times`` times in a row (the length test)."""
    utterances = tuple(
        Utterance(id=f"{k}-{u.id}", speaker=u.speaker, text=u.text)
        for k in range(times)
        for u in conversation.utterances
    )
    return Conversation(id=f"{conversation.id}x{times}", utterances=utterances)
