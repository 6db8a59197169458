"""The tactic section of docs/validation.md, from ``powerlens.validation.tactics.run``."""

from __future__ import annotations

from typing import Any

from powerlens.measures.tactics.rules import LABELS

OUTSIDE_NAMES = {
    "annomi_high": "AnnoMI high-quality sessions (held-out part)",
    "annomi_low": "AnnoMI low-quality sessions (held-out part)",
    "casino": "CaSiNo negotiations (held-out part)",
    "everyday": "everyday conversations (tests/data)",
}


def _f(x: Any) -> str:
    return "—" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def _detection_table(result: dict[str, Any]) -> list[str]:
    lines = [
        "| data | model | n | accuracy | macro-F1 | AUC | signal recall | benign false alarm |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for data, label in (("mentalmanip", "MentalManip valid"), ("reament", "ReaMent valid")):
        for name, m in result["models"].items():
            r = m[data]
            d, t = r["detection"], r["detection_at_training_rate"]
            lines.append(
                f"| {label} | `{name}` | {d['n']} | {_f(d['accuracy'])} ({_f(t['accuracy'])}) | "
                f"{_f(d['macro_f1'])} ({_f(t['macro_f1'])}) | {_f(d['auc'])} | "
                f"{_f(r['signal_recall'])} | {_f(r['signal_false_alarm'])} |"
            )
        b = result["baseline"][data]
        lines.append(
            f"| {label} | TF-IDF + LR baseline | {b['n']} | {_f(b['accuracy'])} | "
            f"{_f(b['macro_f1'])} | {_f(b['auc'])} | — | — |"
        )
    return lines


def _outside_table(result: dict[str, Any]) -> list[str]:
    lines = [
        "| conversations | model | n | median turns | score ≥ 0.5 | manipulation finding | any "
        "tactic signal | mean score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, label in OUTSIDE_NAMES.items():
        for name, m in result["models"].items():
            o = m["outside"][key]
            lines.append(
                f"| {label} | `{name}` | {o['n']} | {o['turns_median']} | "
                f"{_f(o['at_or_above_0.5'])} | {_f(o['finding'])} | {_f(o['any_signal'])} | "
                f"{_f(o['mean'])} |"
            )
    return lines


def _length_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for name, m in result["models"].items():
        t = m["length_test"]
        means = ", ".join(f"{k}x {_f(v)}" for k, v in t["mean"].items())
        lines.append(
            f"- `{name}`: mean score {means}; the largest rise of any one conversation over its "
            f"1x score: {_f(t['largest_rise'])} ({t['n']} everyday conversations)."
        )
    return lines


def _reliability_lines(m: dict[str, Any]) -> list[str]:
    mm, rm = m["mentalmanip"], m["reament"]
    rel, raw = mm["reliability"], mm["reliability_at_training_rate"]
    lines = [
        f"Reliability on MentalManip valid. `scores.manipulation` against the observed share "
        f"after reweighting the dialogues to the stated {_f(mm['base_rate'])} base rate (ECE "
        f"{_f(rel['ece'])}; ReaMent valid {_f(rm['reliability']['ece'])}); and the score at the "
        f"training mix against the raw share (ECE {_f(raw['ece'])}; ReaMent valid "
        f"{_f(rm['reliability_at_training_rate']['ece'])}):",
        "",
        "| score bin | n | mean score | observed (reweighted) | n (training mix) | mean score "
        "| observed |",
        "|---|---|---|---|---|---|---|",
    ]
    for b, r in zip(rel["bins"], raw["bins"], strict=True):
        lines.append(
            f"| {b['bin']} | {b['n']} | {_f(b['mean_score'])} | {_f(b['observed'])} | "
            f"{r['n']} | {_f(r['mean_score'])} | {_f(r['observed'])} |"
        )
    return lines


def _technique_lines(m: dict[str, Any]) -> list[str]:
    lines = [
        "Per technique (MentalManip valid, default model; predicted when the dialogue is scored "
        "≥ 0.5: the top technique of the strongest window plus any with conditional "
        "probability ≥ 0.5):",
        "",
        "| technique | support | precision | recall |",
        "|---|---|---|---|",
    ]
    for label, r in m["techniques"]["per_technique"].items():
        lines.append(f"| {label} | {r['support']} | {_f(r['precision'])} | {_f(r['recall'])} |")
    conf = m["techniques"]["confusion"]
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
    g = m["grounding"]
    lines += [
        "",
        f"Span grounding (MentalManip valid, manipulative dialogues): {g['flagged_turns']} "
        f"flagged turns, {_f(g['precision'])} of them inside an annotator-marked turn; "
        f"{_f(g['recall'])} of {g['marked_turns']} marked turns flagged.",
    ]
    return lines


def to_markdown(result: dict[str, Any]) -> str:
    """The tactic section of docs/validation.md."""
    lines = [
        f"Run: {'quick sample' if result['quick'] else 'full valid splits'}; default signal "
        f"threshold {result['threshold']}.",
        "",
    ]
    for name, m in result["models"].items():
        card = m["card"]
        lines += [
            f"- `{name}` (`{card['name']}`): trained on {card['trained_on']}. Licence: "
            f"{card['licence']}. Stated base rate {_f(card['base_rate'])}; windows of "
            f"{card['window']['turns']} turns; no-evidence cap "
            f"{_f(card['aggregate']['no_evidence_cap'])}.",
        ]
    lines += [
        "",
        "Detection: `scores.manipulation >= 0.5`; in brackets the same evidence at the training "
        "mix (about 70% manipulative). The baseline is TF-IDF (word 1-2 grams) + class-balanced "
        "logistic regression, trained in this run on the visible training split of the same "
        "data set.",
        "",
        *_detection_table(result),
        "",
        "Ordinary conversations from outside the training data (a finding needs a tactic "
        "signal and a score ≥ 0.5):",
        "",
        *_outside_table(result),
        "",
        "Length test (each everyday conversation repeated 1x, 5x and 20x in a row):",
        "",
        *_length_lines(result),
        "",
    ]
    default = next(iter(result["models"].values()), None)
    if default is not None:
        lines += [*_reliability_lines(default), "", *_technique_lines(default), ""]
    s = result["speed"]
    lines.append(
        f"Speed (default model): {s['median']:.0f} MentalManip valid dialogues per second "
        f"(first pass {s['first']:.0f}; tokenise, rules, model, stacker, summary and finalize "
        f"for each of {s['n']} dialogues in turn, one process, one core; median of the passes)."
    )
    return "\n".join(lines)
