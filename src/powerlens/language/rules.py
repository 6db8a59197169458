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
from typing import Any, cast

from powerlens.language.prefilter import (
    Prefilter,
    Scan,
    Selection,
    alternation,
    fold,
    needles,
    needles_of,
    on_folded,
    parsed,
)


class LazyPattern:
    """A rule's regular expression, compiled on first use.

    Rule files hold hundreds of patterns and a conversation may need a few of them; the
    prefilter reads each pattern's parse, and the rules it runs use ``prefilter.on_folded``.
    The syntax is checked when the rule is loaded (``check``); an error that only compiling
    finds (a look-behind of varying width) is reported, with ``origin``, on first use.
    Otherwise it behaves as the compiled ``re.Pattern``.
    """

    __slots__ = ("pattern", "flags", "origin", "_compiled")

    def __init__(self, pattern: str, flags: int, origin: str = "") -> None:
        self.pattern = pattern
        self.flags = int(flags)  # a plain number, as ``re.Pattern.flags`` is
        self.origin = origin
        self._compiled: re.Pattern[str] | None = None

    def check(self) -> LazyPattern:
        """Raise ``re.error`` for bad syntax; the pattern itself."""
        parsed(self.pattern, self.flags)
        return self

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            try:
                self._compiled = re.compile(self.pattern, self.flags)
            except re.error as error:
                raise ValueError(f"{self.origin}: bad pattern: {error}") from None
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyPattern):
            return (self.pattern, self.flags) == (other.pattern, other.flags)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern[:40]!r}..., {self.flags})"


def lazy(pattern: str, flags: int, origin: str) -> re.Pattern[str]:
    """A pattern for a ``Rule``, checked now and compiled on first use (``LazyPattern``)."""
    return cast(re.Pattern[str], LazyPattern(pattern, flags, origin).check())


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
            pattern = lazy(regex, re.IGNORECASE, f"{resource}:{number}")
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
    return _run(rules, text, found, [(index, index) for index in sorted(found.selected)])


def _run(
    rules: tuple[Rule, ...], text: str, found: Selection, chosen: list[tuple[int, int]]
) -> Iterator[tuple[Rule, tuple[int, int]]]:
    """The matches of the ``chosen`` rules: (index in ``rules``, place among the patterns the
    selection is about), in order."""
    scanned: dict[int, list[tuple[int, int]]] = {}  # rules sharing a pattern scan it once
    for index, place in chosen:
        rule = rules[index]
        spans = found.spans.get(place) or scanned.get(id(rule.pattern))
        if spans is None:
            pattern, folded = runnable(rule.pattern)
            where = found.folded if folded else text
            if place in found.starts:
                spans = _matches_from(pattern, where, found.starts[place])
            else:
                spans = [m.span() for m in pattern.finditer(where) if m.end() > m.start()]
            scanned[id(rule.pattern)] = spans
        for span in spans:
            yield rule, span


_RUNNABLE: dict[int, tuple[re.Pattern[str], re.Pattern[str], bool]] = {}


def runnable(pattern: re.Pattern[str]) -> tuple[re.Pattern[str], bool]:
    """The pattern to run for ``pattern`` and whether it runs on the folded text: its
    ``prefilter.on_folded`` form if it has one (the same matches, found faster)."""
    entry = _RUNNABLE.get(id(pattern))
    if entry is None or entry[0] is not pattern:
        faster = on_folded(pattern)
        entry = (pattern, faster or pattern, faster is not None)
        _RUNNABLE[id(pattern)] = entry
    return entry[1], entry[2]


