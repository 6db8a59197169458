"""The timeline in words, shared by every format: periods, rates, trends, shifts, prompts.

Plain text only (each format escapes it). The wording of the reflective prompts comes from the
framework (``framework/framework.toml``); nothing here scores risk or danger — those are
judged by a professional with the person's own answers, not read from chat text.
"""

from __future__ import annotations

import datetime as dt

from powerlens.findings import concept, framework
from powerlens.timeline import stats
from powerlens.timeline.build import Row, Timeline
from powerlens.timeline.history import week_start

CARE = (
    "These are signals to explore, with someone qualified where it matters, not a finding "
    "about anyone. There is no risk or danger score here: such judgements are made by a "
    "professional with the person's own answers, never read from chat text."
)
GROUP_TITLES = {
    "over": "Power over (control)",
    "with": "Power with",
    "to": "Power to",
    "boundary": "Boundary Check: refusals and their answers",
    "self": "Apologies and self-talk",
    "talk": "Talk: messages and who opened contact",
}
PROMPT_CONCEPTS = ("power_over", "boundary_check", "self_talk", "talk_share")


def date(seconds: float | None) -> str:
    """An ISO date, or a dash."""
    if seconds is None:
        return "–"
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date().isoformat()


def week_date(timeline: Timeline, index: int) -> str:
    """The Monday of week ``index`` of the timeline."""
    return week_start(timeline.tally.first_week + index).isoformat()


def period(timeline: Timeline) -> str:
    """For example "From 2023-01-02 to 2024-12-30: 105 weeks (104 with messages), 50,000
    messages by Sam and Alex."."""
    t = timeline.tally
    messages = sum(int(a.sum()) for a in t.messages.values())
    people = ", ".join(t.people[:-1]) + (" and " if len(t.people) > 1 else "") + t.people[-1]
    active = int((t.exposure > 0).sum())
    return (
        f"From {date(t.start)} to {date(t.end)}: {_count(t.weeks, 'week')} "
        f"({active} with messages), {_count(messages, 'message')} by {people}."
    )


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n:,} times"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def rate(row: Row) -> str:
    """For example "2.90 a week (2.50–3.50)"."""
    r = row.rate
    if r.weeks <= 0:
        return "–"
    return f"{r.rate:.2f} a week ({r.low:.2f}–{r.high:.2f})"


def trend(row: Row) -> str:
    """The trend and its test in words."""
    t = row.trend
    if t.ratio is None or t.low is None or t.high is None:
        return f"too little data ({t.reason})" if t.reason else t.status
    numbers = (
        f"×{t.ratio:.2f} per {stats.TREND_STEP} weeks ({t.low:.2f}–{t.high:.2f}), "
        f"adjusted p {_p(t.p_adjusted)}"
    )
    return f"{t.status}: {numbers}"


def _p(p: float | None) -> str:
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def shifts(timeline: Timeline, row: Row) -> str:
    """For example "0.5 → 3.1 a week from 2023-06-05", one per shift; a dash when none."""
    if not row.changes:
        return "–"
    return "; ".join(
        f"{c.before:.1f} → {c.after:.1f} a week from {week_date(timeline, c.week)}"
        for c in row.changes
    )


def seen(row: Row) -> str:
    """First and last time the category appears."""
    if row.first is None:
        return "–"
    return f"{date(row.first)} – {date(row.last)}"


def respect(timeline: Timeline, person: str) -> str:
    """How one person's refusals were answered over the whole history."""
    refusals = [r for r in timeline.tally.refusals if r.by == person]
    if not refusals:
        return f"{person} made no refusal that the rules read."
    counts = {
        k: sum(r.response == k for r in refusals)
        for k in ("respected", "pressured", "punished", "unanswered")
    }
    gave_in = sum(r.capitulated for r in refusals)
    answered = len(refusals) - counts["unanswered"]
    text = (
        f"{person} refused {_times(len(refusals))}: respected {counts['respected']}, pressed on "
        f"{counts['pressured']}, punished {counts['punished']}, not answered "
        f"{counts['unanswered']}; gave in afterwards {_times(gave_in)}."
    )
    share = stats.wilson(counts["respected"], answered)
    if share is not None:
        text += (
            f" Respected {share[0]:.0%} of the answered refusals "
            f"(95% interval {share[1]:.0%}–{share[2]:.0%})."
        )
    return text


def talk(timeline: Timeline) -> list[str]:
    """Per person: messages, share of words, share of the contacts they opened."""
    t = timeline.tally
    words = {p: int(t.words[p].sum()) for p in t.people}
    opened = {p: int(t.opened[p].sum()) for p in t.people}
    all_words, all_opened = sum(words.values()) or 1, sum(opened.values()) or 1
    return [
        f"{p}: {int(t.messages[p].sum()):,} messages, {words[p] / all_words:.0%} of the words, "
        f"opened contact {_times(opened[p])} ({opened[p] / all_opened:.0%}) after "
        f"{t.gap_hours:g} hours or more of quiet."
        for p in t.people
    ]


def prompts() -> list[str]:
    """The framework's reflective prompts for what a timeline shows."""
    found = [concept(key)["prompt"] for key in PROMPT_CONCEPTS]
    found.insert(2, framework()["practices"]["boundary_check"]["questions"][1])
    return list(dict.fromkeys(found))


__all__ = [
    "CARE",
    "GROUP_TITLES",
    "date",
    "period",
    "prompts",
    "rate",
    "respect",
    "seen",
    "shifts",
    "talk",
    "trend",
    "week_date",
]
