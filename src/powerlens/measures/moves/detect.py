"""Per-utterance power moves: the speech-act reading plus the rule files that remain data.

Most of what an utterance does comes from the speech-act layer (``language.acts``) through
``moves.control``: control acts (power_over with a category), Power With / To, threats and
promises (coercive and reward power), proposals, acceptances and refusals. The rule files in
``lexicons/moves/`` hold the rest: the bases of power read from their wording (expert, referent,
legitimate, informational; French & Raven 1959, Raven 1965), resources invoked, self-talk, and
the reply cues the turn structures read (respect, pressure, punishment, giving in; reject,
counter, defer, settle, combine).

Context handling (shared with other families through ``powerlens.language.rules``): a cue that
is negated ("I would never threaten you"), reported or quoted ("she said 'or else'") or
hypothetical ("imagine if I said you can't go") is dropped; in an utterance marked as a joke
("lol", "jk", laughing emoji) threats, insults and self-critical matches are dropped.

Known limits: English only; patterns over words, not parsing, so long-distance or implicit
threats ("it would be a shame if something happened to your car" is read; subtler ones are not)
and sarcasm are missed; an unmarked joke is read literally.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from powerlens.language.acts import Reading, read, scan_with
from powerlens.language.acts import forget as forget_readings
from powerlens.language.rules import Rule, discount, find, is_joke, load_rules
from powerlens.measures.moves.control import (
    COMMANDS,
    PROHIBITIONS,
    controls,
    proposal_kind,
    with_kind,
)

RULE_FILES = {
    "power_base": "moves/bases.tsv",
    "resource": "moves/resources.tsv",
    "proposal": "moves/proposals.tsv",
    "boundary": "moves/boundaries.tsv",
    "self_talk": "moves/self_talk.tsv",
}
"""Rule file for each family; files also hold the reply cues the turn structures use."""
FAMILIES = ("act", "stance", *RULE_FILES)

SIGNAL_LABELS = {
    "power_base": frozenset(
        {"expert", "referent", "legitimate", "coercive", "reward", "informational"}
    ),
    "resource": frozenset({"money", "time", "social_capital", "position", "expertise"}),
    "act": frozenset(
        {
            "directive",
            "request",
            "prohibition",
            "question",
            "offer",
            "proposal",
            "acceptance",
            "refusal",
            "commitment",
            "threat",
            "promise",
            "appeal_guilt",
            "appeal_loyalty",
            "dismissal",
            "decision",
            "agency",
        }
    ),
    "stance": frozenset({"power_over", "power_with", "power_to"}),
    "proposal": frozenset({"proposal"}),
    "boundary": frozenset({"refusal"}),
    "self_talk": frozenset({"self_critical", "appeasement"}),
}
"""Labels that become signals; other labels in the files are reply cues."""

JOKE_DROPS = frozenset({"self_critical"})
DISMISSING = frozenset({"acts.dismissal.undervalue", "acts.dismissal.minimize"})
"""Dismissals of a need or a concern ("you don't need firewood", "don't make this a big
thing"): power over (``dismissing``) without putting the person down."""
PUNISHING_ACTS = frozenset({"acts.dismissal.insult", "acts.dismissal.belittle"})
"""Act rules that, in a reply to a refusal, punish it (threats count through coercive power)."""


@dataclass(frozen=True)
class Hit:
    """One rule that fired on one utterance: family, label, optional subtype, span, score."""

    family: str
    label: str
    subtype: str | None
    span: tuple[int, int]
    score: float
    rule: str


def normalise(text: str) -> str:
    """The text with curly apostrophes made straight (same length, so spans stay valid)."""
    return text.replace("’", "'").replace("‘", "'") if "’" in text or "‘" in text else text


def rules(family: str) -> tuple[Rule, ...]:
    """The rules of one family's file."""
    return load_rules(RULE_FILES[family])


def _keep(rule: Rule, text: str, start: int) -> bool:
    if discount(text, start) is not None:
        return False
    return not (rule.label in JOKE_DROPS and is_joke(text))


def reading_hits(reading: Reading) -> dict[str, list[Hit]]:
    """Per family, the hits the speech-act reading gives (acts, stance, bases, proposals,
    refusals, and the acceptance and punishment cues the turn structures read)."""
    found: dict[str, list[Hit]] = {family: [] for family in FAMILIES}
    for act in reading.acts:
        found["act"].append(Hit("act", act.act, act.target, act.span, act.score, act.rule))
        rule = act.rule
        kind = with_kind(act)
        if kind is not None:
            found["stance"].append(Hit("stance", "power_with", kind, act.span, act.score, rule))
        if act.act == "agency":
            found["stance"].append(Hit("stance", "power_to", "agency", act.span, act.score, rule))
        if act.act == "threat":
            found["power_base"].append(
                Hit("power_base", "coercive", act.kind, act.span, act.score, rule)
            )
        elif act.act == "promise":
            found["power_base"].append(
                Hit("power_base", "reward", act.kind, act.span, act.score, rule)
            )
        elif act.act == "proposal":
            found["proposal"].append(
                Hit("proposal", "proposal", proposal_kind(act), act.span, act.score, rule)
            )
        elif act.act == "offer" and act.target == "self":
            found["proposal"].append(
                Hit("proposal", "proposal", "offer", act.span, act.score, rule)
            )
        elif act.act == "acceptance":
            found["proposal"].append(Hit("proposal", "accept", None, act.span, act.score, rule))
        elif act.act == "refusal":
            bare = "bare" if "bare" in rule else "explicit"
            found["boundary"].append(Hit("boundary", "refusal", bare, act.span, act.score, rule))
        elif rule in COMMANDS:
            found["stance"].append(
                Hit("stance", "power_over", "command", act.span, act.score, rule)
            )
        elif rule in PROHIBITIONS:
            found["stance"].append(
                Hit("stance", "power_over", "prohibition", act.span, act.score, rule)
            )
        elif act.act == "dismissal" and rule in DISMISSING:
            found["stance"].append(
                Hit("stance", "power_over", "dismissing", act.span, act.score, rule)
            )
        if act.act == "appeal_guilt" or rule in PUNISHING_ACTS:
            found["boundary"].append(Hit("boundary", "punish", act.act, act.span, act.score, rule))
    found_controls = controls(reading)
    if found_controls:  # a command or prohibition read as a control act counts once, as that
        found["stance"] = [
            h
            for h in found["stance"]
            if h.subtype not in ("command", "prohibition")
            or not any(c.span[0] < h.span[1] and h.span[0] < c.span[1] for c in found_controls)
        ]
    for control in found_controls:
        found["stance"].append(
            Hit("stance", "power_over", control.category, control.span, control.score, control.rule)
        )
    return found


def _dedupe(hits: Iterable[Hit]) -> list[Hit]:
    """Per (label, subtype), keep the strongest of overlapping matches."""
    if not isinstance(hits, list):
        hits = list(hits)
    if len(hits) < 2:  # nothing to compare (most families, most texts)
        return hits[:]
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-h.score, h.span)):
        if any(
            k.label == hit.label
            and k.family == hit.family
            and (k.subtype == hit.subtype or hit.family != "stance")
            and k.span[0] < hit.span[1]
            and hit.span[0] < k.span[1]
            for k in kept
        ):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: (h.span, h.family, h.label))