class Shared:
    """Several rule tuples (``groups``) with one prefilter: a text is read once for all of
    them, and the answer kept for the next group asked about it.

    ``find(group, text)`` gives what ``find`` gives for the group alone.
    """

    def __init__(self, groups: Sequence[tuple[Rule, ...]]) -> None:
        every: list[Rule] = []
        self.place: dict[int, int] = {}
        for group in groups:
            for rule in group:
                if id(rule) not in self.place:
                    self.place[id(rule)] = len(every)
                    every.append(rule)
        patterns = [rule.pattern for rule in every]
        cues = {name: needles_of([pattern], every=True) for name, pattern in CUES.items()}
        scan = Scan(needles_of(patterns).union(*(c for c in cues.values() if c)))
        self.prefilter = Prefilter(patterns, scan)
        self.cues: dict[str, frozenset[str] | None] = {
            name: None
            if found is None
            else frozenset(n for n in scan.needles if n.startswith(tuple(found)))
            for name, found in cues.items()
        }
        """Per context cue: the needles of the scan that start with one of its needles (the
        scan reports the longest needle at each place), or None when it has no needles."""
        self.groups: dict[int, tuple[tuple[Rule, ...], frozenset[int], dict[int, int]]] = {}
        """Per group (by identity): the group, its rules' places, and each place's index."""
        for group in groups:
            self.include(group)
        self.select = lru_cache(maxsize=256)(self._select)
        # (Kept only while a text is being read: the selections of thousands of texts, kept
        # alive, would make every full garbage collection walk them.)

    def _select(self, text: str) -> Selection:
        found = self.prefilter.scan.read(text)
        note_cues(
            text,
            frozenset(
                name
                for name, cue in self.cues.items()
                if cue is None or not found.needles.isdisjoint(cue)
            ),
        )
        return self.prefilter.select(text, found)

    def include(self, rules: tuple[Rule, ...]) -> None:
        """Serve one more tuple, made of rules of the groups (a subset, say)."""
        if self.covers(rules):
            return
        if not all(id(rule) in self.place for rule in rules):
            raise ValueError("a shared scan serves only tuples of the rules it was built for")
        index_of = {self.place[id(rule)]: index for index, rule in enumerate(rules)}
        self.groups[id(rules)] = (rules, frozenset(index_of), index_of)
        _SHARED[id(rules)] = self

    def covers(self, rules: tuple[Rule, ...]) -> bool:
        """True when ``rules`` is one of the groups."""
        entry = self.groups.get(id(rules))
        return entry is not None and entry[0] is rules

    def _chosen(self, rules: tuple[Rule, ...], found: Selection) -> list[tuple[int, int]]:
        _, places, index_of = self.groups[id(rules)]
        return sorted((index_of[place], place) for place in found.selected & places)

    def find(self, rules: tuple[Rule, ...], text: str) -> Iterator[tuple[Rule, tuple[int, int]]]:
        """``find(rules, text)`` for one of the groups."""
        found = self.select(text)
        return _run(rules, text, found, self._chosen(rules, found))

    def possible(self, rules: tuple[Rule, ...], text: str) -> list[int]:
        """The indices of the rules of a group that the prefilter lets run on ``text``."""
        return [index for index, _ in self._chosen(rules, self.select(text))]

    def folded(self, text: str) -> str:
        """``text`` folded (``prefilter.fold``), as the scan read it."""
        return self.select(text).folded


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


CUES = {
    "quotes": QUOTE_CUES,
    "reporting": REPORTING,
    "hypothetical": HYPOTHETICAL,
    "negation": NEGATION,
    "joke": JOKE,
}
"""The context cues ``Frames`` looks for, by name."""
_PRESENT: dict[str, frozenset[str]] = {}
"""For texts a shared scan has read: the names of the cues whose needles occur in them."""


def note_cues(text: str, present: frozenset[str]) -> None:
    """Record which cues' needles a shared scan found in ``text`` (so ``Frames`` need not
    scan for them again)."""
    if len(_PRESENT) >= 1024:  # (only needed while the text is read)
        _PRESENT.clear()
    _PRESENT[text] = present


class Frames:
    """Which context cues occur anywhere in a text, each looked for on first use.

    Each check below reads a stretch of the text; when its cue occurs nowhere in the whole
    text (not even as a substring), the check is false at every position and is skipped.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def _may(self, cue: str) -> bool:
        """False when the cue's needles occur nowhere in the text."""
        present = _PRESENT.get(self.text)
        return cue in present if present is not None else _may_match(CUES[cue], self.text)

    @cached_property
    def quotes(self) -> bool:
        """A quotation mark, or a straight single quote after ``:`` or a comma."""
        return self._may("quotes") and QUOTE_CUES.search(self.text) is not None

    @cached_property
    def reporting(self) -> bool:
        """A reporting verb ("said", "told me") may occur."""
        return self._may("reporting")

    @cached_property
    def hypothetical(self) -> bool:
        """A hypothetical frame ("if I said", "imagine") may occur."""
        return self._may("hypothetical")

    @cached_property
    def negation(self) -> bool:
        """A negation cue may occur."""
        return self._may("negation")

    @cached_property
    def joke(self) -> bool:
        """A joke marker ("lol", "jk", a laughing emoji) may occur."""
        return self._may("joke")


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
    return frames(text).joke and JOKE.search(text) is not None


def discount(text: str, start: int) -> str | None:
    """Why a match at ``start`` should not count as the speaker's own act, or None if it should."""
    if is_reported(text, start):
        return "reported"
    if is_hypothetical(text, start):
        return "hypothetical"
    if is_negated(text, start):
        return "negated"
    return None
