"""Structures over turns: the Boundary Check and whose plan was enacted.

Boundary Check (the framework's question "can both say no without fear of punishment?"):
a refusal is an utterance with a ``refusal`` match (``lexicons/moves/boundaries.tsv``); a bare
"no" / "nah" / "not now" counts only when the last utterance by someone else was a request
(a proposal, a power_over act, an invitation, a can/could/will-you request, or a
question that does not open with a wh-word or auxiliary: "come to the gym with me?").
The *response* is
what the other people say after it until the refuser speaks again (at most ``RESPONSE_TURNS``
utterances, skipping the refuser's own follow-ups): ``punished`` (a threat, guilt, anger,
withdrawal of something valued, or shouting in capitals), else ``pressured`` (insisting, arguing
it away, repeating the request, a command), else ``respected`` (accepting, asking why openly,
adapting, or simply moving on), or ``unanswered`` when nobody replies. ``capitulated`` is true
when, after a pressured or punished response, the refuser gives in within ``CAPITULATION_WINDOW``
utterances ("fine, I'll go") without refusing again in that utterance; a change of mind after a
respected refusal is not capitulation.

Proposals (Tracking Influence, "whose plan was enacted?"): each utterance with a ``proposal``
match (or a power_over decision for another) is a proposal. Its *outcome* comes from the first
reply by someone else, looking at up to ``PROPOSAL_REPLIES`` replies within ``PROPOSAL_WINDOW``
utterances: ``countered`` (a proposal with a counter or reject cue: "what about Lisbon
instead?"), ``overridden`` (a reject cue with a power_over act or legitimate-power appeal: "no,
we're going to Grandma's, end of discussion"), ``rejected``, ``accepted`` (an accept cue,
including building on it: "yes, and let's bring snacks"), or ``ignored`` (nobody takes it up, or
someone puts their own plan forward without engaging with it). The *decision* is the latest
settled plan: an accepted proposal (dated by the reply that accepted it) or a plan statement or
decision-for-another that nobody rejected or countered (dated by itself); else none.

Known limits: replies are taken in order of utterances (or ``reply_to`` is not used), so in
group chats with interleaved threads a reply may be credited to the wrong proposal; topics are
not tracked, so an accepted plan about dinner and a later one about the film compete for
"the" decision.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from powerlens.language import tokenize
from powerlens.measures.moves.detect import Hit, cues, utterance_hits
from powerlens.model import Utterance

RESPONSE_TURNS = 3
CAPITULATION_WINDOW = 8
PROPOSAL_WINDOW = 6
PROPOSAL_REPLIES = 3

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
CONTROL_SUBTYPES = frozenset({"command", "prohibition", "deciding_for_another", "dismissing"})


@dataclass
class Turn:
    """One utterance with the matches found in it."""

    utterance: Utterance
    hits: list[Hit] = field(default_factory=list)

    def has(self, family: str, label: str | None = None) -> bool:
        """True when a match of ``family`` (and ``label``) fired here."""
        return any(h.family == family and (label is None or h.label == label) for h in self.hits)

    def control(self) -> bool:
        """A power_over act that imposes (command, prohibition, decision for another, dismissal)."""
        return any(h.label == "power_over" and h.subtype in CONTROL_SUBTYPES for h in self.hits)


def turns(utterances: Sequence[Utterance]) -> list[Turn]:
    """Each utterance with its signal matches."""
    return [Turn(u, utterance_hits(u.text)) for u in utterances]


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


def _content(text: str) -> set[str]:
    return {w for w in tokenize(text) if w not in STOP_WORDS and len(w) > 2}


def _repeats(request: Turn | None, reply: Turn) -> bool:
    """The reply repeats the refused request (half or more of its content words, at least two)."""
    if request is None or request.utterance.speaker != reply.utterance.speaker:
        return False
    asked = _content(request.utterance.text)
    said = _content(reply.utterance.text)
    shared = asked & said
    return len(shared) >= 2 and len(shared) >= 0.5 * len(asked)


def response_kind(reply: Turn, request: Turn | None) -> str | None:
    """``punished``, ``pressured``, ``respected`` or None (no cue) for one reply to a refusal."""
    text = reply.utterance.text
    if (
        reply.has("power_base", "coercive")
        or cues(text, "boundary", "punish")
        or len(SHOUT.findall(text)) >= 2
    ):
        return "punished"
    if reply.control() or cues(text, "boundary", "pressure") or _repeats(request, reply):
        return "pressured"
    if cues(text, "boundary", "respect"):
        return "respected"
    return None


RANK = {"punished": 3, "pressured": 2, "respected": 1}


def boundaries(seq: list[Turn]) -> list[dict[str, Any]]:
    """The Boundary Check for every refusal in the conversation."""
    found: list[dict[str, Any]] = []
    for i, turn in enumerate(seq):
        if not refusal_hits(seq, i):
            continue
        refuser = turn.utterance.speaker
        request = _previous_other(seq, i)
        j = i + 1
        while j < len(seq) and seq[j].utterance.speaker == refuser:
            j += 1
        replies: list[Turn] = []
        while (
            j < len(seq) and seq[j].utterance.speaker != refuser and len(replies) < RESPONSE_TURNS
        ):
            replies.append(seq[j])
            j += 1
        if not replies:
            response = "unanswered"
        else:
            kinds = [response_kind(r, request) for r in replies]
            response = max((k for k in kinds if k), key=RANK.__getitem__, default="respected")
        capitulated = False
        if response in ("pressured", "punished"):
            for later in seq[i + 1 : i + 1 + CAPITULATION_WINDOW]:
                if later.utterance.speaker != refuser or later.has("boundary"):
                    continue
                text = later.utterance.text
                if cues(text, "boundary", "give_in") or cues(text, "proposal", "accept"):
                    capitulated = True
                    break
        found.append(
            {
                "refusal": turn.utterance.id,
                "by": refuser,
                "response": response,
                "response_utterances": [r.utterance.id for r in replies],
                "capitulated": capitulated,
            }
        )
    return found


def proposal_hit(turn: Turn) -> Hit | None:
    """The proposal in this turn, if any: a proposal match or a decision for another."""
    for h in turn.hits:
        if h.family == "proposal":
            return h
    for h in turn.hits:
        if h.label == "power_over" and h.subtype == "deciding_for_another":
            return h
    return None


def is_directive(turn: Turn) -> bool:
    """A plan statement or a decision made for others ("we're going to Grandma's")."""
    return any(
        (h.family == "proposal" and h.subtype == "plan")
        or (h.label == "power_over" and h.subtype == "deciding_for_another")
        for h in turn.hits
    )


def _fate(seq: list[Turn], i: int) -> tuple[str, Turn | None]:
    proposer = seq[i].utterance.speaker
    seen = 0
    for k in range(i + 1, min(len(seq), i + 1 + PROPOSAL_WINDOW)):
        reply = seq[k]
        if reply.utterance.speaker == proposer:
            continue
        seen += 1
        text = reply.utterance.text
        offers = proposal_hit(reply) is not None
        rejects = bool(cues(text, "proposal", "reject")) or bool(refusal_hits(seq, k))
        counters = bool(cues(text, "proposal", "counter"))
        imposes = reply.control() or reply.has("power_base", "legitimate")
        if offers and (counters or rejects):
            return ("overridden" if rejects and imposes else "countered"), reply
        if rejects and imposes:
            return "overridden", reply
        if rejects:
            return "rejected", reply
        if cues(text, "proposal", "accept") or cues(text, "boundary", "give_in"):
            return "accepted", reply
        if offers:
            return "ignored", None
        if seen >= PROPOSAL_REPLIES:
            break
    return "ignored", None


def proposals(seq: list[Turn]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every proposal with its outcome, and the final decision with its evidence."""
    found: list[dict[str, Any]] = []
    enacted: list[tuple[int, list[str], str]] = []
    for i, turn in enumerate(seq):
        if proposal_hit(turn) is None:
            continue
        outcome, settler = _fate(seq, i)
        found.append(
            {
                "utterance_id": turn.utterance.id,
                "by": turn.utterance.speaker,
                "outcome": outcome,
                "settled_by": settler.utterance.id if settler else None,
            }
        )
        if outcome == "accepted" and settler is not None:
            where = seq.index(settler, i)
            enacted.append(
                (where, [turn.utterance.id, settler.utterance.id], turn.utterance.speaker)
            )
        elif outcome == "ignored" and is_directive(turn):
            enacted.append((i, [turn.utterance.id], turn.utterance.speaker))
    if not enacted:
        return found, {"plan_of": None, "evidence": []}
    _, evidence, speaker = max(enacted, key=lambda e: e[0])
    return found, {"plan_of": speaker, "evidence": evidence}
