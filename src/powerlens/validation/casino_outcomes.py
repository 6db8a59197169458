"""Outcomes beyond the chat in CaSiNo: does one side's power over go with how the partner felt?

After each negotiation both people answered how satisfied they were and how much they liked the
other (five-point scales, ``SCALES``). Here a person is *exposed* when their partner's chat
carries any ``power_over`` signal (``validation.casino`` reads the chat only). Association, not
cause: the harder negotiations may bring both the power-over talk and the dissatisfaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from powerlens.validation.casino import Read


SCALES = {
    "satisfaction": (
        "Extremely dissatisfied", "Slightly dissatisfied", "Undecided", "Slightly satisfied",
        "Extremely satisfied",
    ),
    "opponent_likeness": (
        "Extremely dislike", "Slightly dislike", "Undecided", "Slightly like", "Extremely like",
    ),
}  # fmt: skip
"""The post-negotiation questions, scored 1 to 5 in this order."""
RESAMPLES = 2000
SEED = 14


def _outcome(dialogue: dict[str, Any], agent: str, key: str) -> float | None:
    value = dialogue["participant_info"].get(agent, {}).get("outcomes", {}).get(key)
    scale = SCALES[key]
    return float(scale.index(value) + 1) if value in scale else None


def score_outcomes(reads: list[Read]) -> dict[str, Any]:
    """Does a side's power_over go with the partner's lower satisfaction and liking?

    Two statistics per outcome, each with a 95% bootstrap interval over dialogues (the two
    people in a dialogue are not independent, so dialogues are resampled whole, ``RESAMPLES``
    times, seed ``SEED``): ``between``, the mean outcome of people whose partner used any
    power_over signal minus that of people whose partner used none; ``within``, in dialogues
    where exactly one side used power_over, the partner's outcome minus the user's own (the same
    negotiation, so the deal's difficulty is held fixed). Association, not cause.
    """
    exposed_by: list[tuple[dict[str, Any], dict[str, bool]]] = []
    for r in reads:
        agents = sorted(r.dialogue["participant_info"])
        over = {
            a: any(
                s.family == "stance" and s.label == "power_over"
                for s in r.signals
                if s.speaker == a
            )
            for a in agents
        }
        if len(agents) == 2:
            exposed_by.append(
                (r.dialogue, {a: over[b] for a, b in zip(agents, agents[::-1], strict=True)})
            )
    rng = np.random.default_rng(SEED)
    draws = rng.integers(0, max(len(exposed_by), 1), size=(RESAMPLES, len(exposed_by)))
    found: dict[str, Any] = {
        "people": 2 * len(exposed_by),
        "exposed": sum(sum(e.values()) for _, e in exposed_by),
    }
    for key in SCALES:
        sums = np.zeros((len(exposed_by), 4))  # exposed sum, n, unexposed sum, n
        pairs = []
        for i, (dialogue, exposed) in enumerate(exposed_by):
            for agent, hit in exposed.items():
                value = _outcome(dialogue, agent, key)
                if value is not None:
                    sums[i, 0 if hit else 2] += value
                    sums[i, 1 if hit else 3] += 1
            if sum(exposed.values()) == 1:
                target = next(a for a, hit in exposed.items() if hit)
                user = next(a for a in exposed if a != target)
                t, u = _outcome(dialogue, target, key), _outcome(dialogue, user, key)
                if t is not None and u is not None:
                    pairs.append(t - u)
        found[key] = {
            "between": _between(sums, draws),
            "within": _within(np.array(pairs), rng),
        }
    return found


def _between(sums: np.ndarray, draws: np.ndarray) -> dict[str, Any]:
    total = sums.sum(axis=0)
    if not total[1] or not total[3]:
        return {"n_exposed": int(total[1]), "n_other": int(total[3]), "difference": None}
    boot = sums[draws].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        diffs = boot[:, 0] / boot[:, 1] - boot[:, 2] / boot[:, 3]
    low, high = np.nanpercentile(diffs, [2.5, 97.5])
    return {
        "n_exposed": int(total[1]),
        "n_other": int(total[3]),
        "mean_exposed": total[0] / total[1],
        "mean_other": total[2] / total[3],
        "difference": total[0] / total[1] - total[2] / total[3],
        "ci95": (float(low), float(high)),
    }


def _within(pairs: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    if not len(pairs):
        return {"dialogues": 0, "difference": None}
    boot = pairs[rng.integers(0, len(pairs), size=(RESAMPLES, len(pairs)))].mean(axis=1)
    low, high = np.percentile(boot, [2.5, 97.5])
    return {
        "dialogues": len(pairs),
        "difference": float(pairs.mean()),
        "ci95": (float(low), float(high)),
    }
