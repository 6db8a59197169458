"""What each clause does, whose conduct it is about, and what it is about.

``read(text)`` reads one utterance once (results are cached by text, since chats repeat "ok"
and "lol" thousands of times) and returns a ``Reading``:

- ``acts``: speech acts per clause (Searle 1976; requests after Brown & Levinson 1987):
  directive, request, prohibition, question, offer, proposal, acceptance, refusal, commitment,
  threat, promise, appeal_guilt, appeal_loyalty, dismissal, decision (made for another), agency.
  Each names its ``target``: whose conduct it is about (``addressee``, ``self``, ``joint``,
  ``none``). Rules: ``lexicons/acts/acts.tsv``; conditionals ("if you..., I'm leaving", "do
  it or you're grounded", "then I'm selling your guitar") are read here with
  ``lexicons/acts/consequences.tsv``.
- ``topics``: what each clause is about (``lexicons/acts/about.tsv``): surveillance,
  whereabouts_contact, people, money_property, time_everyday, food, work_study, body.
- ``names``: first names of people mentioned (for telling a third person from the addressee).

Text is normalised first (``language.normalize``: chat spellings, stretched letters, names), so
rules read "wya send me ur loc rn" as "where are you at send me your location right now"; every
span points into the original text. Context checks shared with the other rule families drop an
act inside reported speech or a hypothetical, and a threat or insult in a message marked as a
joke ("lol", "jk").

Known limits: English only; patterns over words, not a parse, so an act split across messages,
sarcasm, and long-distance or implied threats are missed; a run-on message with several acts
and no punctuation is one clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from powerlens.language.lexicon import anchored, expand, load
from powerlens.language.normalize import Normalized, normalize
from powerlens.language.rules import (
    Rule,
    Shared,
    is_hypothetical,
    is_joke,
    is_negated,
    is_reported,
    runnable,
)

CLAUSE_END = re.compile(
    r"[.!?;\n]+|\s[-–—]\s|…|[\U0001F300-\U0001FAFF\u2600-\u27BF]+|\s{2,}(?=[a-z])"
)
QUESTION_START = re.compile(
    r"^\W*(?:(?:and|but|so|ok|oh|well|babe|hun)\W+)?(?:what|where|when|who|whom|whose|why|how|"
    r"which|are|is|am|do|does|did|can|could|would|will|should|have|has|had|were|was)\b",
    re.IGNORECASE,
)
YOU = re.compile(r"\b(?:you|your|yours|yourself|ya)\b", re.IGNORECASE)
JOKE_DROPS = frozenset({"threat", "dismissal", "directive.command_strong"})
"""Acts (or act rules) not read in a message marked as a joke: teasing is not a threat."""

CONDITION = re.compile(
    expand(
        r"\b(?:if|unless|when|whenever|the next time|next time|the minute|the second|once|"
        r"as soon as|if ever)\s+(?:{YOU}|i (?:catch|see|find out|hear|find|ever see|ever catch)"
        r"|i ever (?:catch|see|find)|{YOUR})\b"
        r"|\b(?:again|one more (?:time|word|minute)|keep (?:it|that|this) up|try (?:it|that) "
        r"again)\b[^.?!]{0,20}\band\b"
        r"|\b(?:or else|otherwise|or)\b"
        r"|{B}(?:(?:fine|ok|right|well|so|alright)[\s,]+)?then\b"
        r"|\b{YOU}\s+(?:\w+\s+){1,6}?(?:and|n|&)\s+(?=(?:i'll|i will|i'm|i am|ill|im|you'll|"
        r"your|it'll|there'll|we're|the)\b)"
        r"|{S}{VB}\b[^.?!]{0,50}?\b(?:and|n)\s+"
        r"(?=(?:see|you'll|i'll|i'm|ill|im|your|watch|you won't|you will)\b)"
    ),
    re.IGNORECASE,
)
"""A condition on the addressee's conduct that a consequence can hang on."""

