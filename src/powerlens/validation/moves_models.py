"""The learned moves models (``measures.moves.models``) against the rules, on frozen test halves.

Two small logistic models, trained by ``scripts/train_moves_models.py`` on dev halves only, with
every setting chosen by 5-fold group cross-validation within dev (criteria:
``moves_models_decide.select_control`` and ``select_with``). They are **not** wired into the moves
family; this module reports what they would do so that the lead can decide.

**Pre-registered adoption rules** (written and committed before the test halves were scored;
the test halves are scored once, with the decisions stored in the model files, unchanged):

1. **Control (challenge suite, frozen test half).** Three variants are scored, each with the
   decision rule and threshold cross-validation chose: the model alone, rules OR model, rules AND
   model (the model's ``any`` head as a gate on the rules). A variant is recommended for
   adoption only if, on the test half, (a) its utterance-level recall (the labelled category
   among those read, over the 91 control items) is at least **0.10 above the rules'**, (b) its
   benign false-alarm rate (any category read on one of the 167 benign items) is **no higher
   than the rules'**, and (c) on the test-half conversations, per turn, it finds at least as
   many of the labelled control acts as the rules with no more unlabelled control signals per
   turn than the rules. If several pass, the one with the lower false-alarm rate, then the
   higher recall. Issue 14's goal (recall >= 0.85, false alarms <= 0.05) is reported beside,
   not used as the bar. Known bias, stated before scoring: the rules were tuned on the dev half,
   so the rule features are in-sample there and cross-validation overrates both the rule
   features and the rule combinations.
2. **Power With (CaSiNo, frozen test half).** Against *promote-coordination* or *elicit-pref*:
   the model alone, the rules' ``power_with`` AND model, and OR; against *promote-coordination*:
   the same over the rules' ``proposal`` signal and the model's ``promote-coordination`` head.
   A variant **meets the goal** when its precision and recall on the test half are both >= 0.60
   (issue 14), and **improves** on the rule when its F1 is at least 0.10 above the rule's with
   recall >= 0.50; one that does neither is not recommended. A variant that meets the goal or
   improves is recommended **beyond negotiations** only if (a) on the challenge suite's dev
   half (not used to train this model) it finds at least 80% as many of the items labelled
   ``stance: with`` as the rules' ``power_with`` does, and (b) on the hand-written everyday and
   benign conversations together, it fires on (model alone) or keeps (a gate) at least half as
   many utterances as the rules' ``power_with``; otherwise it is recommended for negotiations
   only (a conversation tagged as one), or not at all if the lead has no such tag.

Reported beside: the rules' figures on the same rows, the cross-validated figures from the model
files, how often each model fires on the everyday, benign and AnnoMI high-quality sets (no
AnnoMI text is shown), the models' sizes and load time. The quick sample (CI): the challenge
test half in full (no outside data), every tenth CaSiNo dialogue of each half, every fifth
high-quality AnnoMI session.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from powerlens.measures.moves.control import CONTROL_CATEGORIES
from powerlens.measures.moves.models import MovesModel, load, model_files
from powerlens.model import Conversation
from powerlens.validation import casino
from powerlens.validation.challenge import SUITE, _item_conversation, _jsonl, _moves
from powerlens.validation.moves import BENIGN, EVERYDAY, _annomi_high, _files
from powerlens.validation.moves_models_data import (
    CONTROL_HEADS,
    WITH_HEADS,
    WITH_LABELS,
    Example,
    casino_examples,
    challenge_examples,
    control_figures,
    prf,
)
from powerlens.validation.moves_models_decide import WITH_TARGETS, control_set, with_fired

CONTROL_VARIANTS = ("model", "rules_or_model", "rules_and_model")
RECALL_GAIN = 0.10
WITH_GOAL = 0.60
F1_GAIN = 0.10
MIN_RECALL = 0.50
STANCE_SHARE = 0.80
EVERYDAY_SHARE = 0.50


def _control_p(model: MovesModel, text: str) -> list[float]:
    p = model.probabilities(text)
    return [p[h] for h in CONTROL_HEADS]


def control_verdict(rules: dict[str, Any], variant: dict[str, Any]) -> dict[str, bool]:
    """The pre-registered control rule (module docstring, 1) for one variant's test figures."""
    checks = {
        "recall_gain": variant["recall_all"] >= rules["recall_all"] + RECALL_GAIN - 1e-9,
        "false_alarms": variant["false_alarm_rate"] <= rules["false_alarm_rate"] + 1e-9,
        "turns": variant["turn_recall"] >= rules["turn_recall"] - 1e-9
        and variant["turn_false_alarms_per_turn"] <= rules["turn_false_alarms_per_turn"] + 1e-9,
    }
    return {**checks, "adopt": all(checks.values())}


