"""Readings that need the turns around an utterance: control carried on, and resistance.

Three readings over the sequence, each one linear pass over the turns:

- **Control carried on** (Stark 2007: control is a pattern, pressed turn after turn): after a
  control act, the same speaker's next turns within ``CARRY_TURNS`` utterances that press on
  ("Passcode as well.", "Try me.", "Then you know what to do.") continue it. A turn continues a
  category when it is about one of that category's topics (``lexicons/moves/control.tsv``), when
  it prohibits or threatens, or when it carries a pressing cue (``lexicons/moves/sequence.tsv``).
  Only a speaker who has already made a control act can carry one on, so talk without control
  stays quiet.
- **Resistance as refusal** (the Boundary Check): after a demand, prohibition or control act by
  someone else, a turn that states the speaker's own contrary plan ("I'm going on Thursday",
  "i like this top tho") refuses it, even without a "no"; a turn that also gives in ("ok I'll
  stay in") does not.
- **A plan overruled** (the Duluth wheel's "making all the big decisions"; Stark 2007): a
  reply that opens by cancelling what the other has just said they will do ("I got into the
  nursing course." / "Turn it down."; "I'm going to Meg's." / "No you're not.") is a control
  act; its category is that of the plan's topic as a prohibition would read it (friends and
  family: isolation; clothes, food, sleep: regulating everyday life; money: economic control),
  else deciding for another. Read outside negotiations, where a counter is bargaining.

Known limits: a pressing turn that names none of the category's topics and has no cue ("it was
my dad's, Stan") is not read as carrying the control on; resistance is read from its form (a
first-person plan or a "but/though" after a demand), so a reply that agrees in those words is
misread as a refusal.
"""

from __future__ import annotations

import re
from functools import cache

from powerlens.language.acts import Act, read
from powerlens.language.lexicon import load
from powerlens.language.rules import Rule, find
from powerlens.measures.moves.control import CONTROL_CATEGORIES, control_rules
from powerlens.measures.moves.detect import Hit
from powerlens.measures.moves.structures import Turn

CARRY_TURNS = 6
"""How many utterances after a control act its speaker's pressing turns carry it on."""
RESIST_AFTER = 2
"""How many utterances back a demand may be for a contrary plan to refuse it."""
PRESSING_ACTS = frozenset({"prohibition", "threat"})
ASKING_ACTS = frozenset({"directive", "prohibition", "threat", "question", "request", "decision"})
"""Acts with which a turn about a control topic asks again ("Passcode as well.", "Who's the
guy on the sofa?"); talk about the topic alone does not carry the control on."""
DEMANDS = frozenset({"directive", "prohibition", "threat", "decision"})
SENTENCE_START = re.compile(r"[.!?]\s{1,2}(?=\S)")
"""Where a later sentence of a turn starts (the overrule cues open a sentence)."""
QUIET_MARKS = frozenset({"joke", "requested", "care", "autonomy", "warmth", "practical"})
"""Marks with which a reply to a plan is no overruling ("don't go lol", "stay home if you're
ill")."""


@cache
def _cues() -> tuple[Rule, ...]:
    return load("moves/sequence.tsv")


@cache
def _cues_of(label: str) -> tuple[Rule, ...]:
    """The cues with one label."""
    return tuple(cue for cue in _cues() if cue.label == label)


@cache
def _overrule_scan() -> re.Pattern[str]:
    """The overrule cues as one pattern: the reading looks at every turn, and one search of a
    short anchored alternation costs far less than a prefiltered ``find`` or a search per cue."""
    joined = "|".join(f"(?:{cue.pattern.pattern})" for cue in _cues_of("overrule"))
    return re.compile(joined, re.IGNORECASE)


@cache
def _category_topics() -> dict[str, frozenset[str]]:
    """For each control category, the topics (domains and topic rules) its rows read."""
    found: dict[str, set[str]] = {c: set() for c in CONTROL_CATEGORIES}
    for rule in control_rules():
        found[rule.category] |= {t for t in rule.topics if t != "any"}
    return {c: frozenset(t) for c, t in found.items()}


def _controls(turn: Turn) -> list[str]:
    return [
        h.subtype for h in turn.hits if h.label == "power_over" and h.subtype in CONTROL_CATEGORIES
    ]


def _control(turn: Turn) -> str | None:
    found = _controls(turn)
    return found[0] if found else None


