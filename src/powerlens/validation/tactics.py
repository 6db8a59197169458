"""Validation of the tactic family on MentalManip (ACL 2024) and ReaMent (MentalMAD, 2025).

- MentalManip consensus labels, MentalMAD *valid* split, and the ReaMent *valid* split (the
  test splits are held back): dialogue-level accuracy, macro-F1 and AUC of
  ``scores.manipulation >= 0.5`` for both shipped models, beside a TF-IDF + logistic regression
  baseline trained on the same visible training split in the same run
  (``tactics_baseline``); a reliability table (ECE); signal recall beside the benign false alarm.
- Per-technique precision/recall, a confusion matrix and span grounding against the turns
  annotators marked (default model).
- Ordinary conversations from outside the training data (``tactics_outside``): AnnoMI
  sessions, CaSiNo negotiations and the everyday set: the share scored ``>= 0.5`` and the share
  with a manipulation finding; and the length test (the same benign exchange 1x, 5x, 20x).
- Speed on one core.

The shipped models never saw a valid dialogue; their settings were chosen by cross-validation
on the training splits (see ``scripts/train_tactics.py``). The markdown is ``tactics_report``.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from powerlens.language import tokenize_conversation
from powerlens.measures.base import Options
from powerlens.measures.tactics import TACTICS
from powerlens.measures.tactics.model import DEFAULT_MODEL, MODELS, load_model
from powerlens.measures.tactics.rules import DEFAULT_THRESHOLD, LABELS
from powerlens.model import Conversation
from powerlens.validation.tactics_baseline import TfidfLogistic
from powerlens.validation.tactics_data import (
    Dialogue,
    conversation,
    load_mentalmanip,
    load_reament,
    marked_turns,
)
from powerlens.validation.tactics_metrics import detection, reliability
from powerlens.validation.tactics_outside import annomi, casino, everyday, repeated
from powerlens.validation.tactics_report import to_markdown

QUICK = 150
QUICK_OUTSIDE = 40
REPEATS = (1, 5, 20)

__all__ = ["analyse", "run", "speed", "to_markdown"]


def analyse(c: Conversation, model: str = DEFAULT_MODEL) -> tuple[float, list[Any], dict[str, Any]]:
    """Run the tactic measure on one conversation: probability, signals, section."""
    options = Options(tactics_model=model)
    result = TACTICS.finalize(TACTICS.map(c, tokenize_conversation(c), options))
    return result.scores["manipulation"], result.signals, result.sections["tactics"]


def speed(conversations: list[Conversation], repeats: int = 3) -> dict[str, float]:
    """Dialogues per second of the whole tactic path (tokenise, rules, model, stacker, summary,
    finalize) on one core: the first pass (cold word cache) and the median of ``repeats``."""
    options = Options()
    load_model()
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        for c in conversations:
            TACTICS.finalize(TACTICS.map(c, tokenize_conversation(c), options))
        rates.append(len(conversations) / (time.perf_counter() - started))
    return {"first": rates[0], "median": sorted(rates)[len(rates) // 2], "n": len(conversations)}


def _evaluate(dialogues: list[Dialogue], model: str) -> dict[str, Any]:
    y, p, raw, any_signal, sections, signals = [], [], [], [], [], []
    for d in dialogues:
        score, found, section = analyse(conversation(d), model)
        y.append(d.manipulative)
        p.append(score)
        raw.append(section.get("calibration", {}).get("manipulation_at_training_rate", score))
        any_signal.append(bool(found))
        sections.append(section)
        signals.append(found)
    benign = [a for a, t in zip(any_signal, y, strict=True) if t == 0]
    manip = [a for a, t in zip(any_signal, y, strict=True) if t == 1]
    base_rate = sections[0].get("calibration", {}).get("base_rate") if sections else None
    return {
        "detection": detection(y, p),
        "detection_at_training_rate": detection(y, raw),
        "reliability": reliability(y, p, base_rate=base_rate),
        "reliability_at_training_rate": reliability(y, raw),
        "base_rate": base_rate,
        "signal_false_alarm": sum(benign) / len(benign) if benign else float("nan"),
        "signal_recall": sum(manip) / len(manip) if manip else float("nan"),
        "_y": y,
        "_p": p,
        "_sections": sections,
        "_signals": signals,
    }


def _techniques_eval(dialogues: list[Dialogue], result: dict[str, Any]) -> dict[str, Any]:
    per: dict[str, dict[str, float]] = {}
    predicted: list[set[str]] = []
    for section, score in zip(result["_sections"], result["_p"], strict=True):
        tech = section.get("techniques") or {}
        chosen = {k for k, v in tech.items() if v >= 0.5}
        if tech:
            chosen.add(max(tech, key=tech.__getitem__))
        predicted.append(chosen if score >= 0.5 else set())
    pairs = list(zip(dialogues, predicted, strict=True))
    for label in LABELS:
        tp = sum(1 for d, s in pairs if label in d.techniques and label in s)
        fp = sum(1 for d, s in pairs if label not in d.techniques and label in s)
        fn = sum(1 for d, s in pairs if label in d.techniques and label not in s)
        per[label] = {
            "support": tp + fn,
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
        }
    confusion: dict[str, Counter[str]] = {}
    for d, section, score in zip(dialogues, result["_sections"], result["_p"], strict=True):
        if d.manipulative and len(d.techniques) != 1:
            continue
        gold = next(iter(d.techniques)) if d.manipulative else "none"
        tech = section.get("techniques") or {}
        guess = max(tech, key=tech.__getitem__) if score >= 0.5 and tech else "none"
        confusion.setdefault(gold, Counter())[guess] += 1
    return {"per_technique": per, "confusion": {g: dict(c) for g, c in confusion.items()}}


def _grounding(dialogues: list[Dialogue], result: dict[str, Any]) -> dict[str, float]:
    flagged_total = flagged_marked = marked_total = 0
    for d, signals, label in zip(dialogues, result["_signals"], result["_y"], strict=True):
        if not label or not d.marks:
            continue
        marked = marked_turns(d)
        flagged = {int(s.utterance_id.rsplit("-", 1)[1]) for s in signals}
        flagged_total += len(flagged)
        flagged_marked += len(flagged & marked)
        marked_total += len(marked)
    return {
        "flagged_turns": flagged_total,
        "precision": flagged_marked / flagged_total if flagged_total else float("nan"),
        "marked_turns": marked_total,
        "recall": flagged_marked / marked_total if marked_total else float("nan"),
    }


def _baseline(train: list[Dialogue], valid: list[Dialogue]) -> dict[str, float]:
    """TF-IDF + LR trained on ``train``, scored on ``valid`` (``PersonN: text`` lines)."""

    def text(d: Dialogue) -> str:
        return "\n".join(f"{s}: {t}" for s, t in d.turns)

    model = TfidfLogistic().fit([text(d) for d in train], [d.manipulative for d in train])
    p = model.probability([text(d) for d in valid]).tolist()
    return detection([d.manipulative for d in valid], p)


def outside_set(conversations: list[Conversation], model: str) -> dict[str, Any]:
    """Share at ``>= 0.5``, share with a manipulation finding (a tactic signal and a score of
    at least 0.5, as ``findings.manipulation`` requires), share with any signal, mean score."""
    scores, findings, signalled = [], [], []
    for c in conversations:
        score, found, _ = analyse(c, model)
        scores.append(score)
        signalled.append(bool(found))
        findings.append(bool(found) and score >= 0.5)
    n = len(conversations)
    return {
        "n": n,
        "at_or_above_0.5": sum(s >= 0.5 for s in scores) / n if n else float("nan"),
        "finding": sum(findings) / n if n else float("nan"),
        "any_signal": sum(signalled) / n if n else float("nan"),
        "mean": sum(scores) / n if n else float("nan"),
        "turns_median": sorted(len(c.utterances) for c in conversations)[n // 2] if n else 0,
    }


def length_test(conversations: list[Conversation], model: str) -> dict[str, Any]:
    """Each benign exchange said 1x, 5x and 20x in a row: mean score per repeat count and the
    largest rise of any one conversation's score over its 1x score."""
    rows = [[analyse(repeated(c, k), model)[0] for k in REPEATS] for c in conversations]
    return {
        "n": len(rows),
        "mean": {str(k): sum(r[i] for r in rows) / len(rows) for i, k in enumerate(REPEATS)},
        "largest_rise": max(max(r) - r[0] for r in rows),
    }


