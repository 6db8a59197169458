"""Power is contextual: one person's measures side by side across contexts.

Each conversation carries context tags (``--context`` or the folder it sits in); a profile
averages the person's measures over the conversations of each context and calls out the
differences large enough to be worth a look.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from powerlens.model import ConversationReport

SHARE_FIELDS = ("word_share", "time_share")
COUNT_FIELDS = (
    "interruptions_made",
    "interruptions_received",
    "questions_asked",
    "questions_answered",
)
SHARE_GAP = 0.15
"""A share differing by this much between two contexts is called out."""
RATE_RATIO = 2.0
"""A per-turn rate at least this many times higher in one context is called out."""


@dataclass
class ContextProfile:
    """The person's averaged measures in one context."""

    context: str
    conversations: int
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class Profile:
    """A person's profiles by context, and the differences called out between them."""

    person: str
    contexts: list[ContextProfile]
    differences: list[str]


def person_metrics(report: ConversationReport, person: str) -> dict[str, float] | None:
    """The person's shares and per-turn rates in one conversation (None if absent)."""
    speaker = report.speakers.get(person)
    if not speaker:
        return None
    turns = max(1, int(speaker.get("turns", 0)))
    metrics: dict[str, float] = {}
    for name in SHARE_FIELDS:
        value = speaker.get(name)
        if isinstance(value, int | float):
            metrics[name] = float(value)
    for name in COUNT_FIELDS:
        metrics[f"{name}_per_turn"] = float(speaker.get(name, 0)) / turns
    labels = Counter(
        f"{s.family}:{s.label}"
        for s in report.signals
        if s.speaker == person and s.family != "talk"
    )
    for label, count in labels.items():
        metrics[f"{label}_per_turn"] = count / turns
    return metrics


def profile(person: str, reports: list[ConversationReport]) -> Profile:
    """Average the person's metrics per context tag (untagged conversations: "untagged")."""
    by_context: dict[str, list[dict[str, float]]] = defaultdict(list)
    for report in reports:
        metrics = person_metrics(report, person)
        if metrics is None:
            continue
        for context in report.conversation.context or ("untagged",):
            by_context[context].append(metrics)
    contexts = []
    for context, rows in by_context.items():
        keys = sorted({k for row in rows for k in row})
        averaged = {k: sum(row.get(k, 0.0) for row in rows) / len(rows) for k in keys}
        contexts.append(ContextProfile(context, len(rows), averaged))
    return Profile(person, contexts, _differences(person, contexts))


def _differences(person: str, contexts: list[ContextProfile]) -> list[str]:
    notes: list[str] = []
    if len(contexts) < 2:
        return notes
    keys = sorted({k for c in contexts for k in c.metrics})
    for key in keys:
        values = [(c.metrics.get(key, 0.0), c.context) for c in contexts]
        (low, low_ctx), (high, high_ctx) = min(values), max(values)
        label = key.replace("_per_turn", " per turn").replace("_", " ")
        if key in SHARE_FIELDS and high - low >= SHARE_GAP:
            notes.append(
                f"{person}'s {label} is {high:.0%} in {high_ctx} but {low:.0%} in {low_ctx}."
            )
        elif key not in SHARE_FIELDS and high >= 0.1 and high >= RATE_RATIO * max(low, 0.01):
            notes.append(
                f"{person}'s {label} is {high:.2f} in {high_ctx} and {low:.2f} in {low_ctx}."
            )
    return notes
