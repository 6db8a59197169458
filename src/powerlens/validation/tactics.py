"""Validation of the tactic family on MentalManip (ACL 2024) and ReaMent (MentalMAD, 2025).

- MentalManip consensus labels, MentalMAD *valid* split (the test split is held back):
  dialogue-level accuracy, macro-F1 and AUC of ``scores.manipulation``, per-technique
  precision/recall of the conversation's technique scores, a confusion matrix and a
  reliability table (calibration).
- ReaMent valid split: the same detection numbers on transcribed real speech; the gap to
  MentalManip is the domain shift.
- Span grounding: flagged turns against the turns annotators marked in mentalmanip_detailed.csv.
- Benign false alarms: share of non-manipulative dialogues, and of the everyday conversations in
  ``tests/data/everyday``, with any tactic signal at the default threshold, beside the recall.

The shipped model never saw a valid dialogue; its settings were chosen by cross-validation on
the training splits (see ``scripts/train_tactics.py``).
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powerlens.language import tokenize, tokenize_conversation
from powerlens.measures.base import Options
from powerlens.measures.tactics import TACTICS
from powerlens.measures.tactics_model import load_model
from powerlens.measures.tactics_rules import DEFAULT_THRESHOLD, LABELS, MENTALMANIP_NAMES
from powerlens.model import Conversation, Utterance

TURN = re.compile(r"^\s*(Person\s*\d+)\s*:\s?(.*)$")
QUICK = 150
EVERYDAY = Path(__file__).resolve().parents[3] / "tests" / "data" / "everyday"
BENIGN = EVERYDAY.parent / "benign"
"""Friendly conversations written for the moves family, reused here as more ordinary talk."""


@dataclass(frozen=True)
class Dialogue:
    """One labelled dialogue: turns, the label, techniques and (MentalManip) annotator marks."""

    id: str
    turns: tuple[tuple[str, str], ...]
    manipulative: int
    techniques: frozenset[str]
    marks: tuple[str, ...] | None = None


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
                    str(r["id"]), parse_turns(r["dialogue"]), int(r["manipulative"]), frozenset()
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


def analyse(c: Conversation) -> tuple[float, list[Any], dict[str, Any]]:
    """Run the tactic measure on one conversation: probability, signals, section."""
    result = TACTICS.finalize(TACTICS.map(c, tokenize_conversation(c), Options()))
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


def auc(y: list[int], p: list[float]) -> float:
    """Area under the ROC curve (rank statistic, ties counted half)."""
    pos = [s for s, t in zip(p, y, strict=True) if t == 1]
    neg = [s for s, t in zip(p, y, strict=True) if t == 0]
    if not pos or not neg:
        return float("nan")
    order = sorted((s, i) for i, s in enumerate(pos + neg))
    ranks = [0.0] * len(order)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and order[j + 1][0] == order[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k][1]] = (i + j) / 2 + 1
        i = j + 1
    r = sum(ranks[: len(pos)])
    return (r - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def detection(y: list[int], p: list[float]) -> dict[str, float]:
    """Accuracy, macro-F1 and AUC at the 0.5 decision threshold."""
    pred = [1 if s >= 0.5 else 0 for s in p]
    f1s = []
    for cls in (0, 1):
        tp = sum(1 for a, b in zip(y, pred, strict=True) if a == b == cls)
        fp = sum(1 for a, b in zip(y, pred, strict=True) if b == cls and a != cls)
        fn = sum(1 for a, b in zip(y, pred, strict=True) if a == cls and b != cls)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {
        "n": len(y),
        "accuracy": sum(a == b for a, b in zip(y, pred, strict=True)) / len(y),
        "macro_f1": sum(f1s) / 2,
        "auc": auc(y, p),
        "positive_rate": sum(y) / len(y),
    }


def reliability(
    y: list[int], p: list[float], bins: int = 5, base_rate: float | None = None
) -> dict[str, Any]:
    """Predicted against observed rate per score bin, and the expected calibration error.

    With ``base_rate`` the dialogues are weighted so that manipulative ones make up that share
    (label-shift reweighting), which is the population a prior-shifted score claims to fit.
    """
    positives = sum(y) / len(y)
    weight = (
        {1: 1.0, 0: 1.0}
        if base_rate is None
        else {1: base_rate / positives, 0: (1 - base_rate) / (1 - positives)}
    )
    total = sum(weight[t] for t in y)
    rows = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [
            (s, t)
            for s, t in zip(p, y, strict=True)
            if lo <= s < hi or (b == bins - 1 and s == 1.0)
        ]
        if not members:
            rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": 0, "mean_score": None, "observed": None})
            continue
        mass = sum(weight[t] for _, t in members)
        mean = sum(weight[t] * s for s, t in members) / mass
        observed = sum(weight[t] * t for _, t in members) / mass
        ece += mass / total * abs(mean - observed)
        rows.append(
            {
                "bin": f"{lo:.1f}-{hi:.1f}",
                "n": len(members),
                "mean_score": mean,
                "observed": observed,
            }
        )
    return {"bins": rows, "ece": ece}


def _evaluate(dialogues: list[Dialogue]) -> dict[str, Any]:
    y, p, raw, any_signal, sections, signals = [], [], [], [], [], []
    for d in dialogues:
        score, found, section = analyse(conversation(d))
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
    for label in LABELS:
        tp = sum(
            1
            for d, s in zip(dialogues, predicted, strict=True)
            if label in d.techniques and label in s
        )
        fp = sum(
            1
            for d, s in zip(dialogues, predicted, strict=True)
            if label not in d.techniques and label in s
        )
        fn = sum(
            1
            for d, s in zip(dialogues, predicted, strict=True)
            if label in d.techniques and label not in s
        )
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
    flagged_total = flagged_marked = marked_total = marked_flagged = 0
    for d, signals, label in zip(dialogues, result["_signals"], result["_y"], strict=True):
        if not label or not d.marks:
            continue
        marked = marked_turns(d)
        flagged = {int(s.utterance_id.rsplit("-", 1)[1]) for s in signals}
        flagged_total += len(flagged)
        flagged_marked += len(flagged & marked)
        marked_total += len(marked)
        marked_flagged += len(marked & flagged)
    return {
        "flagged_turns": flagged_total,
        "precision": flagged_marked / flagged_total if flagged_total else float("nan"),
        "marked_turns": marked_total,
        "recall": marked_flagged / marked_total if marked_total else float("nan"),
    }


def everyday() -> dict[str, Any]:
    """Signals on the hand-written everyday conversations (all benign): tests/data/everyday
    and tests/data/benign."""
    from powerlens.readers.plain import read

    files = sorted(EVERYDAY.glob("*.txt")) + sorted(BENIGN.glob("*.txt"))
    alarms = {}
    scores = []
    for path in files:
        for c in read(path):
            score, found, _ = analyse(c)
            scores.append(score)
            if found:
                name = f"{path.parent.name}/{path.name}"
                alarms[name] = sorted({f"{s.label} ({s.source})" for s in found})
    return {
        "n": len(files),
        "with_signal": len(alarms),
        "false_alarm": len(alarms) / len(files) if files else float("nan"),
        "alarms": alarms,
        "mean_manipulation": sum(scores) / len(scores) if scores else float("nan"),
    }


def run(data_root: Path, *, quick: bool = False) -> dict[str, Any]:
    """All tactic validations; ``quick`` uses the first 150 dialogues of each valid split by id."""
    model = load_model()
    mm = load_mentalmanip(data_root, "valid", with_marks=True)
    rm = load_reament(data_root, "valid")
    if quick:
        mm = sorted(mm, key=lambda d: d.id)[:QUICK]
        rm = sorted(rm, key=lambda d: d.id)[:QUICK]
    mm_result = _evaluate(mm)
    rm_result = _evaluate(rm)
    out: dict[str, Any] = {
        "quick": quick,
        "model": None
        if model is None
        else {k: model.meta.get(k) for k in ("name", "trained_on", "licence", "training_report")},
        "mentalmanip": {k: v for k, v in mm_result.items() if not k.startswith("_")},
        "reament": {k: v for k, v in rm_result.items() if not k.startswith("_")},
        "techniques": _techniques_eval(mm, mm_result),
        "grounding": _grounding(mm, mm_result),
        "everyday": everyday(),
        "speed": speed([conversation(d) for d in mm], repeats=1 if quick else 3),
        "threshold": DEFAULT_THRESHOLD,
    }
    out["domain_gap"] = {
        k: out["mentalmanip"]["detection"][k] - out["reament"]["detection"][k]
        for k in ("accuracy", "macro_f1", "auc")
    }
    return out


def _f(x: Any) -> str:
    return "—" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def to_markdown(result: dict[str, Any]) -> str:
    """The tactic section of docs/validation.md."""
    mm, rm = result["mentalmanip"], result["reament"]
    lines = [
        f"Run: {'quick sample' if result['quick'] else 'full valid splits'}; "
        f"default signal threshold {result['threshold']}.",
        "",
    ]
    if result["model"]:
        lines += [
            f"Model `{result['model']['name']}` trained on: {result['model']['trained_on']}. "
            f"Licence: {result['model']['licence']}.",
            "",
        ]
    lines += [
        f"Detection: `scores.manipulation >= 0.5` (calibrated to a base rate of "
        f"{_f(mm['base_rate'])}); in brackets the same score before the prior shift, i.e. "
        "calibrated to the training mix (about 70% manipulative), which is the accuracy-optimal "
        "decision on data with that mix.",
        "",
        "| data | n | accuracy | macro-F1 | AUC | signal recall | benign false alarm |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in (("MentalManip valid", mm), ("ReaMent valid", rm)):
        d, t = r["detection"], r["detection_at_training_rate"]
        lines.append(
            f"| {name} | {d['n']} | {_f(d['accuracy'])} ({_f(t['accuracy'])}) | "
            f"{_f(d['macro_f1'])} ({_f(t['macro_f1'])}) | {_f(d['auc'])} | "
            f"{_f(r['signal_recall'])} | {_f(r['signal_false_alarm'])} |"
        )
    ev = result["everyday"]
    lines.append(
        f"| everyday (tests/data/everyday, benign) | {ev['n']} | — | — | — | — | "
        f"{_f(ev['false_alarm'])} |"
    )
    gap = result["domain_gap"]
    lines += [
        "",
        f"Domain gap (MentalManip − ReaMent): accuracy {_f(gap['accuracy'])}, macro-F1 "
        f"{_f(gap['macro_f1'])}, AUC {_f(gap['auc'])}.",
    ]
    if result["model"] and result["model"].get("training_report"):
        tr = result["model"]["training_report"]
        lines.append(
            f"A dialogue model trained on MentalManip train alone reaches "
            f"{_f(tr.get('mentalmanip_only_on_reament_train_accuracy'))} accuracy on ReaMent "
            f"train (recorded by scripts/train_tactics.py)."
        )
    rel, raw = mm["reliability"], mm["reliability_at_training_rate"]
    lines += [
        "",
        f"Reliability on MentalManip valid. `scores.manipulation` against the observed share "
        f"after reweighting the dialogues to a {_f(mm['base_rate'])} base rate (ECE "
        f"{_f(rel['ece'])}; ReaMent valid {_f(rm['reliability']['ece'])}); and the score before "
        f"the prior shift against the raw share (ECE {_f(raw['ece'])}; ReaMent valid "
        f"{_f(rm['reliability_at_training_rate']['ece'])}):",
        "",
        "| score bin | n | mean score | observed (reweighted) | n (before shift) | mean score "
        "| observed |",
        "|---|---|---|---|---|---|---|",
    ]
    for b, r in zip(rel["bins"], raw["bins"], strict=True):
        lines.append(
            f"| {b['bin']} | {b['n']} | {_f(b['mean_score'])} | {_f(b['observed'])} | "
            f"{r['n']} | {_f(r['mean_score'])} | {_f(r['observed'])} |"
        )
    lines += [
        "",
        "Per technique (MentalManip valid; predicted when the dialogue is scored ≥ 0.5: the top "
        "technique plus any with conditional probability ≥ 0.5):",
        "",
        "| technique | support | precision | recall |",
        "|---|---|---|---|",
    ]
    for label, r in result["techniques"]["per_technique"].items():
        lines.append(f"| {label} | {r['support']} | {_f(r['precision'])} | {_f(r['recall'])} |")
    conf = result["techniques"]["confusion"]
    cols = ["none", *LABELS]
    lines += [
        "",
        "Confusion (rows: gold, single-technique and non-manipulative dialogues; columns: "
        "predicted top technique, `none` when scored < 0.5). Column order: "
        + ", ".join(f"{i}={c}" for i, c in enumerate(cols)),
        "",
        "| gold | " + " | ".join(str(i) for i in range(len(cols))) + " |",
        "|---" * (len(cols) + 1) + "|",
    ]
    for gold in cols:
        if gold in conf:
            lines.append(
                f"| {gold} | " + " | ".join(str(conf[gold].get(c, 0)) for c in cols) + " |"
            )
    g = result["grounding"]
    lines += [
        "",
        f"Span grounding (MentalManip valid, manipulative dialogues): {g['flagged_turns']} flagged "
        f"turns, {_f(g['precision'])} of them inside an annotator-marked turn; "
        f"{_f(g['recall'])} of "
        f"{g['marked_turns']} marked turns flagged.",
        "",
        f"Everyday conversations with any signal: {ev['with_signal']} of {ev['n']}"
        + (
            ": " + "; ".join(f"{k}: {', '.join(v)}" for k, v in ev["alarms"].items())
            if ev["alarms"]
            else ""
        )
        + f". Mean `scores.manipulation` on them: {_f(ev['mean_manipulation'])}.",
        "",
        f"Speed: {result['speed']['median']:.0f} MentalManip valid dialogues per second "
        f"(first pass {result['speed']['first']:.0f}; `speed()`: tokenise, rules, model, "
        f"stacker, summary and finalize for each of {result['speed']['n']} dialogues in turn, "
        "one process, one core; median of the passes).",
    ]
    return "\n".join(lines)
