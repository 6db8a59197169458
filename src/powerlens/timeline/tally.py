"""Signals of one analysed history counted per person, category and week, with their evidence.

Reads a ``ConversationReport`` (the moves family's signals and sections on a dated history)
and nothing else; it recomputes no reading. What is counted, per person and per week:

- each **Power Over** category (the stance signals' ``subtype``: the control categories —
  monitoring, isolation, economic control, intimidation, deciding for another, degradation,
  regulating everyday life — and command, prohibition, dismissing), **Power With** and
  **Power To**: messages carrying at least one such signal (a message with two monitoring
  signals counts once; one with monitoring and isolation counts in both);
- **refusals** (the ``boundaries`` section, one per refusal, by the person refusing) and how
  they were answered (respected, pressured, punished, unanswered), and how many were later
  given in to (``capitulated``);
- **apologies** (messages with an apology word, the moves family's ``APOLOGY`` pattern, not
  condolences), **self-critical** and **appeasing** messages (``self_talk`` signals; the
  moves family's "third apology in one conversation" rule is left out, because a history of
  years is one conversation to it — apologies are counted per week instead);
- **messages**, **words** (as the talk family counts them) and **contact opened**: the first
  message after a silence of at least ``gap_hours`` (default 4), or the first of all.

Each counted message becomes an ``Event`` for the evidence log: when, who, the category, the
message, the span, the rule or model that fired and its score.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from powerlens.language import tokenize
from powerlens.language.prefilter import fold
from powerlens.measures.moves import APOLOGY, APOLOGY_NEEDLES, CONDOLENCE
from powerlens.measures.moves.control import CONTROL_CATEGORIES
from powerlens.model import ConversationReport, Signal, Utterance
from powerlens.timeline.history import day_of, session_starts, week_of

CONTROL = CONTROL_CATEGORIES
"""Control categories of the moves family (Duluth wheel; Stark 2007; UK statutory guidance)."""
OTHER_OVER = ("command", "prohibition", "dismissing")
"""Power Over that is not one of the control categories."""
WITH_TO = ("power_with", "power_to")
SELF = ("apology", "self_critical", "appeasement")
RESPONSES = ("respected", "pressured", "punished", "unanswered")
BOUNDARY = ("refusal", *RESPONSES, "capitulated")
"""Per person refusing: refusals, how each was answered, and how many were given in to."""
REPEATED_APOLOGY_RULE = "rule:self_talk.repeated_apology"
APOLOGY_RULE = "rule:moves.apology"
GAP_HOURS = 4.0
"""A message after this long a silence opens contact (who initiates)."""


@dataclass(frozen=True)
class Event:
    """One message counted in a category: the evidence log's row."""

    start: float
    speaker: str
    category: str
    utterance_id: str
    text: str
    span: tuple[int, int]
    rule: str
    score: float
    detail: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Refusal:
    """One refusal: the week (index), who refused, the answer, whether they gave in later."""

    start: float
    week: int
    by: str
    response: str
    capitulated: bool
    utterance_id: str


@dataclass
class Tally:
    """Weekly counts of one history. Arrays have one entry per week from ``first_week``."""

    first_week: int
    people: list[str]
    exposure: np.ndarray
    """Fraction of each week inside the history (first and last weeks are partial), 0 for a
    week without any message."""
    messages: dict[str, np.ndarray]
    words: dict[str, np.ndarray]
    opened: dict[str, np.ndarray]
    counts: dict[tuple[str, str], np.ndarray]
    refusals: list[Refusal] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    start: float = 0.0
    end: float = 0.0
    gap_hours: float = GAP_HOURS

    @property
    def weeks(self) -> int:
        """Number of weeks from the first message's week to the last's."""
        return len(self.exposure)

    def categories(self) -> list[str]:
        """Categories with any count, in the order the reports show them."""
        present = {c for c, _ in self.counts}
        known = [*CONTROL, *OTHER_OVER, *WITH_TO, *BOUNDARY, *SELF]
        return [c for c in known if c in present] + sorted(present - set(known))


def category_of(signal: Signal) -> str | None:
    """The timeline category a signal counts in, or None."""
    if signal.family == "stance":
        if signal.label == "power_over":
            return signal.subtype or "power_over"
        return signal.label
    if signal.family == "self_talk" and signal.source != REPEATED_APOLOGY_RULE:
        return signal.label
    return None


def _exposure(start: float, end: float, first_week: int, weeks: int) -> np.ndarray:
    first_day, last_day = day_of(start), day_of(end)
    exposure = np.zeros(weeks)
    for w in range(weeks):
        monday = (first_week + w) * 7 - 3  # day number of that week's Monday
        days = min(last_day, monday + 6) - max(first_day, monday) + 1
        exposure[w] = max(0, days) / 7
    return exposure


def _ordered(utterances: tuple[Utterance, ...]) -> list[Utterance]:
    dated = [u for u in utterances if u.start is not None]
    if all(a.start <= b.start for a, b in zip(dated, dated[1:], strict=False)):  # type: ignore[operator]
        return dated
    return sorted(dated, key=lambda u: u.start)  # type: ignore[arg-type,return-value]


