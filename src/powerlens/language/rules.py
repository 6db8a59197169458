"""Pattern rules kept as data, and the context checks every rule-based family shares.

A rule file is TSV in ``powerlens/lexicons/`` with a commented header naming its source::

    # source: French & Raven (1959); patterns written for powerlens
    # name<TAB>label<TAB>subtype<TAB>score<TAB>regex
    coercive.or_else	coercive	-	0.9	\\bor else\\b

Rules match case-insensitively on the utterance text, so spans index straight into it.
The context checks answer the hard negatives: a negated cue ("I would never threaten you"),
reported speech ("she said 'or else'"), a hypothetical ("if I said you were useless...") and
a joke marked as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib import resources

from powerlens.language.prefilter import Prefilter, Selection, alternation, fold, needles


@dataclass(frozen=True)
class Rule:
    """One named pattern; ``name`` is what a signal's ``source`` cites (``rule:<name>``)."""

    name: str
    label: str
    subtype: str | None
    score: float
    pattern: re.Pattern[str]


@cache
def load_rules(resource: str) -> tuple[Rule, ...]:
    """Rules from ``powerlens/lexicons/<resource>`` (a TSV file as described above)."""
    text = resources.files("powerlens.lexicons").joinpath(resource).read_text(encoding="utf-8")
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 5:
            raise ValueError(
                f"{resource}:{number}: expected 5 tab-separated fields, got {len(fields)}"
            )
        name, label, subtype, score, regex = fields
        try:
            pattern = re.compile(regex, re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"{resource}:{number}: bad regex: {error}") from None
        rules.append(
            Rule(name, label, None if subtype in ("", "-") else subtype, float(score), pattern)
        )
    return tuple(rules)


_PREFILTERS: dict[int, tuple[tuple[Rule, ...], Prefilter]] = {}
"""Prefilters by identity of the rule tuple (rule tuples are cached, so few and long-lived)."""


def prefilter(rules: tuple[Rule, ...]) -> Prefilter:
    """The prefilter of a rule tuple, built on first use."""
    entry = _PREFILTERS.get(id(rules))
    if entry is None or entry[0] is not rules:
        if len(_PREFILTERS) >= 256:
            _PREFILTERS.clear()
        entry = (rules, Prefilter([rule.pattern for rule in rules]))
        _PREFILTERS[id(rules)] = entry
    return entry[1]


def find(rules: tuple[Rule, ...], text: str) -> Iterator[tuple[Rule, tuple[int, int]]]:
    """Every rule match in ``text`` with its character span, in rule order.

    The prefilter (``language.prefilter``) says which rules can match and where: word rules
    come from one combined scan, rules with known first words are tried only where those
    words start, other rules are scanned only if their needles occur. The matches are those
    of scanning each rule's pattern over the whole text. A tuple that is part of a ``Shared``
    scan uses that scan's answer for the text.
    """
    shared = _SHARED.get(id(rules))
    if shared is not None and shared.covers(rules):
        return shared.find(rules, text)
    found = prefilter(rules).select(text)
    selected = found.spans.keys() | found.starts.keys() | found.candidates
    return _run(rules, text, found, [(index, index) for index in sorted(selected)])


def _run(
    rules: tuple[Rule, ...], text: str, found: Selection, chosen: list[tuple[int, int]]
) -> Iterator[tuple[Rule, tuple[int, int]]]:
    """The matches of the ``chosen`` rules: (index in ``rules``, place among the patterns
    ``found`` is about), in order."""
    scanned: dict[int, list[tuple[int, int]]] = {}  # rules sharing a pattern scan it once
    for index, place in chosen:
        rule = rules[index]
        spans = found.spans.get(place) or scanned.get(id(rule.pattern))
        if spans is None:
            if place in found.starts:
                spans = _matches_from(rule.pattern, text, found.starts[place])
            else:
                spans = [m.span() for m in rule.pattern.finditer(text) if m.end() > m.start()]
            scanned[id(rule.pattern)] = spans
        for span in spans:
            yield rule, span


