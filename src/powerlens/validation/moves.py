"""Validation of the power-moves family: false alarms on benign talk and recall on real labels.

Three checks:

1. **Benign false-alarm rate**: ordinary friendly conversations written for this project
   (``tests/data/benign/*.txt``: trip planning, a film disagreement, stand-up, cooking, ...);
   the share of utterances and of conversations with a ``coercive`` or ``power_over`` signal.
2. **MentalManip** (Wang et al., ACL 2024; CC BY-NC 4.0, validation only): scripted movie
   dialogues with technique labels. A dialogue is *flagged* when any utterance carries a
   ``coercive`` or ``power_over`` signal. Precision/recall of the flag against the
   ``Intimidation`` technique (the closest label to coercive power; ``Brandishing Anger`` is
   reported beside it), and the flag rate on dialogues labelled not manipulative.
3. **ReaMent** (Gao et al. 2025; MIT): unscripted dialogues labelled manipulative or not; the
   flag's precision/recall for "manipulative" and its rate on non-manipulative dialogues.

Known limits: the labels are dialogue-level and describe manipulation, which is broader than
coercion (persuasion, shaming, denial), so recall against "manipulative" is expected to be low;
movie dialogue is not everyday talk. The quick sample is every fifth dialogue of each file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES
from powerlens.model import Conversation, Utterance

ALARM = frozenset({"coercive", "power_over"})
QUICK_STEP = 5
BENIGN = Path(__file__).resolve().parents[3] / "tests" / "data" / "benign"


def dialogue(identifier: str, text: str) -> Conversation:
    """A ``PersonN: text`` dialogue as a conversation (other lines continue the last turn)."""
    utterances: list[Utterance] = []
    for line in text.splitlines():
        speaker, sep, said = line.partition(":")
        if sep and speaker.strip() and len(speaker) <= 30 and " " not in speaker.strip():
            utterances.append(
                Utterance(f"{identifier}:{len(utterances)}", speaker.strip(), said.strip())
            )
        elif utterances and line.strip():
            last = utterances[-1]
            utterances[-1] = Utterance(last.id, last.speaker, f"{last.text} {line.strip()}")
    return Conversation(id=identifier, utterances=tuple(u for u in utterances if u.text))


def alarms(conversation: Conversation) -> set[str]:
    """Ids of utterances with a coercive or power_over signal."""
    result = MOVES.finalize(MOVES.map(conversation, [], Options()))
    return {s.utterance_id for s in result.signals if s.label in ALARM}


def _prf(pairs: Iterable[tuple[bool, bool]]) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    for gold, flagged in pairs:
        tp += gold and flagged
        fp += flagged and not gold
        fn += gold and not flagged
        tn += not gold and not flagged
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "false_positive_rate": fp / (fp + tn) if fp + tn else None,
    }


def benign(folder: Path = BENIGN) -> dict[str, Any] | None:
    """Alarm rates per utterance and per conversation on the benign set, or None if absent."""
    from powerlens.readers import load

    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not files:
        return None
    utterances = flagged_utterances = flagged_conversations = 0
    for path in files:
        for conversation in load(path):
            hit = alarms(conversation)
            utterances += len(conversation.utterances)
            flagged_utterances += len(hit)
            flagged_conversations += bool(hit)
    return {
        "conversations": len(files),
        "utterances": utterances,
        "flagged_utterances": flagged_utterances,
        "flagged_conversations": flagged_conversations,
        "rate_per_utterance": flagged_utterances / utterances,
        "rate_per_conversation": flagged_conversations / len(files),
    }


def _sample(rows: list[dict[str, str]], quick: bool) -> list[dict[str, str]]:
    return rows[::QUICK_STEP] if quick else rows


def _mentalmanip(root: Path, quick: bool) -> dict[str, Any] | None:
    path = root / "mentalmanip" / "mentalmanip_con.csv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        rows = _sample(list(csv.DictReader(handle)), quick)
    scored = []
    for row in rows:
        techniques = {t.strip() for t in (row["Technique"] or "").split(",") if t.strip()}
        flagged = bool(alarms(dialogue(row["ID"], row["Dialogue"])))
        scored.append((row["Manipulative"] == "1", techniques, flagged))
    return {
        "dialogues": len(scored),
        "intimidation": _prf((("Intimidation" in t), f) for _, t, f in scored),
        "brandishing_anger_recall": _prf((("Brandishing Anger" in t), f) for _, t, f in scored)[
            "recall"
        ],
        "persuasion_recall": _prf((("Persuasion or Seduction" in t), f) for _, t, f in scored)[
            "recall"
        ],
        "manipulative": _prf((m, f) for m, _, f in scored),
    }


def _jsonl(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _reament(root: Path, quick: bool) -> dict[str, Any] | None:
    path = root / "reament" / "ReaMent_con.json"
    if not path.is_file():
        return None
    rows = _sample(list(_jsonl(path)), quick)
    pairs = [
        (str(r["manipulative"]) == "1", bool(alarms(dialogue(str(r["id"]), r["dialogue"]))))
        for r in rows
    ]
    return {"dialogues": len(pairs), "manipulative": _prf(pairs)}


def run(data_root: Path, *, quick: bool = False) -> dict[str, Any]:
    """All three checks; parts whose data is absent are None."""
    return {
        "quick": quick,
        "benign": benign(),
        "mentalmanip": _mentalmanip(data_root, quick),
        "reament": _reament(data_root, quick),
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def to_markdown(result: dict[str, Any]) -> str:
    """The results as the Markdown of the moves section of docs/validation.md."""
    lines = ["### Power moves: false alarms and coercion signals on real data", ""]
    b = result.get("benign")
    if b:
        lines += [
            f"Benign set ({b['conversations']} friendly conversations, "
            f"{b['utterances']} utterances): "
            f"coercive or power_over signals on {b['flagged_utterances']} utterances "
            f"({_pct(b['rate_per_utterance'])} per utterance) and in {b['flagged_conversations']} "
            f"conversations ({_pct(b['rate_per_conversation'])} per conversation).",
            "",
        ]
    lines += [
        "| data | dialogues | label | precision | recall | flag rate on negatives |",
        "|---|---|---|---|---|---|",
    ]
    mm = result.get("mentalmanip")
    if mm:
        for name, key in (("Intimidation", "intimidation"), ("manipulative", "manipulative")):
            m = mm[key]
            lines.append(
                f"| MentalManip con | {mm['dialogues']} | {name} | {_pct(m['precision'])} | "
                f"{_pct(m['recall'])} | {_pct(m['false_positive_rate'])} |"
            )
        lines.append(
            f"| MentalManip con | {mm['dialogues']} | Brandishing Anger (recall only) | | "
            f"{_pct(mm['brandishing_anger_recall'])} | |"
        )
        lines.append(
            f"| MentalManip con | {mm['dialogues']} | Persuasion or Seduction (recall only) | | "
            f"{_pct(mm['persuasion_recall'])} | |"
        )
    rm = result.get("reament")
    if rm:
        m = rm["manipulative"]
        lines.append(
            f"| ReaMent con | {rm['dialogues']} | manipulative | {_pct(m['precision'])} | "
            f"{_pct(m['recall'])} | {_pct(m['false_positive_rate'])} |"
        )
    lines.append("")
    lines.append(
        "A dialogue is flagged when any utterance has a `coercive` or `power_over` signal"
        + (" (quick sample: every fifth dialogue)." if result.get("quick") else ".")
    )
    return "\n".join(lines)