AGAINST = re.compile(
    expand(
        r"\b(?:if|when|next time|the next time|if ever|once)\s+(?:{YOU}|{YOUR})\b[^.?!,]{0,60}?"
        r"\b(?:don't|do not|won't|aren't|'re not|are not|not|never|ever|again|dare|so much as|"
        r"another|one more|keep|still|off|late)\b"
        r"|\bunless\s+(?:{YOU}|{YOUR})\b"
        r"|\b{YOU}\s+(?:\w+\s+){0,6}?(?:again|another|one more|ever)\b[^.?!]{0,30}?\b(?:and|n|&)\b"
        r"|\b(?:do|say|try|pull) (?:that|it|this) (?:again|one more time)\b[^.?!]{0,20}?"
        r"\b(?:and|n)\b"
    ),
    re.IGNORECASE,
)
"""A condition against the addressee's conduct: not doing as told, or doing it again."""
ENFORCEMENT = re.compile(
    r"\b(?:i'll|i will|i'm|i am|i'd|we'll|we're|you'll|you will|you're going to|it'll|"
    r"there'll be|that's it)\b(?!\s+(?:be )?(?:fine|ok|okay|happy|glad|here|there for you|"
    r"proud|pleased|waiting|around|free|back|home|so happy|really happy))"
    r"|\b(?:your|the) \w+ (?:is going|will|gets|goes)\b",
    re.IGNORECASE,
)
"""What the speaker will do, or what will happen, once such a condition is met."""


@dataclass(frozen=True, slots=True)
class Act:
    """One speech act: what it does, whose conduct it targets, where, which rule, how sure."""

    act: str
    target: str
    span: tuple[int, int]
    clause: int
    score: float
    rule: str
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class Topic:
    """What a clause is about (a domain of everyday life) and the words that say so."""

    domain: str
    span: tuple[int, int]
    clause: int
    score: float
    rule: str


@dataclass(frozen=True, slots=True)
class Reading:
    """Acts and names of one utterance, and (read on first use) its topics and marks; spans
    index into its original ``text``."""

    text: str
    acts: tuple[Act, ...]
    names: tuple[tuple[int, int], ...]
    clauses: tuple[tuple[int, int], ...]

    @property
    def topics(self) -> tuple[Topic, ...]:
        """What each clause is about (``lexicons/acts/about.tsv``)."""
        return topics_of(self.text)

    @property
    def marks(self) -> frozenset[str]:
        """Marks on the whole message (``lexicons/acts/markers.tsv``): joke, care, requested,
        imposing, autonomy, warmth, practical."""
        return marks_of(self.text)

    def has(self, act: str) -> bool:
        """True when some clause does ``act``."""
        return any(a.act == act for a in self.acts)

    def of(self, act: str) -> list[Act]:
        """The acts of one kind, in order."""
        return [a for a in self.acts if a.act == act]

    def topics_in(self, clause: int) -> list[Topic]:
        """What one clause is about."""
        return [t for t in self.topics if t.clause == clause]


EMPTY = Reading("", (), (), ())


@cache
def _rules() -> tuple[tuple[Rule, ...], tuple[Rule, ...], tuple[Rule, ...], tuple[Rule, ...]]:
    return (
        load("acts/acts.tsv"),
        load("acts/about.tsv"),
        load("acts/consequences.tsv"),
        load("acts/markers.tsv"),
    )


@cache
def _act_rules() -> tuple[tuple[Rule, ...], tuple[Rule, ...], frozenset[int]]:
    """The act rules tried only at clause starts; the rest together with the consequence
    rules (one prefilter pass for both); and which of those are consequences."""
    every = load("acts/acts.tsv")
    names = anchored("acts/acts.tsv")
    consequences = _rules()[2]
    free = tuple(r for r in every if r.name not in names) + consequences
    return (
        tuple(r for r in every if r.name in names),
        free,
        frozenset(id(r) for r in consequences),
    )


_ALSO: list[Callable[[], tuple[tuple[Rule, ...], ...]]] = []