def _continues(turn: Turn, categories: list[str]) -> Hit | None:
    """The hit by which ``turn`` presses on one of ``categories`` (latest first), if it does."""
    text = turn.utterance.text
    reading = read(text)
    if "joke" in reading.marks or "requested" in reading.marks:
        return None
    demanding = any(
        a.act in ASKING_ACTS and a.target in ("addressee", "none") for a in reading.acts
    )
    for category in categories if demanding else ():
        topics = _category_topics()[category]
        for topic in reading.topics:
            if topic.domain in topics or topic.rule in topics:
                rule = f"sequence.continues.{category}"
                return Hit("stance", "power_over", category, topic.span, 0.6, rule)
    latest = categories[0]
    rule = f"sequence.continues.{latest}"
    for act in reading.acts:
        if act.act in PRESSING_ACTS and act.target == "addressee":
            return Hit("stance", "power_over", latest, act.span, 0.6, rule)
    for cue, span in find(_cues(), text):
        if cue.label == "press":
            return Hit("stance", "power_over", latest, span, 0.55, rule)
    return None


def carry_control(seq: list[Turn]) -> None:
    """Add the control acts that turns carry on from their speaker's recent ones (in place).

    A turn about one of the recent categories' topics carries that category on; a turn that
    only presses (a prohibition, a threat, a cue) carries the latest one on.
    """
    recent: dict[str, dict[str, int]] = {}  # speaker -> category -> index of its last turn
    for i, turn in enumerate(seq):
        speaker = turn.utterance.speaker
        mine = recent.setdefault(speaker, {})
        found = _controls(turn)
        if found:
            mine.update(dict.fromkeys(found, i))
            continue
        live = {c: j for c, j in mine.items() if i - j <= CARRY_TURNS}
        recent[speaker] = live
        if not live:
            continue
        hit = _continues(turn, sorted(live, key=lambda c: -live[c]))
        if hit is not None:
            turn.hits.append(hit)
            live[hit.subtype or ""] = i


def _demand(turn: Turn) -> bool:
    if _control(turn) is not None:
        return True
    return any(
        h.family == "act" and h.label in DEMANDS and h.subtype == "addressee" for h in turn.hits
    )


def _resists(turn: Turn) -> Hit | None:
    """The hit by which ``turn`` states a contrary plan, unless it also gives in."""
    if any(h.family == "boundary" for h in turn.hits):
        return None
    if turn.cues("boundary", "give_in") or turn.cues("proposal", "accept"):
        return None
    for cue, span in find(_cues(), turn.utterance.text):
        if cue.label == "resist":
            return Hit("boundary", "refusal", "resists", span, 0.65, f"sequence.{cue.name}")
    return None


def mark_resistance(seq: list[Turn]) -> None:
    """Add refusals read from a contrary plan stated right after someone else's demand."""
    recent: list[tuple[int, str]] = []  # (index, speaker) of the latest demands
    for i, turn in enumerate(seq):
        speaker = turn.utterance.speaker
        recent = [(j, who) for j, who in recent if i - j <= RESIST_AFTER]
        if any(who != speaker for _, who in recent):
            hit = _resists(turn)
            if hit is not None:
                turn.hits.append(hit)
        if _demand(turn):
            recent.append((i, speaker))


def _plan_category(plan: str) -> str:
    """The control category a prohibition of ``plan`` would have, by the plan's topics."""
    probe = Act("prohibition", "addressee", (0, 0), 0, 1.0, "sequence.overrule")
    best, score = "deciding_for_another", 0.0
    topics = read(plan).topics
    for rule in control_rules():
        if rule.topic_alone or not rule.takes(probe) or {"any", "else"} & rule.topics:
            continue
        for topic in topics:
            if (topic.domain in rule.topics or topic.rule in rule.topics) and (
                rule.score * topic.score > score
            ):
                best, score = rule.category, rule.score * topic.score
    return best


def _overrules(turn: Turn, before: Turn) -> Hit | None:
    """The hit by which ``turn`` overrules the plan ``before`` states, if it does."""
    text = turn.utterance.text
    scan = _overrule_scan()
    first = scan.match(text)  # the cues open a sentence: try only where sentences start
    for start in SENTENCE_START.finditer(text) if first is None else ():
        if (first := scan.match(text, start.end())) is not None:
            break
    if first is None or read(text).marks & QUIET_MARKS:
        return None
    plan = before.utterance.text
    if not any(find(_cues_of("plan"), plan)):
        return None
    category = _plan_category(plan)
    return Hit("stance", "power_over", category, first.span(), 0.6, f"sequence.overrule.{category}")


def overrule_plans(seq: list[Turn]) -> None:
    """Add the control acts of replies that overrule the plan the other just stated (in place).

    Only a turn with no control act of its own, right after another speaker's turn, is read.
    """
    for i in range(1, len(seq)):
        turn, before = seq[i], seq[i - 1]
        if before.utterance.speaker == turn.utterance.speaker or _controls(turn):
            continue
        hit = _overrules(turn, before)
        if hit is not None:
            turn.hits.append(hit)
