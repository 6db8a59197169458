"""The Markdown of ``validation.moves_models``: the learned moves models beside the rules."""

from __future__ import annotations

from typing import Any

from powerlens.validation.moves_models import CONTROL_VARIANTS, RULE_DETECTORS


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


CONTROL_NAMES = {
    "rules": "rules (the moves family)",
    "model": "model alone",
    "rules_or_model": "rules OR model",
    "rules_and_model": "rules AND model (gate)",
}
WITH_NAMES = {
    "power_with": "rules: `power_with`",
    "proposal": "rules: `proposal`",
    "model": "model (`with` head)",
    "rules_and_model": "`power_with` AND model",
    "rules_or_model": "`power_with` OR model",
    "proposal_model": "model (`promote-coordination` head)",
    "proposal_and_model": "`proposal` AND model",
    "proposal_or_model": "`proposal` OR model",
}


def _decision(decision: dict[str, Any]) -> str:
    rule = decision.get("rule")
    return (f"{rule}, " if rule else "") + f"threshold {decision['threshold']:.3f}"


def _control_row(name: str, f: dict[str, Any], tail: str = "") -> str:
    return (
        f"| {CONTROL_NAMES[name]} | {_pct(f['recall_all'])} | {_pct(f['false_alarm_rate'])} | "
        f"{_pct(f['turn_recall'])} | {100 * f['turn_false_alarms_per_turn']:.1f}% |{tail}"
    )


def _control_lines(result: dict[str, Any]) -> list[str]:
    meta = result["meta"]["control"]
    cv, test = meta["cv"], result["control_test"]
    head = (
        "| reading | utterance recall | benign false alarms | conversation control acts found "
        "| unlabelled control signals per turn |"
    )
    lines = [
        "#### Control acts (challenge suite)",
        "",
        f"Chosen by cross-validation: c = {meta['c']:g}, character n-grams "
        f"{'on' if meta['chars'] else 'off'}, rule-feature weight {meta['rule_weight']:g}; "
        + "; ".join(f"{CONTROL_NAMES[k]}: {_decision(v)}" for k, v in meta["decisions"].items())
        + ".",
        "",
        "Cross-validated on the **dev half** (5 group folds; the rules' row is in-sample: they "
        "were tuned on it):",
        "",
        head,
        "|---|---|---|---|---|",
        _control_row("rules", cv["rules_in_sample"]),
        *(_control_row(k, cv[k]) for k in CONTROL_VARIANTS),
        "",
        "Best cross-validated recall with benign false alarms <= 5%, by features (the model "
        "alone; any c):",
        "",
        "| features | rule-feature weight | recall | false alarms |",
        "|---|---|---|---|",
    ]
    best: dict[tuple[bool, float], dict[str, Any]] = {}
    for row in meta["grid"]:
        key = (row["chars"], row["rule_weight"])
        if key not in best or row["key"] > best[key]["key"]:
            best[key] = row
    for (chars, weight), row in sorted(best.items()):
        lines.append(
            f"| words{' + characters' if chars else ''} | {weight:g} | "
            f"{_pct(row['model']['recall_all'])} | {_pct(row['model']['false_alarm_rate'])} |"
        )
    rules = test["rules"]
    lines += [
        "",
        f"**Frozen test half**, scored once ({rules['control_items']} control items, "
        f"{rules['benign_items']} benign items, {rules['turns']} conversation turns). Adopt: "
        "recall >= rules + 0.10, false alarms <= rules', conversation turns no worse:",
        "",
        head + " recall +0.10 | false alarms | turns | **adopt** |",
        "|---|---|---|---|---|---|---|---|---|",
        _control_row("rules", rules, " | | | |"),
    ]
    for name, f in test["variants"].items():
        v = f["verdict"]
        lines.append(
            _control_row(
                name,
                f,
                f" {_yes(v['recall_gain'])} | {_yes(v['false_alarms'])} | {_yes(v['turns'])} | "
                f"**{_yes(v['adopt'])}** |",
            )
        )
    lines += [
        "",
        "| category (test half) | rules | "
        + " | ".join(CONTROL_NAMES[k] for k in test["variants"])
        + " |",
        "|---|---|" + "---|" * len(test["variants"]),
    ]
    for category, value in rules["recall"].items():
        lines.append(
            f"| {category} | {_pct(value)} | "
            + " | ".join(_pct(f["recall"].get(category)) for f in test["variants"].values())
            + " |"
        )
    return lines


def _prf_row(name: str, f: dict[str, Any], tail: str = "") -> str:
    return (
        f"| {WITH_NAMES[name]} | {_pct(f['precision'])} | {_pct(f['recall'])} | "
        f"{(f['f1'] or 0):.2f} |{tail}"
    )