def score_control(model: MovesModel, examples: Sequence[Example]) -> dict[str, Any]:
    """Rules and each variant on ``examples`` (one half of the challenge suite), with verdicts."""
    p = [_control_p(model, e.text) for e in examples]
    rules = control_figures(examples, [set(e.rules) for e in examples])
    variants = {}
    for name in CONTROL_VARIANTS:
        decision = model.meta["decisions"][name]
        figures = control_figures(
            examples,
            [control_set(name, decision, row, e.rules) for e, row in zip(examples, p, strict=True)],
        )
        variants[name] = {
            **figures,
            "decision": decision,
            "verdict": control_verdict(rules, figures),
        }
    return {"rules": rules, "variants": variants}


RULE_DETECTORS = {"power_with": WITH_LABELS, "proposal": frozenset({"promote-coordination"})}


def with_verdict(rule: dict[str, Any], variant: dict[str, Any]) -> dict[str, bool]:
    """The pre-registered Power With rule (module docstring, 2), test-half part."""
    precision, recall = variant["precision"] or 0.0, variant["recall"] or 0.0
    goal = precision >= WITH_GOAL and recall >= WITH_GOAL
    improves = (variant["f1"] or 0.0) >= (rule["f1"] or 0.0) + F1_GAIN and recall >= MIN_RECALL
    return {"meets_goal": goal, "improves": improves}


def _rule_of(variant: str) -> str:
    return WITH_TARGETS[variant][1] or (
        "proposal" if variant.startswith("proposal") else "power_with"
    )


def score_with(model: MovesModel, examples: Sequence[Example]) -> dict[str, Any]:
    """The rules' signals and each Power With variant against the CaSiNo labels."""
    rows = [model.probabilities(e.text) for e in examples]
    rules = {
        name: prf([bool(e.allowed & gold) for e in examples], [name in e.rules for e in examples])
        for name, gold in RULE_DETECTORS.items()
    }
    variants = {}
    for name, (_, _, gold) in WITH_TARGETS.items():
        decision = model.meta["decisions"][name]
        figures = prf(
            [bool(e.allowed & gold) for e in examples],
            [
                with_fired(name, decision, row, e.rules)
                for e, row in zip(examples, rows, strict=True)
            ],
        )
        variants[name] = {
            **figures,
            "decision": decision,
            "verdict": with_verdict(rules[_rule_of(name)], figures),
        }
    heads = {
        h: prf(
            [bool(e.allowed & (WITH_LABELS if h == "with" else {h})) for e in examples],
            [row[h] >= 0.5 for row in rows],
        )
        for h in WITH_HEADS
    }
    return {
        "dialogues": len({e.group for e in examples}),
        "utterances": len(examples),
        "rules": rules,
        "variants": variants,
        "heads_at_half": heads,
    }


def _signal_sets(conversation: Conversation) -> dict[str, set[str]]:
    """Utterance ids with the rules' power_with, proposal and control signals."""
    signals, _ = _moves(conversation)
    found: dict[str, set[str]] = {"power_with": set(), "proposal": set(), "control": set()}
    for s in signals:
        if s.family == "stance" and s.label == "power_with":
            found["power_with"].add(s.utterance_id)
        elif s.family == "proposal":
            found["proposal"].add(s.utterance_id)
        elif s.label == "power_over" and s.subtype in CONTROL_CATEGORIES:
            found["control"].add(s.utterance_id)
    return found


def firing(
    conversations: Iterable[Conversation], control: MovesModel, with_model: MovesModel
) -> dict[str, Any]:
    """Per utterance: the rules' signals and what each model variant would do with them."""
    tally: Counter[str] = Counter()
    for conversation in conversations:
        sets = _signal_sets(conversation)
        tally["conversations"] += 1
        for u in conversation.utterances:
            tally["utterances"] += 1
            rules = frozenset(k for k, ids in sets.items() if u.id in ids)
            w = with_model.probabilities(u.text)
            for name in WITH_TARGETS:
                tally[f"with:{name}"] += with_fired(
                    name, with_model.meta["decisions"][name], w, rules
                )
            tally["rules:power_with"] += "power_with" in rules
            tally["rules:proposal"] += "proposal" in rules
            tally["rules:control"] += "control" in rules
            c = _control_p(control, u.text)
            ruled = frozenset({"x"}) if "control" in rules else frozenset()
            for name in CONTROL_VARIANTS:
                tally[f"control:{name}"] += bool(
                    control_set(name, control.meta["decisions"][name], c, ruled)
                )
    return dict(tally)


