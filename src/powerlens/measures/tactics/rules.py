"""Tactic labels (the MentalManip taxonomy) and the rule layer of the tactic family.

Labels follow Wang et al., "MentalManip: A Dataset For Fine-grained Analysis of Mental
Manipulation in Conversations", ACL 2024, so results compare with the literature; the dataset's
technique names map to them through ``MENTALMANIP_NAMES``. Rules are unambiguous surface forms
in ``lexicons/tactics/rules.tsv`` (reality denial, memory undermining, trivialising, conditional
threats, ...), reported as ``rule:<name>``. ``rule_hits`` keeps a match only as the speaker's
own act: one that is negated, quoted or reported, hypothetical, or in an utterance marked as a
joke is dropped (shared checks in ``powerlens.language.rules``, plus reporting verbs just before
the match), except that a rule about jokes themselves ("it was just a joke, relax") is not
discounted as a joke. Rules scoring at least ``DEFAULT_THRESHOLD`` give signals; weaker ones
only feed the model.

Kept apart because the model (``tactics_model``), the measure (``tactics``) and the training
script all build on these labels and hits.

Known limits: English surface patterns; sarcasm, banter and quoting that the context checks
miss still match; a hit is a pattern to explore, never a judgement of a person.
"""

from __future__ import annotations

import re

from powerlens.language.rules import Rule, discount, find, is_joke

LABELS = (
    "denial",
    "evasion",
    "feigning_innocence",
    "rationalization",
    "playing_victim",
    "playing_servant",
    "shaming_belittlement",
    "intimidation",
    "brandishing_anger",
    "accusation",
    "persuasion_seduction",
)
MENTALMANIP_NAMES = {
    "Denial": "denial",
    "Evasion": "evasion",
    "Feigning Innocence": "feigning_innocence",
    "Rationalization": "rationalization",
    "Playing Victim Role": "playing_victim",
    "Playing Servant Role": "playing_servant",
    "Shaming or Belittlement": "shaming_belittlement",
    "Intimidation": "intimidation",
    "Brandishing Anger": "brandishing_anger",
    "Accusation": "accusation",
    "Persuasion or Seduction": "persuasion_seduction",
}
"""MentalManip's technique names mapped to the labels used here."""

DEFAULT_THRESHOLD = 0.5
"""A signal is reported when its score reaches this; rule scores under it only feed the model."""
RULES_FILE = "tactics/rules.tsv"
NO_JOKE_DISCOUNT = frozenset({"trivialising"})
"""Rule subtypes that are about jokes themselves ("it was just a joke, relax")."""
EXTRA_REPORTING = re.compile(
    r"\b(?:saying|insisted|insists|kept saying|keeps saying|replied|claims|denied|denies)\b"
    r"[\s,:]*$",
    re.IGNORECASE,
)


_PREFILTERS: dict[int, tuple[tuple[Rule, ...], re.Pattern[str]]] = {}


def _prefilter(rules: tuple[Rule, ...]) -> re.Pattern[str]:
    """One alternation of every rule: a turn that it does not match has no rule hit.

    Memoised by identity (``load_rules`` returns the same tuple): hashing 60 rules per turn
    would cost more than the match.
    """
    got = _PREFILTERS.get(id(rules))
    if got is None or got[0] is not rules:
        pattern = re.compile("|".join(f"(?:{r.pattern.pattern})" for r in rules), re.IGNORECASE)
        _PREFILTERS[id(rules)] = got = (rules, pattern)
    return got[1]


def rule_hits(text: str, rules: tuple[Rule, ...]) -> list[tuple[Rule, tuple[int, int]]]:
    """Rule matches in ``text`` that count as the speaker's own act (not negated/reported/joke)."""
    if _prefilter(rules).search(text) is None:
        return []
    hits = []
    joke = None
    for rule, span in find(rules, text):
        if discount(text, span[0]) is not None:
            continue
        if EXTRA_REPORTING.search(text[max(0, span[0] - 30) : span[0]]):
            continue
        if rule.subtype not in NO_JOKE_DISCOUNT:
            if joke is None:
                joke = is_joke(text)
            if joke:
                continue
        hits.append((rule, span))
    return hits