def _with_lines(result: dict[str, Any]) -> list[str]:
    meta = result["meta"]["with"]
    cv = meta["cv"]
    lines = [
        "#### Power With in negotiation (CaSiNo)",
        "",
        "Data: CaSiNo (Chawla, Ramirez, Clever, Lucas, May & Gratch, NAACL 2021; CC BY 4.0), "
        "`validation.casino`'s frozen split; the model is trained on the dev half's annotated "
        "dialogues and shared under CC BY 4.0 (`models/LICENSE-moves-with.txt`).",
        "",
        f"Chosen by cross-validation: c = {meta['c']:g}, character n-grams "
        f"{'on' if meta['chars'] else 'off'}, rule-feature weight {meta['rule_weight']:g}; "
        "thresholds: "
        + "; ".join(f"{WITH_NAMES[k]} {v['threshold']:.3f}" for k, v in meta["decisions"].items())
        + ". Labels: *promote-coordination* or *elicit-pref* for the first three variants, "
        "*promote-coordination* for the `proposal` ones.",
        "",
        "Cross-validated on the **dev half**'s annotated dialogues:",
        "",
        "| reading | precision | recall | F1 |",
        "|---|---|---|---|",
        *(_prf_row(k, v) for k, v in cv.items() if k in WITH_NAMES),
    ]
    test = result.get("with_test")
    if test is None:
        return [*lines, "", "<!-- CaSiNo data absent: no test-half figures -->"]
    quick = " (quick sample: every tenth dialogue)" if result["quick"] else ""
    lines += [
        "",
        f"**Frozen test half**{quick}, scored once ({test['dialogues']} annotated dialogues, "
        f"{test['utterances']} utterances). Goal: precision and recall >= 60%; improves: F1 >= "
        "the rule's + 0.10 with recall >= 50%:",
        "",
        "| reading | precision | recall | F1 | meets the goal | improves on the rule |",
        "|---|---|---|---|---|---|",
        *(_prf_row(k, test["rules"][k], " | |") for k in RULE_DETECTORS),
    ]
    for name, f in test["variants"].items():
        v = f["verdict"]
        lines.append(_prf_row(name, f, f" {_yes(v['meets_goal'])} | {_yes(v['improves'])} |"))
    return lines


def _outside_lines(result: dict[str, Any]) -> list[str]:
    stance = result["stance_items"]
    sets = result["firing"]
    names = [k for k in WITH_NAMES if k not in RULE_DETECTORS]
    lines = [
        "#### Beyond negotiations",
        "",
        "Challenge suite, **dev half** items (never used to train the Power With model): "
        "how many each reading finds among the items labelled `stance: with`, and fires on among "
        "the rest:",
        "",
        "| reading | `stance: with` items | other items |",
        "|---|---|---|",
        *(
            f"| {WITH_NAMES[k]} | {stance.get(f'with:rules:{k}', 0)} / {stance['with:items']} | "
            f"{stance.get(f'other:rules:{k}', 0)} / {stance['other:items']} |"
            for k in RULE_DETECTORS
        ),
        *(
            f"| {WITH_NAMES[k]} | {stance.get(f'with:{k}', 0)} / {stance['with:items']} | "
            f"{stance.get(f'other:{k}', 0)} / {stance['other:items']} |"
            for k in names
        ),
        "",
        "Utterances each reading fires on in talk that is not a negotiation (AnnoMI: "
        "high-quality sessions, no text shown):",
        "",
        "| reading | " + " | ".join(f"{k} ({v['utterances']})" for k, v in sets.items()) + " |",
        "|---|" + "---|" * len(sets),
    ]
    rows = [
        ("rules: `power_with`", "rules:power_with"),
        ("rules: `proposal`", "rules:proposal"),
        *((WITH_NAMES[k], f"with:{k}") for k in names),
        ("rules: control act", "rules:control"),
        *((f"control, {CONTROL_NAMES[k]}", f"control:{k}") for k in CONTROL_VARIANTS),
    ]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(str(v.get(key, 0)) for v in sets.values()) + " |")
    beyond = result["beyond_negotiation"]
    lines += [
        "",
        "Pre-registered check for use beyond negotiations (finds >= 80% as many `stance: with` "
        "items as the rules' `power_with`; fires on or keeps >= half as many everyday and benign "
        "utterances):",
        "",
        "| variant | `stance: with` | everyday and benign |",
        "|---|---|---|",
        *(
            f"| {WITH_NAMES[k]} | {_yes(v['stance_with'])} | {_yes(v['everyday'])} |"
            for k, v in beyond.items()
        ),
    ]
    return lines


def render(result: dict[str, Any]) -> str:
    """The learned moves models' part of docs/validation.md."""
    sizes = result["sizes"]
    lines = [
        "### Learned moves models (issue 14; not wired in)",
        "",
        "| model | trained on | features kept | npz | json | load |",
        "|---|---|---|---|---|---|",
        *(
            f"| `moves-{name}` | "
            f"{'challenge suite, dev half' if name == 'control' else 'CaSiNo, dev half'} | "
            f"{s['features']} | {s['npz_bytes'] / 1024:.0f} KiB | {s['json_bytes'] / 1024:.0f} KiB "
            f"| {s['load_ms']:.0f} ms |"
            for name, s in sizes.items()
        ),
        "",
        *_control_lines(result),
        "",
        *_with_lines(result),
        "",
        *_outside_lines(result),
        "",
    ]
    return "\n".join(lines)
