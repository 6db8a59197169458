"""The issue-14 challenge suite: control acts, speech acts and turn structures on unseen talk.

``tests/data/challenge/`` was written by a separate author from the published instruments
(Duluth Power and Control Wheel, Stark 2007, the UK statutory guidance on coercive control,
Searle 1976, CaSiNo's strategy definitions) before the rules it checks; its ``test`` half is
frozen (``FROZEN.md``) and never tuned on. Scored here, per half:

- **utterances**: each control item's category found (recall per category), a control signal on
  a benign item (its twin, or one of the other acts) as a false alarm, and the expected speech
  act found among the acts read;
- **conversations**: every listed control act found at its turn (recall), every control signal
  not listed (false alarm), refusals found and answered as labelled (respected / pressured /
  punished / unanswered; capitulated), the proposals' outcomes, whose plan was enacted and the
  turn that settled it, guilt and loyalty appeals.

Known limits: one author wrote the suite; the labels are theirs, with the borderline rules in
its README (care versus monitoring, parents of young children, requested accountability).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES
from powerlens.measures.moves.control import CONTROL_CATEGORIES
from powerlens.model import Conversation, Signal, Utterance

SUITE = Path(__file__).resolve().parents[3] / "tests" / "data" / "challenge"
EXTRA = SUITE.parent / "challenge_extra"
"""A second author's set (all dev: for tuning and a second look at how the reading carries over
to someone else's wording), same schema."""
APPEALS = {"appeal_guilt": "guilt", "appeal_loyalty": "loyalty"}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _moves(conversation: Conversation) -> tuple[list[Signal], dict[str, Any]]:
    result = MOVES.finalize(MOVES.map(conversation, [], Options()))
    return result.signals, result.sections


def control_of(signals: list[Signal], utterance_id: str) -> set[str]:
    """The control categories read in one utterance."""
    return {
        s.subtype
        for s in signals
        if s.utterance_id == utterance_id
        and s.label == "power_over"
        and s.subtype in CONTROL_CATEGORIES
    }


def _item_conversation(item: dict[str, Any]) -> Conversation:
    utterances = []
    if item.get("context"):
        utterances.append(Utterance("c", item["addressee"], item["context"]))
    utterances.append(Utterance("u", item["speaker"], item["text"]))
    return Conversation(id=item["id"], utterances=tuple(utterances))