def scan_with(groups: Callable[[], tuple[tuple[Rule, ...], ...]]) -> None:
    """Have the scan of each text also serve these rule tuples (built on first use, so a
    caller registers a function that loads them; ``rules.find`` on them then uses it)."""
    _ALSO.append(groups)
    _scanner.cache_clear()


@cache
def _scanner() -> Shared:
    """One prefilter for every rule the reading runs (and those registered with
    ``scan_with``): each text is scanned once for all of them."""
    anchored_rules, free, _ = _act_rules()
    _, about, _, markers = _rules()
    return Shared([anchored_rules, free, about, markers, *(g for f in _ALSO for g in f())])


STARTS = re.compile(
    r"[.!?;:,\n(…]|\s[-–—]|\s\*|[\U0001F300-\U0001FAFF\u2600-\u27BF]|where are you at |"
    r"where are you |what are you doing |\blol |\blmao |\bomg ",
    re.IGNORECASE,
)
"""Where a clause can start (the places ``{B}`` in ``lexicons/acts/macros.tsv`` accepts)."""


Matches = list[tuple[Rule, tuple[int, int]]]


START_CHARS = r"[.!?;:,\n(…\s\U0001F300-\U0001FAFF\u2600-\u27BFwlo]"
"""Every character a ``STARTS`` match can begin with (in folded text)."""
FOLDED_STARTS = re.compile(f"(?={START_CHARS})(?:{STARTS.pattern})")
"""``STARTS`` for folded text: tried only where a match can begin (the same matches, found
twice as fast)."""


def _clause_starts(folded: str) -> list[int]:
    """Where clauses start, from the folded text (``STARTS``)."""
    return sorted({0, *(m.end() for m in FOLDED_STARTS.finditer(folded))})


def _act_matches(text: str) -> tuple[Matches, Matches]:
    """Every act rule match, and every consequence rule match: anchored rules tried at clause
    starts only, the rest prefiltered in one pass (the same matches as scanning each rule over
    the whole text, at a fraction of the cost)."""
    anchored_rules, free, consequence_ids = _act_rules()
    scanner = _scanner()
    found: list[tuple[Rule, tuple[int, int]]] = []
    folded = scanner.folded(text)
    possible = scanner.possible(anchored_rules, text)
    starts = _clause_starts(folded) if possible else []
    for index in possible:
        rule = anchored_rules[index]
        pattern, on_folded = runnable(rule.pattern)
        where = folded if on_folded else text
        end = 0
        for start in starts:
            if start < end:
                continue
            match = pattern.match(where, start)
            if match is not None and match.end() > match.start():
                found.append((rule, match.span()))
                end = match.end()
    consequences: Matches = []
    for rule, span in scanner.find(free, text):
        (consequences if id(rule) in consequence_ids else found).append((rule, span))
    return found, consequences


FRAGMENT = re.compile(
    r"\W*(?:of|with|at|in|from|for|without|like|and the|and your)\b", re.IGNORECASE
)
"""A clause that opens like this continues the one before ("Send me a photo. Of the room.")."""


