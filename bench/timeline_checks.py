"""The timeline's checks over many seeds and on the test data's conversations (issue 16).

    python bench/timeline_checks.py              # 200 seeds per check (about 3 minutes)
    python bench/timeline_checks.py --seeds 20   # quicker

Prints the Markdown of the timeline section of docs/validation.md:

1. **Planted patterns** (``tests/timeline_history.py``): a year of chatter with control
   categories planted at set rates, two of them rising. Per category: how often the 95% rate
   interval holds the planted mean rate, and how often the trend is called rising (Holm-adjusted
   across every trend of the history) — for the rising ones that is the power, for the flat
   ones the false-alarm rate.
2. **No planted pattern**: the same with every rate flat. The share of histories with any
   trend called significant (Holm keeps it near 5%), the share of single tests with p < 0.05
   before adjustment, and the share of series with a change point.
3. **The challenge suite as a history**: its two-person conversations
   (``tests/data/challenge/conversations``) set four days apart as one relationship, the
   person labelled as controlling renamed ``A`` and the other ``B``; the ones without control
   first, then the ones with it (an escalation). What the timeline shows.
4. **Benign conversations as a history**: ``tests/data/everyday`` and ``tests/data/benign``
   set four days apart, speakers renamed A, B, C... in order of speaking. What it shows.

The sample sizes are printed with every rate; nothing is tuned on these numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

from powerlens.model import Conversation  # noqa: E402
from powerlens.readers import load  # noqa: E402
from powerlens.timeline import Timeline, analyse, build  # noqa: E402
from powerlens.timeline.stats import ALPHA  # noqa: E402
from timeline_history import (  # noqa: E402
    CONTROLLER,
    PARTNER,
    Plan,
    conversation,
    history,
    placed,
    rate_at,
)

PLANTED = Plan(
    weeks=52,
    messages_per_day=8.0,
    rates={
        "monitoring": (1.0, 5.0),
        "isolation": (0.5, 2.0),
        "degradation": (1.0, 1.0),
        "economic_control": (0.5, 0.5),
        "power_with": (3.0, 3.0),
        "power_to": (1.0, 1.0),
        "self_critical": (1.0, 1.0),
    },
    refusals=(1.5, 1.5),
    responses={"respected": 0.5, "pressured": 0.3, "punished": 0.2},
    capitulate=0.5,
)
FLAT = Plan(
    weeks=52,
    messages_per_day=5.0,
    rates={
        "monitoring": (2.0, 2.0),
        "isolation": (0.5, 0.5),
        "degradation": (1.0, 1.0),
        "power_with": (3.0, 3.0),
        "power_to": (1.0, 1.0),
        "self_critical": (1.0, 1.0),
    },
    refusals=(1.0, 1.0),
    responses={"respected": 0.6, "pressured": 0.3, "punished": 0.1},
    capitulate=0.5,
)


def _person(category: str) -> str:
    return PARTNER if category == "self_critical" else CONTROLLER


def _seeded(plan: Plan, seed: int) -> Timeline:
    return build(analyse(conversation(history(Plan(**{**vars(plan), "seed": seed})))))


def planted(seeds: int) -> str:
    covered: Counter[str] = Counter()
    rising: Counter[str] = Counter()
    for seed in range(seeds):
        t = _seeded(PLANTED, seed)
        for category, rate in PLANTED.rates.items():
            row = t.row(category, _person(category))
            mean = float(np.mean([rate_at(rate, w, PLANTED.weeks) for w in range(PLANTED.weeks)]))
            if row is not None and row.rate.low <= mean <= row.rate.high:
                covered[category] += 1
            if row is not None and row.trend.status == "rising":
                rising[category] += 1
    lines = [
        f"**Planted patterns** ({seeds} histories of 52 weeks, about "
        f"{int(PLANTED.messages_per_day * 7 * 52):,} messages of chatter each, "
        f"seeds 0–{seeds - 1}):",
        "",
        "| category (by) | planted per week | rate interval holds it | called rising |",
        "|---|---|---:|---:|",
    ]
    for category, (first, last) in PLANTED.rates.items():
        plan = f"{first:g} → {last:g}" if first != last else f"{first:g} (flat)"
        lines.append(
            f"| {category.replace('_', ' ')} ({_person(category)}) | {plan} | "
            f"{covered[category] / seeds:.1%} | {rising[category] / seeds:.1%} |"
        )
    return "\n".join(lines)


def null(seeds: int) -> str:
    any_trend = tests = raw = series = changes = 0
    for seed in range(seeds):
        t = _seeded(FLAT, 1000 + seed)
        any_trend += any(r.trend.status in ("rising", "falling") for r in t.rows)
        for r in t.rows:
            if r.trend.p is not None:
                tests += 1
                raw += r.trend.p < ALPHA
            series += 1
            changes += bool(r.changes)
    return "\n".join(
        [
            f"**No planted pattern** ({seeds} histories of 52 weeks with every rate flat, "
            f"seeds 1000–{999 + seeds}; {tests:,} trend tests, {series:,} series):",
            "",
            f"- histories with any trend called rising or falling (Holm-adjusted): "
            f"{any_trend}/{seeds} = {any_trend / seeds:.1%} (the family-wise level is 5%)",
            f"- single tests with p < 0.05 before adjustment: {raw}/{tests} = {raw / tests:.1%}",
            f"- series with a change point: {changes}/{series} = {changes / series:.1%}",
        ]
    )


def _summary(t: Timeline, title: str) -> str:
    lines = [
        f"**{title}**: {len(t.conversation.utterances)} messages over {t.tally.weeks} weeks.",
        "",
        "| person | category | times | per week (95%) | trend | first – last | shifts |",
        "|---|---|---:|---|---|---|---|",
    ]
    from powerlens.timeline import describe

    for row in t.rows:
        if row.group in ("talk",) or not row.total:
            continue
        lines.append(
            f"| {row.person} | {row.category.replace('_', ' ')} | {row.total} | "
            f"{describe.rate(row)} | {describe.trend(row)} | {describe.seen(row)} | "
            f"{describe.shifts(t, row)} |"
        )
    for person in t.people:
        lines += ["", f"{describe.respect(t, person)}"]
    return "\n".join(lines)


def challenge() -> str:
    root = REPO / "tests" / "data" / "challenge"
    calm: list[tuple[Conversation, dict[str, str]]] = []
    tense: list[tuple[Conversation, dict[str, str]]] = []
    expected: Counter[str] = Counter()
    for line in (root / "conversations.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        c = load(root / entry["file"])[0]
        names = c.speaker_names()
        if len(names) != 2:
            continue
        control = entry["expect"].get("control") or []
        by = control[0]["by"] if control else names[0]
        other = next(n for n in names if n != by)
        (tense if control else calm).append((c, {by: "A", other: "B"}))
        expected.update(x["category"] for x in control)
    order = calm + tense
    t = build(analyse(placed([c for c, _ in order], [r for _, r in order], id="challenge")))
    found = Counter()
    for row in t.rows:
        if row.person == "A" and row.group == "over":
            found[row.category] = row.total
    head = (
        f"{len(calm)} two-person conversations without control, then {len(tense)} with it, four "
        "days apart; labelled control items per category: "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(expected.items()))
        + "; read as A's Power Over: "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(found.items()))
        + "."
    )
    return _summary(t, "The challenge suite as one history") + "\n\n" + head


def benign() -> str:
    conversations: list[Conversation] = []
    for folder in ("everyday", "benign"):
        for path in sorted((REPO / "tests" / "data" / folder).glob("*.txt")):
            conversations += load(path)
    roles = [
        {name: "ABCDEFGH"[k] for k, name in enumerate(c.speaker_names()[:8])}
        for c in conversations
    ]
    t = build(analyse(placed(conversations, roles, id="benign")))
    return _summary(t, f"{len(conversations)} benign conversations as one history")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=200)
    args = parser.parse_args()
    started = time.process_time()
    for part in (planted(args.seeds), null(args.seeds), challenge(), benign()):
        print(part + "\n")
    print(f"<!-- timeline checks: {time.process_time() - started:.0f} s CPU -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
