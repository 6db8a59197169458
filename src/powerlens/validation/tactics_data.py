"""The labelled dialogues of the tactic validation and training: MentalManip and ReaMent.

MentalManip (Wang et al., ACL 2024) consensus labels in the MentalMAD train/valid splits, with
the annotators' marked spans from ``mentalmanip_detailed.csv``; ReaMent (Gao et al., 2025)
consensus train/valid splits. Test splits are held back by their maintainers and never read.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from powerlens.language import tokenize
from powerlens.measures.tactics.rules import MENTALMANIP_NAMES
from powerlens.model import Conversation, Utterance

TURN = re.compile(r"^\s*(Person\s*\d+)\s*:\s?(.*)$")


@dataclass(frozen=True)
class Dialogue:
    """One labelled dialogue: turns, the label, techniques and (MentalManip) annotator marks."""

    id: str
    turns: tuple[tuple[str, str], ...]
    manipulative: int
    techniques: frozenset[str]
    marks: tuple[str, ...] | None = None
    source: str = "mentalmanip"


def parse_turns(text: str) -> tuple[tuple[str, str], ...]:
    """``PersonN: text`` lines; a line without a prefix continues the previous turn."""
    turns: list[list[str]] = []
    for line in text.split("\n"):
        match = TURN.match(line)
        if match:
            turns.append([match[1].replace(" ", ""), match[2].strip()])
        elif line.strip() and turns:
            turns[-1][1] += " " + line.strip()
        elif line.strip():
            turns.append(["Person1", line.strip()])
    return tuple((s, t) for s, t in turns)


def _techniques(field: str) -> frozenset[str]:
    names = (t.strip() for t in (field or "").split(","))
    return frozenset(MENTALMANIP_NAMES[n] for n in names if n in MENTALMANIP_NAMES)


def _marks(root: Path) -> dict[str, tuple[str, ...]]:
    path = root / "mentalmanip" / "mentalmanip_detailed.csv"
    marks: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found = tuple(
                row[f"marks_{k}"]
                for k in (1, 2, 3)
                if row.get(f"manipulative_{k}") == "1" and (row.get(f"marks_{k}") or "").strip()
            )
            marks[row["id"]] = found
    return marks


def load_mentalmanip(root: Path, split: str, *, with_marks: bool = False) -> list[Dialogue]:
    """A MentalMAD split of MentalManip consensus (``train`` or ``valid``)."""
    path = root / "mentalmanip" / "mentalmad_splits" / f"MentalManip_con_{split}.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    marks = _marks(root) if with_marks else {}
    return [
        Dialogue(
            id=str(r["id"]),
            turns=parse_turns(r["dialogue"]),
            manipulative=int(r["manipulative"]),
            techniques=_techniques(r.get("technique", "")),
            marks=marks.get(str(r["id"]), ()) if with_marks else None,
        )
        for r in rows
    ]


def load_reament(root: Path, split: str) -> list[Dialogue]:
    """A ReaMent consensus split (JSON Lines; binary labels only)."""
    path = root / "reament" / f"ReaMent_con_{split}.json"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append(
                Dialogue(
                    str(r["id"]),
                    parse_turns(r["dialogue"]),
                    int(r["manipulative"]),
                    frozenset(),
                    source="reament",
                )
            )
    return out


def marked_turns(dialogue: Dialogue) -> set[int]:
    """Turns sharing a run of three words (or all, if shorter) with an annotator's mark."""
    if not dialogue.marks:
        return set()
    grams: set[tuple[str, ...]] = set()
    joined: list[list[str]] = [tokenize(m) for m in dialogue.marks]
    for words in joined:
        for n in (1, 2, 3):
            grams.update(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    found = set()
    for j, (_, text) in enumerate(dialogue.turns):
        words = tokenize(text)
        n = min(3, len(words))
        if n and any(tuple(words[i : i + n]) in grams for i in range(len(words) - n + 1)):
            found.add(j)
    return found


def conversation(d: Dialogue) -> Conversation:
    """A labelled dialogue as a powerlens conversation."""
    utterances = tuple(
        Utterance(id=f"{d.id}-{i}", speaker=s, text=t) for i, (s, t) in enumerate(d.turns)
    )
    return Conversation(id=d.id, utterances=utterances, source=d.id)