@lru_cache(maxsize=16384)
def _clause_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(clause_spans(text))


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Clauses of ``text``: stretches between sentence marks, line breaks, dashes and emoji; a
    fragment that opens with a preposition joins the clause before it."""
    spans: list[tuple[int, int]] = []
    position = 0
    for match in CLAUSE_END.finditer(text):
        end = match.end() if "?" in match.group() else match.start()
        _add_clause(spans, text, position, end)
        position = match.end()
    _add_clause(spans, text, position, len(text))
    return spans or [(0, len(text))]


def _add_clause(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    if not text[start:end].strip():
        return
    if spans and FRAGMENT.match(text, start, end):
        spans[-1] = (spans[-1][0], end)
    else:
        spans.append((start, end))


def _clause_of(spans: list[tuple[int, int]], position: int) -> int:
    for index, (start, end) in enumerate(spans):
        if position < end or index == len(spans) - 1:
            return index if position >= start or index == 0 else index - 1
    return 0


def _kept(rule: Rule, text: str, start: int, joke: bool) -> bool:
    """Not reported, hypothetical, negated ("I'm not saying you'll regret it") or a joke."""
    if is_reported(text, start) or is_hypothetical(text, start):
        return False
    if rule.label != "refusal" and is_negated(text, start):
        return False
    return not (joke and (rule.label in JOKE_DROPS or rule.name in JOKE_DROPS))


def _asked(act: Act, text: str, spans: list[tuple[int, int]]) -> Act:
    """An imperative in a clause that ends with a question mark asks ("sleep ok?", "pass the
    salt?"): a request, not a directive."""
    if act.rule != "acts.directive.imperative":
        return act
    start, end = spans[act.clause]
    if not text[start:end].rstrip().endswith("?"):
        return act
    return Act("request", act.target, act.span, act.clause, 0.5, "acts.request.asked", act.kind)


def _questions(text: str, spans: list[tuple[int, int]]) -> list[Act]:
    found = []
    for index, (start, end) in enumerate(spans):
        clause = text[start:end]
        stripped = clause.strip()
        if is_hypothetical(text, end - 1) or is_reported(text, start + 1):
            continue
        if stripped.endswith("?") or QUESTION_START.match(clause):
            target = "addressee" if YOU.search(clause) else "none"
            kind = "yes_no" if not re.match(r"\W*(?:wh|how)", stripped, re.IGNORECASE) else "wh"
            offset = start + (len(clause) - len(clause.lstrip()))
            found.append(
                Act(
                    "question",
                    target,
                    (offset, start + len(clause.rstrip())),
                    index,
                    0.5,
                    "acts.question",
                    kind,
                )
            )
    return found


def _conditionals(
    text: str, spans: list[tuple[int, int]], consequences: list[tuple[Rule, tuple[int, int]]]
) -> list[Act]:
    """Threats, promises and guilt appeals hung on a condition (or, for the gravest, none)."""
    found = []
    for rule, (start, end) in consequences:
        index = _clause_of(spans, start)
        clause_start, clause_end = spans[index]
        condition = None
        for match in CONDITION.finditer(text, clause_start, clause_end):
            if match.group().strip().lower() in ("or",) and match.start() > start:
                continue
            condition = match
            break
        polarity = rule.label
        if condition is None and polarity != "cost_alone":
            continue
        act = {"reward": "promise", "guilt": "appeal_guilt"}.get(polarity, "threat")
        kind = "conditional" if condition is not None else "consequence"
        score = rule.score if condition is not None else rule.score * 0.9
        lo = min(start, condition.start()) if condition is not None else start
        hi = max(end, condition.end()) if condition is not None else end
        if 0 < clause_end - hi <= 30:  # the rest of a short clause: "...your guitar"
            hi = clause_end
        found.append(
            Act(act, "addressee", (lo, hi), index, score, f"consequence.{rule.name}", kind)
        )
    return found


def _enforced(text: str, spans: list[tuple[int, int]], rewards: set[int]) -> list[Act]:
    """Threats with no listed consequence: a condition against the addressee's conduct ("if
    you're not home by six", "do that again and") with something the speaker will then do."""
    found = []
    for index, (clause_start, clause_end) in enumerate(spans):
        if index in rewards:
            continue
        condition = AGAINST.search(text, clause_start, clause_end)
        if condition is None:
            continue
        after = ENFORCEMENT.search(text, condition.end(), clause_end)
        before = ENFORCEMENT.search(text, clause_start, condition.start())
        consequence = after or before
        if consequence is None:
            continue
        lo = min(condition.start(), consequence.start())
        hi = clause_end if clause_end - consequence.end() <= 40 else consequence.end()
        found.append(
            Act("threat", "addressee", (lo, hi), index, 0.7, "consequence.enforced", "conditional")
        )
    return found


@lru_cache(maxsize=65536)
def read(text: str) -> Reading:
    """The acts, topics and names of one utterance."""
    if not text.strip():
        return EMPTY
    norm = normalize(text)
    body = norm.text
    _scanner().select(body)  # one scan of the text for every rule and context check below
    spans = list(_clause_spans(body))
    joke = is_joke(body)
    matches, consequence_matches = _act_matches(body)
    acts: list[Act] = []
    for rule, (start, end) in matches:
        if end <= start or not _kept(rule, body, start, joke):
            continue
        kind = rule.name.split(".", 1)[1] if "." in rule.name else None
        acts.append(
            Act(
                rule.label,
                rule.subtype or "none",
                (start, end),
                _clause_of(spans, end - 1),
                rule.score,
                f"acts.{rule.name}",
                kind,
            )
        )
    acts = [_asked(a, body, spans) for a in acts]
    acts.extend(_questions(body, spans))
    consequences = [
        (rule, span)
        for rule, span in consequence_matches
        if _kept(rule, body, span[0], joke)
        and not (joke and rule.label.startswith("cost"))
        and not is_negated(body, span[0])
    ]
    conditional = _conditionals(body, spans, consequences)
    acts.extend(conditional)
    if not joke:
        taken = {a.clause for a in conditional}
        acts.extend(a for a in _enforced(body, spans, taken) if a.clause not in taken)
    return Reading(
        text=text,
        acts=tuple(_to_original(norm, a) for a in sorted(acts, key=lambda a: (a.span, a.act))),
        names=norm.names,
        clauses=tuple(_trim(norm, text, s) for s in spans),
    )


@lru_cache(maxsize=16384)
def topics_of(text: str, only: frozenset[str] | None = None) -> tuple[Topic, ...]:
    """What each clause of ``text`` is about (only the topic rules named in ``only``, if
    given), not counting words in reported speech or a hypothetical."""
    if not text.strip():
        return ()
    norm = normalize(text)
    body = norm.text
    spans = list(_clause_spans(body))
    scanner = _scanner()
    rules = _rules()[1] if only is None else _subset(only)
    scanner.include(rules)
    topics = [
        Topic(rule.label, span, _clause_of(spans, span[0]), rule.score, rule.name)
        for rule, span in scanner.find(rules, body)
        if span[1] > span[0] and not (is_reported(body, span[0]) or is_hypothetical(body, span[0]))
    ]
    return tuple(_topic_to_original(norm, t) for t in sorted(topics, key=lambda t: t.span))


@cache
def _subset(names: frozenset[str]) -> tuple[Rule, ...]:
    return tuple(r for r in _rules()[1] if r.name in names)


@lru_cache(maxsize=16384)
def marks_of(text: str) -> frozenset[str]:
    """The marks on a whole message (joke, care, requested, imposing, autonomy, warmth...)."""
    return frozenset(rule.label for rule, _ in _scanner().find(_rules()[3], normalize(text).text))


def forget() -> None:
    """Drop the remembered readings of texts (``read``, topics, marks, clauses, and the
    normalised texts): a family that has read a whole conversation calls it, so that a long
    history's readings are not held through the families and the report that follow (they
    are the same when read again)."""
    for memo in (read, topics_of, marks_of, _clause_spans, normalize):
        memo.cache_clear()


def _trim(norm: Normalized, text: str, span: tuple[int, int]) -> tuple[int, int]:
    start, end = norm.original(*span)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _to_original(norm: Normalized, act: Act) -> Act:
    start, end = act.span
    body = norm.text
    while start < end and not (body[start].isalnum() or body[start] in "@'👍👌🙌✅🤝🆗"):
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return Act(
        act.act, act.target, norm.original(start, end), act.clause, act.score, act.rule, act.kind
    )


def _topic_to_original(norm: Normalized, topic: Topic) -> Topic:
    return Topic(topic.domain, norm.original(*topic.span), topic.clause, topic.score, topic.rule)