def tally(report: ConversationReport, gap_hours: float = GAP_HOURS) -> Tally:
    """Count one analysed, dated history per person, category and week."""
    utterances = _ordered(report.conversation.utterances)
    if not utterances:
        raise ValueError("tally needs at least one dated message")
    start, end = float(utterances[0].start), float(utterances[-1].start)  # type: ignore[arg-type]
    first_week = week_of(start)
    weeks = week_of(end) - first_week + 1
    people = list(dict.fromkeys(u.speaker for u in utterances))
    zeros = {p: np.zeros(weeks, dtype=np.int64) for p in people}
    messages = {p: a.copy() for p, a in zeros.items()}
    words = {p: a.copy() for p, a in zeros.items()}
    opened = {p: a.copy() for p, a in zeros.items()}
    where: dict[str, int] = {}
    by_id: dict[str, Utterance] = {}
    out = Tally(
        first_week,
        people,
        np.zeros(weeks),
        messages,
        words,
        opened,
        {},
        start=start,
        end=end,
        gap_hours=gap_hours,
    )
    for u in utterances:
        w = week_of(u.start) - first_week  # type: ignore[arg-type]
        where[u.id] = w
        by_id[u.id] = u
        messages[u.speaker][w] += 1
        words[u.speaker][w] += len(tokenize(u.text))
    for i in session_starts(utterances, gap_hours):
        u = utterances[i]
        opened[u.speaker][where[u.id]] += 1
    active = np.sum(np.array(list(messages.values())), axis=0) > 0
    out.exposure = _exposure(start, end, first_week, weeks) * active
    best: dict[tuple[str, str], Signal] = {}
    for s in report.signals:
        category = category_of(s)
        if category is None or s.utterance_id not in where:
            continue
        key = (s.utterance_id, category)
        if key not in best or s.score > best[key].score:
            best[key] = s
    for u in utterances:
        folded = fold(u.text)
        if APOLOGY_NEEDLES is None or any(n in folded for n in APOLOGY_NEEDLES):
            match = APOLOGY.search(u.text)
            if match and not CONDOLENCE.search(u.text) and (u.id, "apology") not in best:
                best[(u.id, "apology")] = Signal(
                    u.id, u.speaker, "self_talk", "apology", match.span(), 1.0, APOLOGY_RULE
                )
    counts: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(weeks, np.int64))
    for (uid, category), s in best.items():
        u = by_id[uid]
        counts[(category, u.speaker)][where[uid]] += 1
        out.events.append(_event(u, category, s, "" if s.subtype == category else s.subtype or ""))
    _refusals(report, out, where, by_id, counts)
    out.counts = dict(counts)
    out.events.sort(key=lambda e: (e.start, e.utterance_id, e.category))
    return out


def _event(u: Utterance, category: str, s: Signal, detail: str) -> Event:
    return Event(
        float(u.start or 0.0),
        u.speaker,
        category,
        u.id,
        u.text,
        s.span,
        s.source,
        s.score,
        detail,
        u.line,
    )


def _refusals(
    report: ConversationReport,
    out: Tally,
    where: dict[str, int],
    by_id: dict[str, Utterance],
    counts: dict[tuple[str, str], np.ndarray],
) -> None:
    """Refusals and their answers from the ``boundaries`` section, with their evidence."""
    rule: dict[str, Signal] = {}
    for s in report.signals:
        if s.family == "boundary" and (
            s.utterance_id not in rule or s.score > rule[s.utterance_id].score
        ):
            rule[s.utterance_id] = s
    for entry in report.sections.get("boundaries") or []:
        uid = str(entry.get("refusal"))
        if uid not in where:
            continue
        u = by_id[uid]
        response = str(entry.get("response", "unanswered"))
        gave_in = bool(entry.get("capitulated"))
        out.refusals.append(
            Refusal(float(u.start or 0.0), where[uid], u.speaker, response, gave_in, uid)
        )
        counts[("refusal", u.speaker)][where[uid]] += 1
        counts[(response, u.speaker)][where[uid]] += 1
        if gave_in:
            counts[("capitulated", u.speaker)][where[uid]] += 1
        answers = [by_id[r] for r in entry.get("response_utterances") or [] if r in by_id]
        detail = f"answered: {response}"
        if answers:
            detail += " by " + ", ".join(dict.fromkeys(a.speaker for a in answers))
            detail += " (" + ", ".join(a.id for a in answers) + ")"
        if gave_in:
            detail += "; gave in later"
        signal = rule.get(uid) or Signal(
            uid, u.speaker, "boundary", "refusal", (0, len(u.text)), 0.0, "section:boundaries"
        )
        out.events.append(_event(u, "refusal", signal, detail))


__all__ = [
    "BOUNDARY",
    "CONTROL",
    "GAP_HOURS",
    "OTHER_OVER",
    "RESPONSES",
    "SELF",
    "WITH_TO",
    "Event",
    "Refusal",
    "Tally",
    "category_of",
    "tally",
]