@cache
def _all_rules() -> tuple[tuple[Rule, ...], dict[int, str]]:
    """Every family's rules in one tuple (one prefilter pass per text), and each rule's family."""
    every = tuple(rule for family in RULE_FILES for rule in rules(family))
    family_of = {id(rule): family for family in RULE_FILES for rule in rules(family)}
    return every, family_of


def _scanned_with_acts() -> tuple[tuple[Rule, ...], ...]:
    """The rule tuples the speech-act reading's scan of a text also serves: every family's
    rules here (read right after the acts, from the same scan)."""
    return (_all_rules()[0],)


scan_with(_scanned_with_acts)


@lru_cache(maxsize=65536)
def family_hits(text: str) -> dict[str, list[Hit]]:
    """Per family, the matches of every label (signals and reply cues) that survive the checks.

    The overlap filter compares hits of one label only, so filtering this by label gives the
    same hits as matching that label alone. Remembered for the last texts asked about
    (``match_families`` does the same without remembering).
    """
    return match_families(text)


def forget() -> None:
    """Drop the remembered matches and readings of texts (``family_hits``,
    ``acts.forget``)."""
    family_hits.cache_clear()
    forget_readings()


def match_families(text: str) -> dict[str, list[Hit]]:
    """``family_hits`` of ``text``, not remembered (for a caller that keeps its own)."""
    norm = normalise(text)
    every, family_of = _all_rules()
    found = reading_hits(read(text))
    for rule, span in find(every, norm):
        family = family_of[id(rule)]
        if _keep(rule, norm, span[0]):
            found[family].append(Hit(family, rule.label, rule.subtype, span, rule.score, rule.name))
    return {  # (a list of fewer than two hits is fresh here and has nothing to dedupe)
        family: found_hits if len(found_hits) < 2 else _dedupe(found_hits)
        for family, found_hits in found.items()
    }


def signal_hits(by_family: dict[str, list[Hit]]) -> list[Hit]:
    """The signal-producing hits of ``family_hits``, family by family."""
    return [
        hit
        for family, labels in SIGNAL_LABELS.items()
        for hit in by_family[family]
        if hit.label in labels
    ]


def hits(text: str, family: str, labels: frozenset[str] | None = None) -> list[Hit]:
    """Rule matches of one family in ``text`` that survive the context checks.

    ``labels`` restricts to some labels (default: the family's signal labels).
    """
    wanted = SIGNAL_LABELS[family] if labels is None else labels
    return [hit for hit in family_hits(text)[family] if hit.label in wanted]


def cues(text: str, family: str, label: str) -> list[Hit]:
    """Reply cues (``accept``, ``pressure``, ...) of ``label`` from one family's file."""
    return hits(text, family, frozenset({label}))


def utterance_hits(text: str) -> list[Hit]:
    """All signal-producing matches in one utterance (refusals include the gated ``bare`` ones)."""
    return signal_hits(family_hits(text))
