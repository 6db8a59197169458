"""The dyad family's session summary: MITI counts and ratios, thresholds, power index.

``DyadPartial`` is the additive tally that ``Dyad.map`` fills per session and ``Dyad.combine``
adds; ``summarize`` turns it into the ``dyad`` report section. Per session it reports the
helper's share of words and turns, the counts and ratios MITI uses, where the session lands
against MITI 4.2.1 thresholds (Moyers, Manuel & Ernst 2014: reflection-to-question ratio 1:1
fair, 2:1 good; complex reflections 40% fair, 50% good) and the MITI 3.1.1 open-question
thresholds (Moyers et al. 2010: 50% fair, 70% good), and one **power-differential index** in
[0, 1]: a fixed, untrained mean of components, each the share of the helper-controlled side of
one MI contrast (talk, questions over reflections, closed over open, simple over complex,
directive over autonomy-supporting, input without permission over all input, pressured refusals
over all refusals). A component with little evidence weighs less (weight n / (n + 2)); one with
none is left out.

Kept apart from the detectors: it sees only counts, so ``power_index`` can be computed from any
coder's codes (``powerlens.validation.dyad`` also runs it on AnnoMI's human codes).

Known limits: the weights are fixed, not fitted; the index describes one session's talk, never
the person, and is a signal to explore, not a fidelity rating (MITI's global scores need a
trained human coder).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from powerlens.model import Signal

FIDELITY: dict[str, dict[str, Any]] = {
    "reflection_to_question": {"fair": 1.0, "good": 2.0, "instrument": "MITI 4.2.1"},
    "percent_complex_reflections": {"fair": 0.4, "good": 0.5, "instrument": "MITI 4.2.1"},
    "percent_open_questions": {"fair": 0.5, "good": 0.7, "instrument": "MITI 3.1.1"},
}
"""Thresholds from the MITI manuals (4.2.1: Moyers et al. 2014; 3.1.1: Moyers et al. 2010)."""

COMPONENTS = {
    "talk_share": "helper's share of the words spoken",
    "questions_over_reflections": "questions / (questions + reflections)",
    "closed_questions": "closed / all questions",
    "simple_reflections": "simple / all reflections",
    "directive_moves": "directive / (directive + autonomy-supporting) moves",
    "advice_without_permission": "advice given without permission / all advice (information is"
    " neutral in MITI 4.2.1 and left out)",
    "pressured_refusals": "client refusals met with pressure / all client refusals",
}
"""Components of the power-differential index: 1 is the helper-controlled end of each contrast."""


@dataclass
class DyadPartial:
    """Additive counts for one or more sessions, plus the evidence behind them."""

    counts: Counter[str] = field(default_factory=Counter)
    signals: list[Signal] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    decisions: list[str] = field(default_factory=list)
    helpers: list[str] = field(default_factory=list)


def _ratio(x: float, n: float) -> float | None:
    return x / n if n else None


def _level(name: str, value: float | None) -> dict[str, Any]:
    limits = FIDELITY[name]
    level = None
    if value is not None:
        level = (
            "good"
            if value >= limits["good"]
            else "fair"
            if value >= limits["fair"]
            else "below fair"
        )
    return {"value": value, "level": level, **limits}


def power_index(parts: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """The index from ``{component: (helper-side count, total)}``: an evidence-weighted mean."""
    components: dict[str, dict[str, Any]] = {}
    total = weighted = 0.0
    for name, (x, n) in parts.items():
        value = _ratio(x, n)
        weight = 1.0 if name == "talk_share" and n else n / (n + 2) if n else 0.0
        components[name] = {
            "value": value,
            "n": n,
            "weight": round(weight, 4),
            "description": COMPONENTS[name],
        }
        if value is not None:
            total += weight
            weighted += weight * value
    return {
        "value": round(weighted / total, 4) if total else None,
        "components": components,
        "method": "mean of components weighted by n/(n+2) (talk share: 1); fixed, not trained",
    }


def summarize(partial: DyadPartial) -> dict[str, Any]:
    """The ``dyad`` section: counts, ratios, MITI thresholds and the power-differential index."""
    c = partial.counts
    questions = c["open_question"] + c["closed_question"]
    reflections = c["simple_reflection"] + c["complex_reflection"]
    words = c["helper_words"] + c["client_words"]
    turns = c["helper_turns"] + c["client_turns"]
    moves = c["directive"] + c["autonomy_support"]
    refusals = c["refusals_respected"] + c["refusals_pressured"]
    parts = {
        "talk_share": (c["helper_words"], words),
        "questions_over_reflections": (questions, questions + reflections),
        "closed_questions": (c["closed_question"], questions),
        "simple_reflections": (c["simple_reflection"], reflections),
        "directive_moves": (c["directive"], moves),
        "advice_without_permission": (c["advice_unpermitted"], c["advice"]),
        "pressured_refusals": (c["refusals_pressured"], refusals),
    }
    rq = _ratio(reflections, questions)
    return {
        "helper": next((h for h in partial.helpers if h), None),
        "helper_decision": "; ".join(partial.decisions),
        "sessions": c["sessions"],
        "talk": {
            "helper_words": c["helper_words"],
            "client_words": c["client_words"],
            "helper_word_share": _ratio(c["helper_words"], words),
            "helper_turns": c["helper_turns"],
            "client_turns": c["client_turns"],
            "helper_turn_share": _ratio(c["helper_turns"], turns),
        },
        "questions": {
            "open": c["open_question"],
            "closed": c["closed_question"],
            "percent_open": _ratio(c["open_question"], questions),
        },
        "reflections": {
            "simple": c["simple_reflection"],
            "complex": c["complex_reflection"],
            "percent_complex": _ratio(c["complex_reflection"], reflections),
        },
        "reflection_to_question": rq,
        "affirmations": c["affirm"],
        "input": {
            "with_permission": c["advice_with_permission"],
            "without_permission": c["advice_without_permission"],
            "advice": c["advice"],
            "information": c["information"],
        },
        "moves": {
            "directive": c["directive"],
            "autonomy_support": c["autonomy_support"],
            "permission_asks": c["permission_asks"],
        },
        "refusals": {
            "count": refusals,
            "respected": c["refusals_respected"],
            "pressured": c["refusals_pressured"],
            "events": partial.refusals,
        },
        "client_talk": {
            "change": c["change_talk"],
            "sustain": c["sustain_talk"],
            "change_share": _ratio(c["change_talk"], c["change_talk"] + c["sustain_talk"]),
        },
        "fidelity": {
            "reflection_to_question": _level("reflection_to_question", rq),
            "percent_complex_reflections": _level(
                "percent_complex_reflections", _ratio(c["complex_reflection"], reflections)
            ),
            "percent_open_questions": _level(
                "percent_open_questions", _ratio(c["open_question"], questions)
            ),
        },
        "index": power_index(parts),
    }