def stance_items(with_model: MovesModel, half: str = "dev", root: Path = SUITE) -> dict[str, Any]:
    """Challenge items labelled ``stance: with`` (and the rest) found by the rules' power_with
    and by each Power With variant (the dev half: never used to train the Power With model)."""
    tally: Counter[str] = Counter()
    for item in _jsonl(root / "utterances.jsonl"):
        if item["half"] != half:
            continue
        sets = _signal_sets(_item_conversation(item))
        rules = frozenset(k for k, ids in sets.items() if "u" in ids)
        kind = "with" if item["expect"].get("stance") == "with" else "other"
        w = with_model.probabilities(item["text"])
        tally[f"{kind}:items"] += 1
        tally[f"{kind}:rules:power_with"] += "power_with" in rules
        tally[f"{kind}:rules:proposal"] += "proposal" in rules
        for name in WITH_TARGETS:
            tally[f"{kind}:{name}"] += with_fired(
                name, with_model.meta["decisions"][name], w, rules
            )
    return dict(tally)


def beyond_negotiation(
    stance: dict[str, Any], everyday: dict[str, Any]
) -> dict[str, dict[str, bool]]:
    """The pre-registered check for use outside negotiations (module docstring, 2a and 2b)."""
    found = {}
    for name in WITH_TARGETS:
        found[name] = {
            "stance_with": stance.get(f"with:{name}", 0)
            >= STANCE_SHARE * stance.get("with:rules:power_with", 0),
            "everyday": everyday.get(f"with:{name}", 0)
            >= EVERYDAY_SHARE * everyday.get("rules:power_with", 0),
        }
    return found


def _sizes() -> dict[str, Any]:
    sizes = {}
    for name in ("control", "with"):
        arrays, meta = model_files(name)
        load.cache_clear()
        started = time.perf_counter()
        load(name)
        sizes[name] = {
            "npz_bytes": len(arrays.read_bytes()),
            "json_bytes": len(meta.read_bytes()),
            "features": len(load(name).buckets),
            "load_ms": 1000 * (time.perf_counter() - started),
        }
    return sizes


def _handwritten() -> dict[str, list[Conversation]]:
    return {
        name: list(_files(folder)) for name, folder in (("everyday", EVERYDAY), ("benign", BENIGN))
    }


def run(data_root: Path | None, *, quick: bool = False) -> dict[str, Any] | None:
    """Both models against the rules on the frozen test halves, and on talk they were not
    trained for; None when the shipped models are absent."""
    if not all(f.is_file() for name in ("control", "with") for f in model_files(name)):
        return None
    control, with_model = load("control"), load("with")
    handwritten = _handwritten()
    firing_sets = {name: firing(rows, control, with_model) for name, rows in handwritten.items()}
    together = Counter[str]()
    for tally in firing_sets.values():
        together.update(tally)
    stance = stance_items(with_model)
    result: dict[str, Any] = {
        "quick": quick,
        "sizes": _sizes(),
        "meta": {
            name: {k: m.meta[k] for k in ("c", "chars", "rule_weight", "decisions", "cv", "grid")}
            for name, m in (("control", control), ("with", with_model))
        },
        "control_test": score_control(control, challenge_examples("test")),
        "stance_items": stance,
        "firing": firing_sets,
        "beyond_negotiation": beyond_negotiation(stance, dict(together)),
    }
    dialogues = casino.load(data_root) if data_root is not None else None
    if dialogues is not None:
        test = casino.split(dialogues, quick=quick)["test"]
        result["with_test"] = score_with(with_model, casino_examples(test))
    annomi = _annomi_high(data_root, quick) if data_root is not None else None
    if annomi is not None:
        result["firing"]["annomi_high"] = firing(annomi, control, with_model)
    return result


def to_markdown(result: dict[str, Any]) -> str:
    """The learned moves models' part of docs/validation.md (``moves_models_report``)."""
    from powerlens.validation.moves_models_report import render

    return render(result)
