"""Turns and what every turn structure needs: the matches of each utterance, requests, refusals.

The Boundary Check is in ``boundary.py``, proposals and whose plan was enacted in ``plans.py``
(with their index in ``plan_index.py``); the sequence readings in ``sequence.py``.

Cost: linear in the number of utterances. Every look-up that would scan the conversation
(earlier proposals by a speaker or containing a word, the next turn by someone else, a
speaker's refusals) goes through an index built once per conversation (``_Index``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from powerlens.language import tokenize
from powerlens.measures.moves.control import CONTROL_CATEGORIES
from powerlens.measures.moves.detect import Hit, family_hits, match_families, signal_hits
from powerlens.model import Utterance

RESPONSE_TURNS = 3
CAPITULATION_WINDOW = 8
PROPOSAL_WINDOW = 6
PROPOSAL_REPLIES = 3
SETTLE_WINDOW = 1000
"""A settling turn restates a plan made within this many utterances before it."""

REQUEST_FORM = re.compile(
    r"\b(?:can|could|would|will|won't|wanna|want to|do you want|would you like|fancy|"
    r"are you coming|will you come|lend me|give me|can i|could i|may i|please|come on|"
    r"how about|let's|shall we)\b",
    re.IGNORECASE,
)
SHOUT = re.compile(r"\b[A-Z]{3,}\b")
STOP_WORDS = frozenset(
    re.findall(
        r"\S+",
        "i you we he she it they me my your our the a an and or but to of in on at for with is "
        "are was were be do did does just so that this it's i'm you're please can could would "
        "will not no yes come on now",
    )
)
CONTROL_SUBTYPES = frozenset({"command", "dismissing", *CONTROL_CATEGORIES})
"""Power-over subtypes that impose (a reply carrying one presses on a refusal)."""
PUNISHING_CONTROL = frozenset({"intimidation", "degradation"})
"""Power-over subtypes that, in a reply to a refusal, punish it."""


OVERLAP_STOP = STOP_WORDS | frozenset(
    re.findall(
        r"\S+",
        "let's lets how about what if could should shall maybe perhaps why don't think want like "
        "prefer rather great good fine okay sure yeah yes then settled decided agreed said told "
        "said plan it's that's there here have has had going gonna get got make made take "
        "we're we'll we've i'll i've i'd you'll you've they their them his her its also too "
        "very really just well right all one some any more much from into out off over still "
        "again tonight today tomorrow",
    )
)


def _stem(word: str) -> str:
    word = word.removesuffix("'s").rstrip("'")
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def content_words(text: str) -> set[str]:
    """Content words of ``text`` for matching a restatement to the plan it restates."""
    return {
        _stem(w) for w in tokenize(text) if w not in OVERLAP_STOP and (len(w) > 2 or w.isdigit())
    }


@lru_cache(maxsize=4096)  # (the repeated short messages; kept small: it outlives the turns)
def _shared_words(text: str) -> set[str]:
    return content_words(text)


@dataclass
class Turn:
    """One utterance with the matches found in it: signal ``hits`` and, per family, every
    label's matches (``found``, reply cues included)."""

    utterance: Utterance
    hits: list[Hit] = field(default_factory=list)
    found: dict[str, list[Hit]] = field(default_factory=dict)

    def cues(self, family: str, label: str) -> list[Hit]:
        """Matches of ``label`` from one family's file (a reply cue such as ``accept``)."""
        if not self.found:  # a turn built without them: match now
            self.found = family_hits(self.utterance.text)
        return [h for h in self.found[family] if h.label == label]

    @cached_property
    def words(self) -> set[str]:
        """Content words of the utterance (``content_words``), computed once per text: turns
        with the same text share one set (read it, never change it)."""
        return _shared_words(self.utterance.text)

    def has(self, family: str, label: str | None = None) -> bool:
        """True when a match of ``family`` (and ``label``) fired here."""
        return any(h.family == family and (label is None or h.label == label) for h in self.hits)

    def control(self) -> bool:
        """A power_over act that imposes (command, prohibition, decision for another, dismissal)."""
        return any(h.label == "power_over" and h.subtype in CONTROL_SUBTYPES for h in self.hits)


def turns(utterances: Sequence[Utterance]) -> list[Turn]:
    """Each utterance with its signal matches and reply cues."""
    result = []
    # Matched once per distinct text, remembered only while the turns live (a global cache
    # would keep a long history's matches alive through every later measure).
    seen: dict[str, dict[str, list[Hit]]] = {}
    for utterance in utterances:
        found = seen.get(utterance.text)
        if found is None:
            found = seen[utterance.text] = match_families(utterance.text)
        result.append(Turn(utterance, signal_hits(found), found))  # (hits: the turn's own)
    return result


def _previous_other(seq: list[Turn], i: int) -> Turn | None:
    speaker = seq[i].utterance.speaker
    for j in range(i - 1, max(-1, i - 3), -1):
        if seq[j].utterance.speaker != speaker:
            return seq[j]
    return None


def is_request(turn: Turn) -> bool:
    """The utterance asks something of someone: proposal, control act, invitation, request."""
    if (
        turn.has("proposal")
        or turn.has("stance", "power_over")
        or turn.has("power_base", "coercive")
    ):
        return True
    if any(h.subtype == "invitation" for h in turn.hits):
        return True
    text = turn.utterance.text
    if REQUEST_FORM.search(text) is not None and ("?" in text or "please" in text.lower()):
        return True
    words = tokenize(text)
    return text.rstrip().endswith("?") and bool(words) and words[0] not in INFO_QUESTION


INFO_QUESTION = frozenset(
    re.findall(
        r"\S+",
        "what where when who whom whose why how which did does do is are was were have has had "
        "isn't aren't wasn't didn't doesn't really seriously so and but or oh wait huh",
    )
)
"""First words of questions that ask for information; other questions ("Come with me?") ask."""


def refusal_hits(seq: list[Turn], i: int) -> list[Hit]:
    """The refusal matches of turn ``i`` that count (bare ones only after a request)."""
    found = [h for h in seq[i].hits if h.family == "boundary"]
    if not found or all(h.subtype != "bare" for h in found):
        return found
    before = _previous_other(seq, i)
    gated = before is not None and is_request(before)
    return [h for h in found if h.subtype != "bare" or gated]


def next_other(seq: list[Turn]) -> list[int]:
    """For each turn, the index of the next turn by someone else (``len(seq)`` when none)."""
    after = [len(seq)] * len(seq)
    for i in range(len(seq) - 2, -1, -1):
        same = seq[i + 1].utterance.speaker == seq[i].utterance.speaker
        after[i] = after[i + 1] if same else i + 1
    return after
