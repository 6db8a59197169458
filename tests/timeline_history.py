"""Synthetic chat histories with planted patterns, for the timeline's checks and its bench.

Two people write everyday chatter in sessions through the day (a session is opened by one of
them after a quiet spell of at least eight hours overnight or five in the day, so the
timeline's four-hour contact gap sees every session start). On top of it, one person (``Sam``)
says things the moves family reads as a control category, at a rate per week that changes
linearly from the first week to the last (``Plan.rates``); the other (``Alex``) refuses
requests at a set rate, and the refusal is answered as planned (respected, pressured or
punished) and sometimes given in to. Each planted message is drawn from a phrase bank whose
every phrase the moves family reads as exactly that category on its own (checked by
``tests/test_timeline_synthetic.py``), and the chatter from a bank that it reads as nothing.

The truth of each message is kept in ``Message.planted``, so a check compares what the timeline
found with what was written, and ``truth_counts`` gives the weekly counts to expect.

Used by ``tests/test_timeline_*.py``, ``bench/timeline.py`` and ``bench/timeline_checks.py``;
``python tests/timeline_history.py history.txt`` writes a year of it as a WhatsApp export (the
example of docs/timeline.md).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from powerlens.model import Conversation, Utterance

CONTROLLER = "Sam"
PARTNER = "Alex"

CATEGORY_PHRASES: dict[str, tuple[str, ...]] = {
    "monitoring": (
        "Send me a photo of where you are right now.",
        "Share your location with me now.",
        "Who are you texting?",
        "Give me your phone password.",
        "Why didn't you answer my calls?",
        "Who were you talking to at lunch?",
    ),
    "isolation": (
        "You're not seeing Jess again.",
        "Stop talking to your sister.",
        "Stay away from your friends from work.",
    ),
    "economic_control": (
        "Give me your bank card.",
        "Send me the receipts for everything you bought.",
        "Show me your bank statement.",
        "Hand over your wages on Friday.",
    ),
    "intimidation": (
        "Do that again and you'll regret it.",
        "You'll be sorry if you leave.",
        "Keep pushing me and see what happens.",
    ),
    "deciding_for_another": ("I'm booking your haircut, you don't get a say.",),
    "degradation": (
        "You're pathetic.",
        "You're so stupid.",
        "You look disgusting in that.",
        "You're useless at everything.",
    ),
    "regulating_everyday_life": (
        "You're not wearing that dress.",
        "You have to be home by 9.",
        "You're not eating that.",
        "You have to go to bed at ten.",
    ),
    "power_with": (
        "Shall we cook together tonight?",
        "Let's decide together.",
        "Let's plan the trip together, what do you think?",
    ),
    "power_to": (
        "I've decided to take the course.",
        "I'm going to sign up for the class.",
        "I've decided to start running again.",
    ),
    "self_critical": ("I'm useless at this.", "It's all my fault, I ruin everything."),
}
"""Phrases read as exactly one category (a control category, power_with, power_to or
self-critical talk) when said on their own after a line of chatter."""

REQUESTS = (
    "Can you come to my mum's on Sunday?",
    "Will you come to the cinema tonight?",
    "Can you help me move the sofa on Saturday?",
    "Come to the gym with me later?",
)
REFUSALS = (
    "No, I don't want to go.",
    "No, I can't this time.",
    "nah not tonight",
    "I'd rather not.",
    "No, I'm not coming.",
)
RESPONSES: dict[str, tuple[str, ...]] = {
    "respected": ("ok no worries", "fair enough, another time", "that's fine"),
    "pressured": ("come on, you always say that, it's one afternoon",),
    "punished": ("fine, then don't expect me to help you ever again",),
}
"""How the refused person answers; the punishing answer is also read as intimidation."""
PUNISHMENT_CATEGORY = "intimidation"
CAPITULATIONS = ("fine, whatever, I'll go", "ok fine, you win", "ok, I'll be there")

CHATTER = (
    "morning! sleep ok?",
    "did you see the match last night",
    "I'm stuck in traffic",
    "haha that's brilliant",
    "can't wait for the weekend",
    "the cat knocked over the plant again",
    "remember to buy milk",
    "thanks for dinner, it was lovely",
    "how was work",
    "long day, heading home now",
    "love you",
    "pasta sounds good",
    "the weather is awful today",
    "just landed",
    "mum says hi",
    "I finished the book, it was so good",
    "traffic is terrible",
    "the train is delayed again",
    "we're out of coffee",
    "ok",
    "yeah",
    "sounds good",
    "night x",
    "see you soon",
    "I'll be home around 6",
)
"""Everyday lines the moves family reads as no signal."""
NEUTRAL = tuple(c for c in CHATTER if c not in ("ok", "yeah", "sounds good", "pasta sounds good"))
"""Chatter that cannot be taken for agreeing (after pressure, "ok" reads as giving in)."""

MONDAY = dt.datetime(2023, 1, 2, tzinfo=dt.UTC)
"""The first day of every synthetic history (a Monday)."""


@dataclass(frozen=True)
class Plan:
    """What a synthetic history plants, and how much chatter surrounds it.

    ``rates``: category -> (times per week in the first week, in the last week), said by
    ``CONTROLLER``, changing linearly in between. ``refusals``: the same for ``PARTNER``'s
    refusals, each answered by ``responses`` (probabilities of respected / pressured /
    punished) and given in to with probability ``capitulate`` after pressure or punishment.
    ``initiate``: the chance that ``CONTROLLER`` opens a session. ``begins``: category -> the
    first week it is planted in (a step: none before, the rate from then on).
    """

    weeks: int = 26
    messages_per_day: float = 30.0
    rates: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    refusals: tuple[float, float] = (0.0, 0.0)
    responses: Mapping[str, float] = field(default_factory=lambda: {"respected": 1.0})
    capitulate: float = 0.0
    initiate: float = 0.5
    begins: Mapping[str, int] = field(default_factory=dict)
    seed: int = 0


@dataclass(frozen=True)
class Message:
    """One synthetic message: when, who, what, and what was planted in it (if anything)."""

    start: float
    speaker: str
    text: str
    planted: str | None = None
    session: int = 0


def rate_at(rate: tuple[float, float], week: int, weeks: int) -> float:
    """The planted rate per week in ``week`` (0-based), linear from first to last week."""
    first, last = rate
    return first + (last - first) * (week / max(1, weeks - 1))


def _episode(rng: np.random.Generator, plan: Plan) -> list[tuple[str, str, str | None]]:
    """A request refused, the answer, and perhaps giving in: (speaker, text, planted)."""
    kinds = list(plan.responses)
    kind = kinds[int(rng.choice(len(kinds), p=np.array([plan.responses[k] for k in kinds])))]
    lines: list[tuple[str, str, str | None]] = [
        (CONTROLLER, str(rng.choice(REQUESTS)), None),
        (PARTNER, str(rng.choice(REFUSALS)), f"refusal:{kind}"),
        (
            CONTROLLER,
            str(rng.choice(RESPONSES[kind])),
            PUNISHMENT_CATEGORY if kind == "punished" else None,
        ),
    ]
    if kind != "respected" and rng.random() < plan.capitulate:
        lines.append((PARTNER, str(rng.choice(CAPITULATIONS)), "capitulated"))
    # the refuser speaks again, so the answer is read from the planted reply alone
    lines.append((PARTNER, str(rng.choice(NEUTRAL)), None))
    return lines


def _planted_lines(
    rng: np.random.Generator, plan: Plan, week: int
) -> list[list[tuple[str, str, str | None]]]:
    """The planted pieces of one week, each a short run of lines kept together."""
    pieces: list[list[tuple[str, str, str | None]]] = []
    for category, rate in plan.rates.items():
        speaker = PARTNER if category == "self_critical" else CONTROLLER
        planted = rate_at(rate, week, plan.weeks) if week >= plan.begins.get(category, 0) else 0
        for _ in range(rng.poisson(max(0.0, planted))):
            pieces.append([(speaker, str(rng.choice(CATEGORY_PHRASES[category])), category)])
    for _ in range(rng.poisson(max(0.0, rate_at(plan.refusals, week, plan.weeks)))):
        pieces.append(_episode(rng, plan))
    return pieces


def history(plan: Plan) -> list[Message]:
    """The messages of one synthetic history, in time order."""
    rng = np.random.default_rng(plan.seed)
    messages: list[Message] = []
    session = 0
    for week in range(plan.weeks):
        days: list[list[list[tuple[str, str, str | None]]]] = [[] for _ in range(7)]
        for piece in _planted_lines(rng, plan, week):
            days[int(rng.integers(7))].append(piece)
        for day in range(7):
            midnight = MONDAY + dt.timedelta(days=week * 7 + day)
            n_chatter = int(rng.poisson(plan.messages_per_day))
            pieces: list[list[tuple[str, str, str | None]]] = [
                [(CONTROLLER if rng.random() < 0.5 else PARTNER, str(rng.choice(CHATTER)), None)]
                for _ in range(n_chatter)
            ]
            for piece in days[day]:
                pieces.insert(int(rng.integers(len(pieces) + 1)), piece)
            if not pieces:
                continue
            # Three sessions a day at 8:00, 13:00 and 19:00 (five hours apart or more).
            cuts = sorted(int(c) for c in rng.integers(0, len(pieces) + 1, size=2))
            for part, hour in zip(
                (pieces[: cuts[0]], pieces[cuts[0] : cuts[1]], pieces[cuts[1] :]),
                (8, 13, 19),
                strict=True,
            ):
                if not part:
                    continue
                session += 1
                opener = CONTROLLER if rng.random() < plan.initiate else PARTNER
                clock = midnight.timestamp() + hour * 3600
                first = True
                for piece in part:
                    for speaker, text, planted in piece:
                        if first and speaker != opener:
                            messages.append(
                                Message(clock, opener, str(rng.choice(CHATTER)), None, session)
                            )
                            clock += 60
                        first = False
                        messages.append(Message(clock, speaker, text, planted, session))
                        clock += int(rng.integers(20, 90))
    return messages


def truth_counts(messages: list[Message], label: str) -> np.ndarray:
    """Planted ``label`` per week (label: a category, ``refusal:<response>`` or
    ``capitulated``)."""
    start = MONDAY.timestamp()
    weeks = int((messages[-1].start - start) // (7 * 86400)) + 1 if messages else 0
    counts = np.zeros(weeks, dtype=np.int64)
    for m in messages:
        if m.planted == label:
            counts[int((m.start - start) // (7 * 86400))] += 1
    return counts


def conversation(messages: list[Message], id: str = "synthetic") -> Conversation:
    """The history as one ``Conversation`` (ids ``m0``, ``m1``, ...)."""
    utterances = tuple(
        Utterance(id=f"m{i}", speaker=m.speaker, text=m.text, start=m.start, line=i + 1)
        for i, m in enumerate(messages)
    )
    return Conversation(id=id, utterances=utterances, source=id)


def whatsapp(messages: list[Message], style: str = "android24") -> str:
    """The history as a WhatsApp export: ``android24``, ``android12``, ``ios24`` or ``ios12``."""
    lines = []
    for m in messages:
        when = dt.datetime.fromtimestamp(m.start, tz=dt.UTC)
        if style == "android24":
            stamp = f"{when:%d/%m/%Y, %H:%M} -"
        elif style == "android12":
            stamp = f"{when.month}/{when.day}/{when:%y}, {when:%I:%M}".replace(", 0", ", ")
            stamp += f"\u202f{when:%p} -"
        elif style == "ios24":
            stamp = f"[{when:%d/%m/%Y, %H:%M:%S}]"
        else:
            stamp = f"[{when.month}/{when.day}/{when:%y}, {when:%I:%M:%S}".replace(", 0", ", ")
            stamp += f" {when:%p}]"
        lines.append(f"{stamp} {m.speaker}: {m.text}")
    return "\n".join(lines) + "\n"




def placed(
    conversations: list[Conversation],
    roles: list[dict[str, str]],
    every_days: float = 4.0,
    id: str = "placed",
) -> Conversation:
    """Conversations set one after another as one history: the ``k``-th on day
    ``k * every_days`` at 19:00 (from ``MONDAY``), its messages two minutes apart, and each
    speaker renamed by ``roles[k]`` (a name not in it is kept)."""
    utterances = []
    for k, (c, rename) in enumerate(zip(conversations, roles, strict=True)):
        start = MONDAY.timestamp() + k * every_days * 86400 + 19 * 3600
        for i, u in enumerate(c.utterances):
            utterances.append(
                Utterance(
                    id=f"{c.id}:{i + 1}",
                    speaker=rename.get(u.speaker, u.speaker),
                    text=u.text,
                    start=start + 120 * i,
                    line=u.line,
                )
            )
    return Conversation(id=id, utterances=tuple(utterances), source=id)


__all__ = [
    "CATEGORY_PHRASES",
    "CHATTER",
    "CONTROLLER",
    "PARTNER",
    "Message",
    "Plan",
    "conversation",
    "history",
    "placed",
    "rate_at",
    "truth_counts",
    "whatsapp",
]


EXAMPLE = Plan(
    weeks=52,
    messages_per_day=12.0,
    rates={
        "monitoring": (0.5, 4.0),
        "degradation": (0.2, 1.5),
        "power_with": (3.0, 1.0),
        "power_to": (1.0, 1.0),
        "self_critical": (0.2, 1.0),
    },
    begins={"degradation": 20},
    refusals=(1.0, 1.5),
    responses={"respected": 0.5, "pressured": 0.3, "punished": 0.2},
    capitulate=0.5,
    seed=2024,
)
"""A year in which monitoring and degradation rise and Power With fades (docs/timeline.md)."""


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "history.txt"
    with open(target, "w", encoding="utf-8") as out:
        out.write(whatsapp(history(EXAMPLE)))
    print(f"wrote {target}", file=sys.stderr)