class Shared:
    """Several rule tuples (``groups``) with one prefilter: one pass over a text serves them
    all, and its answer is kept for the next group asked about the same text.

    ``find(group, text)`` gives what ``find`` gives for the group alone.
    """

    def __init__(self, groups: Sequence[tuple[Rule, ...]]) -> None:
        every: list[Rule] = []
        place: dict[int, int] = {}
        self.places: dict[int, tuple[tuple[Rule, ...], dict[int, int]]] = {}
        """Per group (by identity): the group, and for each place of its rules, its index."""
        for group in groups:
            for rule in group:
                if id(rule) not in place:
                    place[id(rule)] = len(every)
                    every.append(rule)
            index_of = {place[id(rule)]: index for index, rule in enumerate(group)}
            self.places[id(group)] = (group, index_of)
        self.prefilter = Prefilter([rule.pattern for rule in every])
        self.select = lru_cache(maxsize=16384)(self.prefilter.select)
        for group in groups:
            _SHARED[id(group)] = self

    def covers(self, rules: tuple[Rule, ...]) -> bool:
        """True when ``rules`` is one of the groups."""
        entry = self.places.get(id(rules))
        return entry is not None and entry[0] is rules

    def find(
        self, rules: tuple[Rule, ...], text: str, only: frozenset[str] | None = None
    ) -> Iterator[tuple[Rule, tuple[int, int]]]:
        """``find(rules, text)`` for one of the groups (only the rules named in ``only``)."""
        found = self.select(text)
        chosen = self._chosen(rules, found)
        group = self.places[id(rules)][0]
        if only is not None:
            chosen = [(index, place) for index, place in chosen if group[index].name in only]
        return _run(group, text, found, chosen)

    def possible(self, rules: tuple[Rule, ...], text: str) -> list[int]:
        """The indices of the rules of a group that the prefilter lets run on ``text``."""
        return [index for index, _ in self._chosen(rules, self.select(text))]

    def _chosen(self, rules: tuple[Rule, ...], found: Selection) -> list[tuple[int, int]]:
        index_of = self.places[id(rules)][1]
        selected = found.spans.keys() | found.starts.keys() | found.candidates
        return sorted((index_of[p], p) for p in selected if p in index_of)


_SHARED: dict[int, Shared] = {}
"""The shared scan of each rule tuple that is a group of one (by identity)."""


