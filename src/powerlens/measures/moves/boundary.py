"""Boundary Check (the framework's question "can both say no without fear of punishment?"):
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
respected refusal is not capitulation, nor is a yes to a new request the other side made after
the pressure (a different plan, not the refused one).
"""

from __future__ import annotations

from typing import Any

from powerlens.language import tokenize
from powerlens.measures.moves.structures import (
    CAPITULATION_WINDOW,
    PUNISHING_CONTROL,
    RESPONSE_TURNS,
    SHOUT,
    STOP_WORDS,
    Turn,
    _previous_other,
    is_request,
    next_other,
    refusal_hits,
)


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
        or any(h.subtype in PUNISHING_CONTROL for h in reply.hits if h.label == "power_over")
        or reply.cues("boundary", "punish")
        or len(SHOUT.findall(text)) >= 2
    ):
        return "punished"
    if reply.control() or reply.cues("boundary", "pressure") or _repeats(request, reply):
        return "pressured"
    if reply.cues("boundary", "respect"):
        return "respected"
    return None


RANK = {"punished": 3, "pressured": 2, "respected": 1}


def _moves_on(turn: Turn, request: Turn | None) -> bool:
    """The other side asks something new (a request that neither presses nor punishes): what
    the refuser says yes to after it is that, not the refused request."""
    return is_request(turn) and response_kind(turn, request) not in ("pressured", "punished")


def boundaries(seq: list[Turn]) -> list[dict[str, Any]]:
    """The Boundary Check for every refusal in the conversation."""
    found: list[dict[str, Any]] = []
    after: list[int] | None = None
    for i, turn in enumerate(seq):
        if not refusal_hits(seq, i):
            continue
        refuser = turn.utterance.speaker
        request = _previous_other(seq, i)
        if after is None:
            after = next_other(seq)
        j = after[i]
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
        gave_in: str | None = None
        if response in ("pressured", "punished"):
            for later in seq[i + 1 : i + 1 + CAPITULATION_WINDOW]:
                if later.utterance.speaker != refuser and _moves_on(later, request):
                    break  # a new request of its own: a yes after it answers that one
                if later.utterance.speaker != refuser or later.has("boundary"):
                    continue
                if later.cues("boundary", "give_in") or later.cues("proposal", "accept"):
                    gave_in = later.utterance.id
                    break
        entry: dict[str, Any] = {
            "refusal": turn.utterance.id,
            "by": refuser,
            "response": response,
            "response_utterances": [r.utterance.id for r in replies],
            "capitulated": gave_in is not None,
        }
        if gave_in is not None:
            entry["capitulated_by"] = gave_in
        found.append(entry)
    return found