def score_utterances(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Recall per control category, benign false alarms and act accuracy over ``items``."""
    recall: dict[str, list[bool]] = defaultdict(list)
    benign: list[bool] = []
    acts: dict[str, list[bool]] = defaultdict(list)
    misses: list[str] = []
    alarms: list[str] = []
    for item in items:
        signals, _ = _moves(_item_conversation(item))
        found = control_of(signals, "u")
        expect = item["expect"]
        category = expect.get("control")
        if category:
            hit = category in found
            recall[category].append(hit)
            if not hit:
                misses.append(item["id"])
        else:
            benign.append(bool(found))
            if found:
                alarms.append(item["id"])
        act = expect.get("act")
        if act and act != "statement":
            read = {s.label for s in signals if s.utterance_id == "u" and s.family == "act"}
            acts[act].append(act in read)
    return {
        "items": len(items),
        "recall": {c: _rate(recall[c]) for c in CONTROL_CATEGORIES if recall[c]},
        "recall_all": _rate([h for c in recall.values() for h in c]),
        "control_items": sum(len(v) for v in recall.values()),
        "benign_items": len(benign),
        "false_alarm_rate": _rate(benign),
        "act_recall": {a: _rate(v) for a, v in sorted(acts.items())},
        "misses": misses,
        "false_alarms": alarms,
    }


def _rate(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def score_conversations(lines: list[dict[str, Any]], root: Path = SUITE) -> dict[str, Any]:
    """Control, refusals, proposals, decisions and appeals in the suite's conversations."""
    from powerlens.readers import load

    tally: Counter[str] = Counter()
    notes: list[str] = []
    for line in lines:
        (conversation,) = load(root / line["file"])
        signals, sections = _moves(conversation)
        ids = [u.id for u in conversation.utterances]
        turn_of = {uid: n for n, uid in enumerate(ids, start=1)}
        expect = line["expect"]
        _score_control(line["id"], expect, signals, ids, tally, notes)
        _score_refusals(line["id"], expect, sections, turn_of, tally, notes)
        _score_proposals(expect, sections, turn_of, tally)
        _score_decision(line["id"], expect, sections, turn_of, tally, notes)
        _score_appeals(expect, signals, turn_of, tally)
        tally["conversations"] += 1
        if not expect["control"]:
            tally["benign_conversations"] += 1
            tally["benign_flagged"] += any(
                s.label == "power_over" and s.subtype in CONTROL_CATEGORIES for s in signals
            )
    return {"tally": dict(tally), "notes": notes, **_conversation_rates(tally)}


def _score_control(
    cid: str,
    expect: dict[str, Any],
    signals: list[Signal],
    ids: list[str],
    tally: Counter[str],
    notes: list[str],
) -> None:
    allowed: dict[int, set[str]] = defaultdict(set)
    for entry in expect["control"]:
        turn = entry["turn"]
        allowed[turn] |= {entry["category"], *entry.get("also", [])}
        hit = entry["category"] in control_of(signals, ids[turn - 1])
        tally["control_expected"] += 1
        tally["control_found"] += hit
        if not hit:
            notes.append(f"{cid}: missed {entry['category']} at turn {turn}")
    for turn, uid in enumerate(ids, start=1):
        for category in control_of(signals, uid) - allowed.get(turn, set()):
            tally["control_false_alarms"] += 1
            notes.append(f"{cid}: false alarm {category} at turn {turn}")
    tally["utterances"] += len(ids)


def _score_refusals(
    cid: str,
    expect: dict[str, Any],
    sections: dict[str, Any],
    turn_of: dict[str, int],
    tally: Counter[str],
    notes: list[str],
) -> None:
    found = {turn_of[b["refusal"]]: b for b in sections.get("boundaries", [])}
    expected = {r["turn"]: r for r in expect["refusals"]}
    for turn, entry in expected.items():
        tally["refusals_expected"] += 1
        got = found.get(turn)
        if got is None:
            notes.append(f"{cid}: missed refusal at turn {turn}")
            continue
        tally["refusals_found"] += 1
        tally["responses_right"] += got["response"] == entry["response"]
        tally["capitulated_right"] += got["capitulated"] == entry["capitulated"]
        if got["response"] != entry["response"]:
            notes.append(
                f"{cid}: refusal at turn {turn} read {got['response']}, "
                f"labelled {entry['response']}"
            )
    extra = set(found) - set(expected)
    tally["refusals_extra"] += len(extra)
    notes.extend(f"{cid}: refusal read at turn {t}, not labelled" for t in sorted(extra))


def _score_proposals(
    expect: dict[str, Any],
    sections: dict[str, Any],
    turn_of: dict[str, int],
    tally: Counter[str],
) -> None:
    found = {turn_of[p["utterance_id"]]: p for p in sections.get("proposals", [])}
    for entry in expect["proposals"]:
        tally["proposals_expected"] += 1
        got = found.get(entry["turn"])
        if got is not None:
            tally["proposals_found"] += 1
            tally["outcomes_right"] += got["outcome"] == entry["outcome"]


def _score_decision(
    cid: str,
    expect: dict[str, Any],
    sections: dict[str, Any],
    turn_of: dict[str, int],
    tally: Counter[str],
    notes: list[str],
) -> None:
    decision = sections.get("decision") or {}
    plan_of = decision.get("plan_of")
    tally["decisions"] += 1
    right = plan_of == expect["plan_of"]
    tally["plan_of_right"] += right
    if not right:
        notes.append(f"{cid}: plan_of {plan_of!r}, labelled {expect['plan_of']!r}")
    if expect["plan_of"] and expect.get("decided_at"):
        tally["decided_at_expected"] += 1
        turns = [turn_of[e] for e in decision.get("evidence", []) if e in turn_of]
        tally["decided_at_in_evidence"] += expect["decided_at"] in turns


def _score_appeals(
    expect: dict[str, Any],
    signals: list[Signal],
    turn_of: dict[str, int],
    tally: Counter[str],
) -> None:
    found = {
        (turn_of[s.utterance_id], APPEALS[s.label])
        for s in signals
        if s.family == "act" and s.label in APPEALS
    }
    expected = {(a["turn"], a["kind"]) for a in expect["appeals"]}
    tally["appeals_expected"] += len(expected)
    tally["appeals_found"] += len(expected & found)
    tally["appeals_extra"] += len(found - expected)


def _ratio(tally: Counter[str], top: str, bottom: str) -> float | None:
    return tally[top] / tally[bottom] if tally[bottom] else None


def _conversation_rates(tally: Counter[str]) -> dict[str, float | None]:
    return {
        "control_recall": _ratio(tally, "control_found", "control_expected"),
        "control_false_alarms_per_utterance": _ratio(tally, "control_false_alarms", "utterances"),
        "benign_conversations_flagged": _ratio(tally, "benign_flagged", "benign_conversations"),
        "refusal_recall": _ratio(tally, "refusals_found", "refusals_expected"),
        "response_accuracy": _ratio(tally, "responses_right", "refusals_found"),
        "capitulation_accuracy": _ratio(tally, "capitulated_right", "refusals_found"),
        "proposal_recall": _ratio(tally, "proposals_found", "proposals_expected"),
        "outcome_accuracy": _ratio(tally, "outcomes_right", "proposals_found"),
        "plan_of_accuracy": _ratio(tally, "plan_of_right", "decisions"),
        "decided_at_accuracy": _ratio(tally, "decided_at_in_evidence", "decided_at_expected"),
        "appeal_recall": _ratio(tally, "appeals_found", "appeals_expected"),
    }


def run(half: str = "test", root: Path = SUITE) -> dict[str, Any] | None:
    """Both parts of the suite for one half (``test`` or ``dev``); None when it is absent."""
    if not (root / "utterances.jsonl").is_file():
        return None
    items = [i for i in _jsonl(root / "utterances.jsonl") if i["half"] == half]
    lines = [c for c in _jsonl(root / "conversations.jsonl") if c["half"] == half]
    return {
        "half": half if root == SUITE else f"{root.name} ({half})",
        "utterances": score_utterances(items),
        "conversations": score_conversations(lines, root),
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def to_markdown(result: dict[str, Any]) -> str:
    """One half's figures as the challenge-suite part of docs/validation.md."""
    u, c = result["utterances"], result["conversations"]
    lines = [
        f"#### Challenge suite, {result['half']} half"
        if result["half"] in ("dev", "test")
        else "#### The second author's set (tests/data/challenge_extra, all dev)",
        "",
        f"Utterances ({u['items']}: {u['control_items']} control items, {u['benign_items']} "
        f"benign): recall {_pct(u['recall_all'])}, benign false alarms "
        f"{_pct(u['false_alarm_rate'])}.",
        "",
        "| category | recall |",
        "|---|---|",
        *(f"| {k} | {_pct(v)} |" for k, v in u["recall"].items()),
        "",
        "| speech act | found |",
        "|---|---|",
        *(f"| {k} | {_pct(v)} |" for k, v in u["act_recall"].items()),
        "",
        f"Conversations ({c['tally'].get('conversations', 0)}, "
        f"{c['tally'].get('utterances', 0)} turns):",
        "",
        "| reading | figure |",
        "|---|---|",
        f"| control acts found at their turn | {_pct(c['control_recall'])} |",
        f"| control signals not labelled, per turn | "
        f"{_pct(c['control_false_alarms_per_utterance'])} |",
        f"| benign conversations with a control signal | "
        f"{_pct(c['benign_conversations_flagged'])} |",
        f"| refusals found | {_pct(c['refusal_recall'])} |",
        f"| ... answered as labelled (respected / pressured / punished / unanswered) | "
        f"{_pct(c['response_accuracy'])} |",
        f"| ... capitulation as labelled | {_pct(c['capitulation_accuracy'])} |",
        f"| proposals found | {_pct(c['proposal_recall'])} |",
        f"| ... outcome as labelled | {_pct(c['outcome_accuracy'])} |",
        f"| whose plan was enacted | {_pct(c['plan_of_accuracy'])} |",
        f"| the settling turn among the decision's evidence | {_pct(c['decided_at_accuracy'])} |",
        f"| guilt and loyalty appeals found | {_pct(c['appeal_recall'])} |",
        "",
    ]
    return "\n".join(lines)