def _matches_from(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[tuple[int, int]]:
    """What ``pattern.finditer`` gives when matches can begin only at ``starts`` (in order)."""
    spans: list[tuple[int, int]] = []
    end = 0
    for start in starts:
        if start >= end:
            match = pattern.match(text, start)
            if match is not None and match.end() > start:
                spans.append(match.span())
                end = match.end()
    return spans


NEGATION = re.compile(
    r"\b(?:not|never|no|don't|doesn't|didn't|won't|wouldn't|can't|cannot|couldn't|shouldn't|"
    r"isn't|aren't|wasn't|weren't|haven't|hasn't|nobody|nothing|neither|nor|"
    r"dont|doesnt|didnt|wont|wouldnt|cant|couldnt|shouldnt|isnt|arent|wasnt)\b",
    re.IGNORECASE,
)
CLAUSE_BREAK = re.compile(r"[.!?;:,]|\b(?:but|and|so|because|then|or)\b", re.IGNORECASE)
REPORTING = re.compile(
    r"\b(?:said|says|told (?:me|him|her|them|us)|tells|asked|wrote|texted|yelled|shouted|"
    r"screamed|claimed|accused|called (?:me|him|her)|was like|goes|went)\b[\s,:]*['\"“‘]?$",
    re.IGNORECASE,
)
HYPOTHETICAL = re.compile(
    r"\b(?:if (?:i|you|he|she|we|they) (?:said|told|were|was|did)|imagine|suppose|what if someone|"
    r"as if|pretend)\b",
    re.IGNORECASE,
)
JOKE = re.compile(
    r"(?:\bjk\b|\bjust kidding\b|\bkidding\b|\blol\b|\blmao\b|\bhaha+\b|😂|🤣|😜|😉)", re.IGNORECASE
)


QUOTE_CUES = re.compile(r"[\"“”«»‘]|[:,]\s*'")
"""What ``in_quotes`` needs somewhere before a match: a quotation mark or a quote opened
after ``:`` or a comma."""


class Frames:
    """Which context cues occur anywhere in a text, each looked for on first use.

    Each check below reads a stretch of the text; when its cue occurs nowhere in the whole
    text (not even as a substring), the check is false at every position and is skipped.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def quotes(self) -> bool:
        """A quotation mark, or a straight single quote after ``:`` or a comma."""
        return QUOTE_CUES.search(self.text) is not None

    @cached_property
    def reporting(self) -> bool:
        """A reporting verb ("said", "told me") may occur."""
        return _may_match(REPORTING, self.text)

    @cached_property
    def hypothetical(self) -> bool:
        """A hypothetical frame ("if I said", "imagine") may occur."""
        return _may_match(HYPOTHETICAL, self.text)

    @cached_property
    def negation(self) -> bool:
        """A negation cue may occur."""
        return _may_match(NEGATION, self.text)


@cache
def _needle_scan(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    found = needles(pattern)
    return None if found is None else re.compile(alternation(found))


def _may_match(pattern: re.Pattern[str], text: str) -> bool:
    """False when ``pattern`` cannot match ``text`` or any stretch of it (a needle is absent)."""
    scan = _needle_scan(pattern)
    return scan is None or scan.search(fold(text)) is not None


@lru_cache(maxsize=4096)
def frames(text: str) -> Frames:
    """The context cues of ``text``, shared by every match in it."""
    return Frames(text)


def clause_before(text: str, start: int, max_chars: int = 60) -> str:
    """The text of the clause that leads up to ``start`` (back to the last clause break)."""
    window = text[max(0, start - max_chars) : start]
    breaks = list(CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def is_negated(text: str, start: int) -> bool:
    """A negation cue in the same clause just before ``start`` ("I would never threaten...")."""
    if not frames(text).negation:
        return False
    return NEGATION.search(clause_before(text, start)) is not None


def in_quotes(text: str, start: int) -> bool:
    """``start`` lies inside a quoted stretch: an odd number of double quotes before it, an open
    curly single quote, or a straight single quote opened after ``said:`` or a comma (not an
    apostrophe)."""
    if not frames(text).quotes:
        return False
    before = text[:start]
    if sum(before.count(q) for q in '"“”«»') % 2 == 1:
        return True
    if before.count("‘") > before.count("’"):
        return True
    return re.search(r"[:,]\s*'[^']*$", before) is not None


def is_reported(text: str, start: int) -> bool:
    """Reported or quoted speech: inside quotes, or right after "she said", "he told me"."""
    if in_quotes(text, start):
        return True
    if not frames(text).reporting:
        return False
    return REPORTING.search(text[max(0, start - 40) : start]) is not None


def is_hypothetical(text: str, start: int) -> bool:
    """The cue sits in a hypothetical frame ("if I said...", "imagine...") earlier in its sentence.
    """
    if not frames(text).hypothetical:
        return False
    sentence_start = max(
        text.rfind(".", 0, start), text.rfind("?", 0, start), text.rfind("!", 0, start)
    )
    return HYPOTHETICAL.search(text[sentence_start + 1 : start]) is not None


def is_joke(text: str) -> bool:
    """The utterance marks itself as a joke ("jk", "just kidding", "lol", laughing emoji)."""
    return JOKE.search(text) is not None


def discount(text: str, start: int) -> str | None:
    """Why a match at ``start`` should not count as the speaker's own act, or None if it should."""
    if is_reported(text, start):
        return "reported"
    if is_hypothetical(text, start):
        return "hypothetical"
    if is_negated(text, start):
        return "negated"
    return None
