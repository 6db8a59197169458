"""The CaSiNo part of ``docs/validation.md``, written from ``casino.run``'s result: whose plan
was enacted (both halves, with the turn-order baselines), the per-utterance detectors, which
signals fire on which labels (dev half) and the outcomes beyond the chat."""

from __future__ import annotations

from typing import Any

from powerlens.validation.casino_outcomes import SCALES

LABELS = (
    "promote-coordination", "elicit-pref", "uv-part", "vouch-fair", "self-need", "other-need",
    "no-need", "showing-empathy", "small-talk", "non-strategic",
)  # fmt: skip
"""CaSiNo's strategy labels, in the order the confusion table prints them."""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _cell(share: dict[str, Any]) -> str:
    ci = share["ci95"]
    interval = f" [{100 * ci[0]:.0f}-{100 * ci[1]:.0f}]" if ci else ""
    return f"{_pct(share['rate'])} ({share['hits']}/{share['n']}){interval}"


PLAN_ROWS = (
    ("**plan_of = submitter of the accepted deal** (goal >= 85%)", "agreement"),
    ("baseline: speaker of the second-to-last chat turn", "baseline_second_last"),
    ("baseline: speaker of the last chat turn", "baseline_last"),
    ("plan_of = submitter where the second-to-last baseline is wrong", "where_turn_order_fails"),
    ("plan_of is None", "plan_of_none"),
    ("decision evidence holds a proposal whose numbers match the deal", "evidence_matches_deal"),
    ("a chat message states the deal's numbers", "deal_stated_in_chat"),
    ("... the first to state them is the submitter", "first_author_is_submitter"),
    ("... the last to state them is the submitter", "last_author_is_submitter"),
    ("plan_of = the first to state them", "first_author_agree"),
    ("plan_of = the last to state them", "last_author_agree"),
    ("baseline (second-to-last turn) = the first to state them", "first_author_second_last"),
    ("baseline (second-to-last turn) = the last to state them", "last_author_second_last"),
)  # fmt: skip


def to_markdown(result: dict[str, Any]) -> str:
    """The CaSiNo part of docs/validation.md: both halves side by side, tuning tables for dev."""
    halves = result["halves"]
    quick = " (quick sample: every tenth dialogue of each half)" if result["quick"] else ""
    head = "| figure | " + " | ".join(f"{h} half" for h in halves) + " |"
    rule = "|---|" + "---|" * len(halves)
    lines = [
        "#### CaSiNo: whose plan was enacted",
        "",
        "Data: CaSiNo (Chawla et al., NAACL 2021; CC BY 4.0), chat text only" + quick + ". "
        "Split frozen: "
        + ("yes, hashes match" if result["frozen"] else "**NO: hashes differ**")
        + ".",
        "",
        head,
        rule,
        *(
            f"| {name} | " + " | ".join(_cell(h["plans"][key]) for h in halves.values()) + " |"
            for name, key in PLAN_ROWS
        ),
        "",
        _plans_note(halves["test"]["plans"]),
        "",
        "#### CaSiNo: per utterance, against the strategy annotations",
        "",
        "Annotated dialogues / utterances: "
        + ", ".join(
            f"{name} {h['utterances']['dialogues']} / {h['utterances']['utterances']}"
            for name, h in halves.items()
        )
        + ".",
        "",
        "| signal vs labels | half | precision | recall | F1 | tp / fp / fn |",
        "|---|---|---|---|---|---|",
    ]
    for detector in halves["dev"]["utterances"]["detectors"]:
        for name, h in halves.items():
            m = h["utterances"]["detectors"][detector]
            lines.append(
                f"| {detector} | {name} | {_pct(m['precision'])} | {_pct(m['recall'])} | "
                f"{_num(m['f1'])} | {m['tp']} / {m['fp']} / {m['fn']} |"
            )
    lines += ["", *_confusion(halves["dev"]["utterances"]), "", *_outcomes(halves)]
    return "\n".join(lines)


def _plans_note(plans: dict[str, Any]) -> str:
    """What the plan figures mean, with the test half's numbers."""
    return (
        "Reading it (test half): the submitter wrote the second-to-last chat message in "
        f"{_pct(plans['baseline_second_last']['rate'])} of accepted deals (the other side closes "
        'with "deal!" and leaves the submitting to them), so a rule keyed to turn order '
        "alone would pass the goal while reading nothing; what counts is agreement where that "
        f"baseline is wrong ({_pct(plans['where_turn_order_fails']['rate'])}, n = "
        f"{plans['where_turn_order_fails']['n']}). Where the chat states the deal's numbers, "
        f"the first to state them is the submitter in "
        f"{_pct(plans['first_author_is_submitter']['rate'])}: the submitter is an interface "
        "role as much as a plan's author, so the rows on the deal's numbers are the "
        "text-anchored check (parser: `validation/casino_deals.py`)."
    )


def _confusion(scored: dict[str, Any]) -> list[str]:
    labels = scored["labels"]
    lines = [
        "Which signals fire on which labels (**dev half**, for tuning; an utterance may carry "
        "several labels; `proposal:*` are proposal subtypes, the rest stance subtypes):",
        "",
        "| signal | utterances | " + " | ".join(LABELS) + " |",
        "|---|---|" + "---|" * len(LABELS),
        "| *(all annotated)* | "
        + f"{scored['utterances']} | "
        + " | ".join(str(labels.get(x, 0)) for x in LABELS)
        + " |",
    ]
    for kind, row in scored["confusion"].items():
        lines.append(
            f"| {kind} | {row['(utterances)']} | "
            + " | ".join(str(row.get(x, 0)) for x in LABELS)
            + " |"
        )
    return lines


def _outcomes(halves: dict[str, Any]) -> list[str]:
    lines = [
        "#### CaSiNo: power over and the partner's view afterwards",
        "",
        "Outcomes on 1-5 scales. *between*: people whose partner used any `power_over` signal "
        "minus people whose partner used none; *within*: where exactly one side used one, the "
        "partner's answer minus the user's own. 95% bootstrap intervals over dialogues.",
        "",
        "| outcome | statistic | " + " | ".join(f"{h} half" for h in halves) + " |",
        "|---|---|" + "---|" * len(halves),
    ]
    for key in SCALES:
        for stat in ("between", "within"):
            cells = []
            for h in halves.values():
                s = h["outcomes"][key][stat]
                n = f"{s['n_exposed']} vs {s['n_other']}" if stat == "between" else s["dialogues"]
                low, high = s.get("ci95") or (0.0, 0.0)
                cells.append(
                    "n/a"
                    if s["difference"] is None
                    else f"{s['difference']:+.2f} [{low:+.2f}, {high:+.2f}] (n {n})"
                )
            lines.append(f"| {key} | {stat} | " + " | ".join(cells) + " |")
    return lines