def _outside(root: Path, model: str, quick: bool) -> dict[str, Any]:
    sets = {
        "annomi_high": annomi(root, "high", "report"),
        "annomi_low": annomi(root, "low", "report"),
        "casino": casino(root, "report"),
        "everyday": [c for _, c in everyday()],
    }
    if quick:
        sets = {k: v[:QUICK_OUTSIDE] for k, v in sets.items()}
    return {k: outside_set(v, model) for k, v in sets.items()}


def run(data_root: Path, *, quick: bool = False) -> dict[str, Any]:
    """All tactic validations; ``quick`` uses the first 150 dialogues of each valid split by id
    and at most 40 conversations of each outside set."""
    mm = load_mentalmanip(data_root, "valid", with_marks=True)
    rm = load_reament(data_root, "valid")
    if quick:
        mm = sorted(mm, key=lambda d: d.id)[:QUICK]
        rm = sorted(rm, key=lambda d: d.id)[:QUICK]
    models: dict[str, Any] = {}
    for name in MODELS:
        model = load_model(name)
        if model is None:
            continue
        mm_result, rm_result = _evaluate(mm, name), _evaluate(rm, name)
        models[name] = {
            "card": {k: model.meta.get(k) for k in ("name", "trained_on", "licence")}
            | {"base_rate": model.meta["calibration"]["base_rate"]}
            | {k: model.meta.get(k) for k in ("window", "aggregate", "training_report")},
            "mentalmanip": {k: v for k, v in mm_result.items() if not k.startswith("_")},
            "reament": {k: v for k, v in rm_result.items() if not k.startswith("_")},
            "outside": _outside(data_root, name, quick),
            "length_test": length_test([c for _, c in everyday()], name),
        }
        if name == DEFAULT_MODEL:
            models[name]["techniques"] = _techniques_eval(mm, mm_result)
            models[name]["grounding"] = _grounding(mm, mm_result)
    train_mm = load_mentalmanip(data_root, "train")
    train_rm = load_reament(data_root, "train")
    return {
        "quick": quick,
        "models": models,
        "baseline": {"mentalmanip": _baseline(train_mm, mm), "reament": _baseline(train_rm, rm)},
        "speed": speed([conversation(d) for d in mm], repeats=1 if quick else 3),
        "threshold": DEFAULT_THRESHOLD,
    }
