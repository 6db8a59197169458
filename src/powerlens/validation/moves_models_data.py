"""Examples and scoring shared by ``scripts/train_moves_models.py`` and
``validation.moves_models``: the learned moves models are trained and scored on the same rows.

- ``challenge_examples(half)``: the challenge suite's utterance items and the turns of its
  conversations, each with the control categories it is labelled with (``expected``: the
  categories a reading must find; ``allowed``: those plus ``also``, which a reading may give
  without a false alarm) and the categories the rules read (the moves family as
  ``validation.challenge`` runs it: an item with its context line, a turn inside its
  conversation).
- ``casino_examples(dialogues)``: the annotated utterances of CaSiNo dialogues with their
  strategy labels and whether the rules' ``proposal`` and ``power_with`` signals fired.
- ``control_figures`` / ``prf``: the suite's figures (recall per category, benign false alarms on
  items; found, unlabelled alarms per turn on conversations) and precision / recall.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powerlens.measures.moves.control import CONTROL_CATEGORIES
from powerlens.validation import casino
from powerlens.validation.challenge import (
    SUITE,
    _item_conversation,
    _moves,
    control_of,
)

CONTROL_HEADS = (*CONTROL_CATEGORIES, "any")
"""The control model's heads: each category (one vs rest), and any control act."""
WITH_LABELS = frozenset({"promote-coordination", "elicit-pref"})
WITH_HEADS = ("with", "promote-coordination", "elicit-pref")
"""The Power With model's heads: either label, and each."""


@dataclass(frozen=True)
class Example:
    """One utterance to classify: its text, labels, fold group and what the rules read."""

    text: str
    group: str
    ref: str
    kind: str
    """``item`` (a single utterance of the suite), ``turn`` (of a conversation) or ``casino``."""
    expected: tuple[str, ...]
    allowed: frozenset[str]
    rules: frozenset[str]
    """Control categories (challenge) or ``proposal`` / ``power_with`` (CaSiNo) the rules read."""


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def challenge_examples(half: str, root: Path = SUITE) -> list[Example]:
    """Items, then conversation turns, of one half of the challenge suite."""
    from powerlens.readers import load

    found = []
    for item in _jsonl(root / "utterances.jsonl"):
        if item["half"] != half:
            continue
        expect = item["expect"]
        category = expect.get("control")
        signals, _ = _moves(_item_conversation(item))
        found.append(
            Example(
                text=item["text"],
                group=item["group"],
                ref=item["id"],
                kind="item",
                expected=(category,) if category else (),
                allowed=frozenset({category, *expect.get("also", [])} if category else ()),
                rules=frozenset(control_of(signals, "u")),
            )
        )
    for line in _jsonl(root / "conversations.jsonl"):
        if line["half"] != half:
            continue
        (conversation,) = load(root / line["file"])
        signals, _ = _moves(conversation)
        expected: dict[int, list[str]] = defaultdict(list)
        allowed: dict[int, set[str]] = defaultdict(set)
        for entry in line["expect"]["control"]:
            expected[entry["turn"]].append(entry["category"])
            allowed[entry["turn"]] |= {entry["category"], *entry.get("also", [])}
        for turn, utterance in enumerate(conversation.utterances, start=1):
            found.append(
                Example(
                    text=utterance.text,
                    group=line["id"],
                    ref=f"{line['id']}:{turn}",
                    kind="turn",
                    expected=tuple(expected.get(turn, ())),
                    allowed=frozenset(allowed.get(turn, ())),
                    rules=frozenset(control_of(signals, utterance.id)),
                )
            )
    return found


def casino_examples(dialogues: Sequence[dict[str, Any]]) -> list[Example]:
    """The annotated chat utterances of ``dialogues`` (``casino.aligned``), in order."""
    found = []
    for dialogue in dialogues:
        r = casino.read(dialogue, tagged=False)  # the rules' own reading, to compare
        rows = casino.aligned(r)
        if not rows:
            continue
        text = {u.id: u.text for u in r.conversation.utterances}
        signals = r.by_utterance()
        for uid, labels in rows:
            here = signals.get(uid, [])
            ruled = {"proposal"} if any(casino.is_proposal(s) for s in here) else set()
            if any(casino.is_with(s) for s in here):
                ruled.add("power_with")
            found.append(
                Example(
                    text=text[uid],
                    group=str(dialogue["dialogue_id"]),
                    ref=uid,
                    kind="casino",
                    expected=tuple(sorted(labels)),
                    allowed=frozenset(labels),
                    rules=frozenset(ruled),
                )
            )
    return found


def labels(example: Example, heads: Sequence[str]) -> list[float]:
    """0/1 targets of one example for each head."""
    if example.kind == "casino":
        wanted = {"with": bool(example.allowed & WITH_LABELS)}
        return [float(wanted.get(h, h in example.allowed)) for h in heads]
    return [float(bool(example.expected) if h == "any" else h in example.allowed) for h in heads]


def _rate(hits: int, n: int) -> float | None:
    return hits / n if n else None


def control_figures(examples: Sequence[Example], predicted: Sequence[set[str]]) -> dict[str, Any]:
    """The challenge suite's figures for predicted control categories, per example.

    Items: recall per category (the expected category among those predicted) and the benign
    false-alarm rate (any category predicted on an item with none). Turns: labelled control acts
    found at their turn, and categories predicted but not allowed at a turn, per turn.
    """
    hits: dict[str, list[bool]] = defaultdict(list)
    benign = alarms = 0
    turn_expected = turn_found = turn_alarms = turns = 0
    for example, got in zip(examples, predicted, strict=True):
        if example.kind == "item":
            if example.expected:
                hits[example.expected[0]].append(example.expected[0] in got)
            else:
                benign += 1
                alarms += bool(got)
        else:
            turns += 1
            turn_expected += len(example.expected)
            turn_found += sum(c in got for c in example.expected)
            turn_alarms += len(got - example.allowed)
    everything = [h for v in hits.values() for h in v]
    return {
        "recall": {c: _rate(sum(hits[c]), len(hits[c])) for c in CONTROL_CATEGORIES if hits[c]},
        "recall_all": _rate(sum(everything), len(everything)),
        "control_items": len(everything),
        "benign_items": benign,
        "false_alarm_rate": _rate(alarms, benign),
        "turns": turns,
        "turn_recall": _rate(turn_found, turn_expected),
        "turn_false_alarms_per_turn": _rate(turn_alarms, turns),
    }


def prf(gold: Sequence[bool], fired: Sequence[bool]) -> dict[str, Any]:
    """Precision, recall and F1 of ``fired`` against ``gold``."""
    tp = sum(g and f for g, f in zip(gold, fired, strict=True))
    fp = sum(f and not g for g, f in zip(gold, fired, strict=True))
    fn = sum(g and not f for g, f in zip(gold, fired, strict=True))
    return casino._prf(tp, fp, fn)
