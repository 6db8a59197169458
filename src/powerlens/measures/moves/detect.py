"""Per-utterance power moves: bases of power, resources, stance, proposals, refusals, self-talk.

Bases of power follow French & Raven (1959) and Raven (1965); Power Over / With / To follows
VeneKlasen & Miller (2002); control acts (monitoring, isolation, economic control, deciding for
another) follow Stark (2007). The rules are TSV data in ``lexicons/moves/`` (each file cites its
sources) and match case-insensitively on the utterance text.

Context handling (shared with other families through ``powerlens.language.rules``):

- a cue that is negated ("I would never threaten you"), reported or quoted ("she said 'or
  else'") or hypothetical ("imagine if I said you can't go") is dropped;
- in an utterance marked as a joke ("lol", "jk", laughing emoji) coercive, power_over and
  self-critical matches are dropped (teasing is not a threat), other families stay;
- questions that look like commands: a ``command`` match inside a can/could/would/will-you
  question ("could you pass the salt?", "will you clean your room?") is a request that leaves
  room for a no, so it is not counted as power_over; the strongest commands (score >= 0.85,
  e.g. "can you just shut up?") still count.

Known limits: English only; patterns, not parsing, so long-distance or implicit threats ("it
would be a shame if something happened to your car") and sarcasm are missed; an unmarked joke
("I'll kill you if you spoil the ending") is read literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from powerlens.language.rules import Rule, discount, find, is_joke, load_rules

RULE_FILES = {
    "power_base": "moves/bases.tsv",
    "resource": "moves/resources.tsv",
    "stance": "moves/stance.tsv",
    "proposal": "moves/proposals.tsv",
    "boundary": "moves/boundaries.tsv",
    "self_talk": "moves/self_talk.tsv",
}
"""Rule file for each family; files also hold the reply cues the turn structures use."""

SIGNAL_LABELS = {
    "power_base": frozenset(
        {"expert", "referent", "legitimate", "coercive", "reward", "informational"}
    ),
    "resource": frozenset({"money", "time", "social_capital", "position", "expertise"}),
    "stance": frozenset({"power_over", "power_with", "power_to"}),
    "proposal": frozenset({"proposal"}),
    "boundary": frozenset({"refusal"}),
    "self_talk": frozenset({"self_critical", "appeasement"}),
}
"""Labels that become signals; other labels in the files are reply cues."""

JOKE_DROPS = frozenset({"coercive", "power_over", "self_critical"})
REQUEST_FRAME = re.compile(
    r"^\W*(?:please,?\s+|so,?\s+|hey,?\s+|um+,?\s+|hi,?\s+)?(?:can|could|would|will|won't|can't)"
    r"\s+(?:you|u|ya)\b|^\W*(?:please,?\s+)?(?:would|do)\s+you\s+mind\b",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
STRONG_COMMAND = 0.85


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


def sentence_at(text: str, start: int) -> str:
    """The sentence of ``text`` that contains character ``start``."""
    for match in SENTENCE.finditer(text):
        if match.start() <= start < match.end():
            return match.group()
    return text


def is_request_question(text: str, start: int) -> bool:
    """The match sits in a can/could/would/will-you question: a polite request, not an order."""
    sentence = sentence_at(text, start)
    return sentence.rstrip().endswith("?") and REQUEST_FRAME.search(sentence) is not None


def _keep(rule: Rule, family: str, text: str, start: int) -> bool:
    if discount(text, start) is not None:
        return False
    if rule.label in JOKE_DROPS and is_joke(text):
        return False
    return not (
        family == "stance"
        and rule.subtype == "command"
        and rule.score < STRONG_COMMAND
        and is_request_question(text, start)
    )


def _dedupe(hits: Iterable[Hit]) -> list[Hit]:
    """Per (label, subtype), keep the strongest of overlapping matches."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-h.score, h.span)):
        if any(
            k.label == hit.label
            and k.family == hit.family
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


def family_hits(text: str) -> dict[str, list[Hit]]:
    """Per family, the matches of every label (signals and reply cues) that survive the checks.

    The overlap filter compares hits of one label only, so filtering this by label gives the
    same hits as matching that label alone.
    """
    norm = normalise(text)
    every, family_of = _all_rules()
    found: dict[str, list[Hit]] = {family: [] for family in RULE_FILES}
    for rule, span in find(every, norm):
        family = family_of[id(rule)]
        if _keep(rule, family, norm, span[0]):
            found[family].append(Hit(family, rule.label, rule.subtype, span, rule.score, rule.name))
    return {family: _dedupe(found_hits) for family, found_hits in found.items()}


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
