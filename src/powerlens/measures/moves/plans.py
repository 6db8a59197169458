"""Proposals (Tracking Influence, "whose plan was enacted?"): each utterance with a ``proposal``
match (suggestions, questions, plan statements and faits accomplis: "I've booked the train",
"we're going to...", "the van is booked", or a power_over decision for another) is a proposal.
Its *outcome* comes from the replies by others, up to ``PROPOSAL_REPLIES`` replies within
``PROPOSAL_WINDOW`` utterances: ``countered`` (a proposal with a counter or reject cue, or a
"could we...?" that engages with a plan), ``overridden`` (a reject cue with a power_over act or
legitimate-power appeal, a third person's plan or rejection right after someone accepted, or a
reply settling on the replier's own earlier plan), ``rejected`` (a refusal, or a dismissal with a
reason: "her flat is tiny, it makes no sense"), ``deferred`` (a non-committal "maybe", "we'll
see", "I'll think about it": pending, never acceptance), ``accepted``, or ``ignored``.
Later turns can still settle a plan: a short "ok" / "fine, whatever" from someone who had refused
or proposed something of their own is capitulation, and accepts the *other* person's open
proposals; a settling turn ("the twenty-third it is", "then it's settled", "as I said, ...")
settles the earlier proposal it restates, found by shared content words weighted by rarity in the
conversation (not recency); restating another's plan accepts it. The *decision* is the plan
settled last (accepted, restated as settled, or a directive nobody opposed), preferring plans
that were contested over side arrangements; its evidence is the proposal, the turn that accepted
it and any restatement. ``joint: true`` marks a decision whose plan combines both sides ("let's do
both: yours at Christmas, mine at New Year"); ``plan_of`` is then the person who proposed it.

Known limits: replies are taken in order of utterances (or ``reply_to`` is not used), so in
group chats with interleaved threads a reply may be credited to the wrong proposal; topics are
tracked only through shared words, so an accepted plan about dinner and a later one about
the film compete for "the" decision (contested plans win over uncontested ones); a restatement
that shares no word with the plan it restates falls back to the speaker's latest plan; a
restatement settles only a plan made within the last ``SETTLE_WINDOW`` utterances (so that a
history of years costs time in proportion to its length).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from powerlens.language import tokenize
from powerlens.measures.moves.detect import Hit
from powerlens.measures.moves.plan_index import Proposal, _Index, _position, _spread
from powerlens.measures.moves.structures import (
    CONTROL_SUBTYPES,
    PROPOSAL_REPLIES,
    PROPOSAL_WINDOW,
    SETTLE_WINDOW,
    Turn,
    refusal_hits,
)

DEMANDS = CONTROL_SUBTYPES - {"dismissing", "degradation"}
"""Power-over subtypes that put a plan forward for the other to follow: a demand is a plan
too, and it wins when the other gives in (Tracking Influence: "whose plan was enacted?")."""


def proposal_hit(turn: Turn) -> Hit | None:
    """The plan this turn puts forward, if any: a proposal, or a demand (a control act, a
    command or a prohibition aimed at the other)."""
    for h in turn.hits:
        if h.family == "proposal":
            return h
    for h in turn.hits:
        if h.label == "power_over" and h.subtype in DEMANDS and not h.rule.startswith("sequence."):
            return h
    return None


def _kind(turn: Turn) -> str:
    """``proposal`` (a plan put forward) or ``demand`` (a control act, command or prohibition)."""
    hit = proposal_hit(turn)
    return "proposal" if hit is None or hit.family == "proposal" else "demand"


def is_directive(turn: Turn) -> bool:
    """A plan statement or a demand made of others ("we're going to Grandma's", "be home by
    ten")."""
    return any(
        (h.family == "proposal" and h.subtype == "plan")
        or (h.label == "power_over" and h.subtype in DEMANDS)
        for h in turn.hits
    )


def _has(turn: Turn, label: str) -> bool:
    return bool(turn.cues("proposal", label))


def _rejects(seq: list[Turn], k: int) -> bool:
    return bool(seq[k].cues("proposal", "reject")) or bool(refusal_hits(seq, k))


def _supersedes(turn: Turn) -> bool:
    """A proposer's later proposal that replaces their earlier one (an alternative or a mix)."""
    return proposal_hit(turn) is not None and (_has(turn, "counter") or _has(turn, "combine"))


def _restates_other(reply: Turn, prop: Proposal, index: _Index) -> bool:
    """The reply settles on a plan of its own speaker that is not ``prop``: a proposal of the
    replier, made before ``prop``, that shares a content word with the reply."""
    if not _has(reply, "settle"):
        return False
    said = reply.words
    if said & prop.words:
        return False
    first = index.first_with
    speaker = reply.utterance.speaker
    return any(first.get((speaker, w), prop.index) < prop.index for w in said)


def _fate(seq: list[Turn], prop: Proposal, index: _Index) -> tuple[str, int | None, int | None]:
    """The outcome of one proposal, the reply that decided it, and the reply that accepted it."""
    i = prop.index
    proposer = prop.by
    seen = 0
    accepted: tuple[int, str] | None = None
    for k in range(i + 1, min(len(seq), i + 1 + PROPOSAL_WINDOW)):
        reply = seq[k]
        speaker = reply.utterance.speaker
        if speaker == proposer:
            if accepted is None and _supersedes(reply):
                break
            continue
        seen += 1
        if accepted is not None:
            # In a group, a third person's rejection or own plan overrides an acceptance.
            if speaker != accepted[1] and (_rejects(seq, k) or is_directive(reply)):
                return "overridden", k, accepted[0]
            if seen >= PROPOSAL_REPLIES:
                break
            continue
        offers = proposal_hit(reply) is not None
        rejects = _rejects(seq, k)
        counters = _has(reply, "counter")
        imposes = reply.control() or reply.has("power_base", "legitimate")
        accepts = bool(reply.cues("proposal", "accept")) or bool(reply.cues("boundary", "give_in"))
        if _restates_other(reply, prop, index):
            return "overridden", k, None
        if offers and (counters or rejects):
            return ("overridden" if rejects and imposes else "countered"), k, None
        if rejects and imposes:
            return "overridden", k, None
        if rejects and not accepts:
            return "rejected", k, None
        if _has(reply, "defer"):
            return "deferred", k, None
        if not rejects and _has(reply, "reject"):
            return "rejected", k, None
        if accepts:
            accepted = (k, speaker)
            if index.two_speakers:
                break
            continue
        if offers:
            hit = proposal_hit(reply)
            engages = is_directive(prop.turn) or bool(reply.words & prop.words)
            if hit is not None and hit.subtype == "question" and engages:
                return "countered", k, None
            return "ignored", None, None
        if seen >= PROPOSAL_REPLIES:
            break
    if accepted is not None:
        return "accepted", accepted[0], accepted[0]
    return "ignored", None, None


def _yields(seq: list[Turn], k: int) -> bool:
    """A short "ok" / "fine" / "whatever" that takes up someone else's plan."""
    turn = seq[k]
    text = turn.utterance.text
    if proposal_hit(turn) is not None or _rejects(seq, k) or _has(turn, "counter"):
        return False
    if _has(turn, "defer") or turn.has("boundary"):
        return False
    if turn.cues("boundary", "give_in"):
        return True
    return bool(turn.cues("proposal", "accept")) and len(tokenize(text)) <= 5


def _in_contention(index: _Index, start: int, k: int, who: str) -> bool:
    """``who`` refused or put forward a plan of their own between ``start`` and ``k``."""
    return _between(index.proposed_at.get(who, []), start, k) or _between(
        index.refusals().get(who, []), start, k
    )


def _between(positions: list[int], start: int, k: int) -> bool:
    """Some position of the sorted ``positions`` lies strictly between ``start`` and ``k``."""
    at = bisect_left(positions, start + 1)
    return at < len(positions) and positions[at] < k


def _settle_target(
    seq: list[Turn], index: _Index, k: int, spread: dict[str, int]
) -> Proposal | None:
    """The earlier proposal a settling turn restates: most shared content words, else fallback.

    Shared words count 1 / (number of turns using the word), so a rare word ("chips", "the
    twenty-third") outweighs one the whole conversation keeps using ("Grandma"). Only
    proposals of the last ``SETTLE_WINDOW`` utterances are candidates; those that share a word
    are found through the word index, not by scanning every proposal.
    """
    turn = seq[k]
    speaker = turn.utterance.speaker
    said = turn.words
    strong = any(h.subtype == "strong" for h in turn.cues("proposal", "settle"))
    since = k - SETTLE_WINDOW
    sharing: dict[int, Proposal] = {}
    for word in said:
        posting = index.with_word.get(word, [])
        for p in posting[bisect_left(posting, since, key=_position) :]:
            if p.index >= k:
                break
            if strong or p.by == speaker:
                sharing[p.index] = p
    scored = [
        (
            sum(1 / spread.get(w, 1) for w in said & p.words),
            p.outcome not in ("rejected", "overridden", "deferred"),
            p.by == speaker,
            p.index,
            p,
        )
        for p in sharing.values()
    ]
    best = max(scored, key=lambda s: s[:4], default=None)
    if best is not None and best[0] > 0:
        return best[4]
    if not strong:
        return None
    live = ("accepted", "ignored", "countered")
    own = index.latest(since, k, lambda p: p.by == speaker and p.outcome in live)
    if own is not None:
        return own
    return index.latest(since, k, lambda p: p.outcome in ("accepted", "ignored"))


def _accept(prop: Proposal, k: int, how: str = "accepted") -> None:
    if prop.outcome != "accepted":
        prop.outcome, prop.settler = "accepted", k
    prop.events.setdefault(k, how)


def proposals(seq: list[Turn]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every proposal with its outcome, and the final decision with its evidence.

    The decision is the plan settled last (accepted, restated as settled by its proposer, or a
    directive nobody opposed), preferring plans that were contested over side arrangements.
    """
    props = [
        Proposal(i, turn, words=turn.words)
        for i, turn in enumerate(seq)
        if proposal_hit(turn) is not None
    ]
    for prop in props:
        prop.joint = _has(prop.turn, "combine")
    index = _Index(seq, props)
    by_index = index.by_index
    consumed: set[int] = set()
    for n, prop in enumerate(props):
        prop.outcome, prop.settler, accepted_at = _fate(seq, prop, index)
        if accepted_at is not None:
            consumed.add(accepted_at)
        if prop.settler is not None:
            consumed.add(prop.settler)
            if prop.outcome == "accepted":
                prop.events[prop.settler] = "accepted"
            elif prop.outcome in ("countered", "overridden", "rejected"):
                prop.contested = True
                if prop.settler in by_index:
                    by_index[prop.settler].contested = True
        elif prop.outcome == "ignored" and index.next_other[n] < len(props):
            # the next proposal by someone else, if it came within the window, contests it
            other = props[index.next_other[n]]
            if other.index - prop.index <= PROPOSAL_WINDOW:
                other.contested = True
    spread: dict[str, int] | None = None
    # the last proposal before k, and the last one before k by someone other than its proposer
    last: Proposal | None = None
    last_other: Proposal | None = None
    made = 0
    for k, turn in enumerate(seq):
        speaker = turn.utterance.speaker
        while made < len(props) and props[made].index < k:
            if last is not None and last.by != props[made].by:
                last_other = last
            last = props[made]
            made += 1
        if k not in consumed and k not in by_index and _yields(seq, k):
            target = last if last is not None and last.by != speaker else last_other
            if target is not None and target.outcome != "accepted":
                contention = _in_contention(index, target.index, k, speaker)
                if contention:
                    # Giving in: the other person's whole open plan is taken up, not only
                    # their last sentence ("I've booked it" ... "the tickets are paid for").
                    for prop in index.around(k - 2 * PROPOSAL_WINDOW, k):
                        if prop.by == target.by and prop.outcome not in ("accepted", "deferred"):
                            _accept(prop, k, "gave_in")
                            prop.contested = True
                    consumed.add(k)
                elif k - target.index <= PROPOSAL_WINDOW:
                    _accept(target, k)
                    consumed.add(k)
        if not _has(turn, "settle"):
            continue
        if spread is None:
            spread = _spread(seq)
        target = _settle_target(seq, index, k, spread)
        if target is None:
            continue
        if target.by != speaker:
            _accept(target, k)
            consumed.add(k)
            continue
        target.events.setdefault(k, "restated")
        seen = 0
        for j in range(k + 1, min(len(seq), k + 1 + PROPOSAL_WINDOW)):
            if seq[j].utterance.speaker == speaker:
                continue
            seen += 1
            if _rejects(seq, j) or _has(seq[j], "counter"):
                break
            if seq[j].cues("proposal", "accept"):
                _accept(target, j)
                consumed.add(j)
                break
            if seen >= PROPOSAL_REPLIES:
                break
    events: list[tuple[int, Proposal]] = []
    for prop in props:
        events.extend((k, prop) for k in prop.events)
        if prop.outcome == "ignored" and not prop.events and is_directive(prop.turn):
            prop.events[prop.index] = "unopposed"
            events.append((prop.index, prop))
    found = [
        {
            "utterance_id": p.turn.utterance.id,
            "by": p.by,
            "outcome": p.outcome,
            "settled_by": seq[p.settler].utterance.id if p.settler is not None else None,
            "kind": _kind(p.turn),
        }
        for p in props
    ]
    if not events:
        return found, {"plan_of": None, "evidence": []}
    contested = [e for e in events if e[1].contested]
    pool = [e for e in contested if e[1].events[e[0]] != "unopposed"] or contested or events
    where, winner = max(pool, key=lambda e: (e[0], -e[1].index))
    ids = [winner.turn.utterance.id]
    ids += [
        seq[k].utterance.id
        for k, kind in sorted(winner.events.items())
        if k != winner.index and k <= where and (kind == "restated" or k == winner.settler)
    ]
    decision: dict[str, Any] = {
        "plan_of": winner.by,
        "evidence": ids,
        "settled": winner.events[where],
    }
    if winner.joint:
        decision["joint"] = True
    return found, decision
