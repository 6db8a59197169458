"""Validation of the power-moves family on CaSiNo (Chawla et al., NAACL 2021; CC BY 4.0).

CaSiNo holds campsite negotiations: two crowd workers split three packages each of food, water
and firewood in a chat, then one submits the deal (a structured ``Submit-Deal`` event) and the
other accepts, rejects or walks away. powerlens reads **only the chat utterances**: the deal
events are not text and are left out of the conversation it is given.

**Frozen split of the visible data** (``casino_train.json`` + ``casino_valid.json``, 930
dialogues; the owners hold back their test split): a dialogue is in the *test* half when the
first byte of ``sha256("casino/<dialogue_id>")`` is odd, else in the *dev* half. The rules may be
tuned on the dev half (476 dialogues, 187 annotated); the test half (454 dialogues, 167
annotated, 442 accepted deals) is reported, never tuned on. The sha256 of the sorted test-half
ids (decimal, one per line, joined by ``\\n``, no final newline) is
``e6c4dfb70ad602168cc0b6a6001023e3eab924a4c3f124a2c8eb8132cf4af772``; of the dev half,
``029e9b04f79cd0a8879361f40656fbaa7a8f574bbd1c3af5fd82bc6298db3d0b``.

Scored on each half (``run``; ``python scripts/validate.py casino``):

1. **Whose plan was enacted** (``score_plans``): for each accepted deal (a ``Submit-Deal`` right
   before an ``Accept-Deal``), ``decision.plan_of`` against the submitter (issue 14's goal:
   >= 85%). The submitter is almost always the person who did *not* write the last chat message
   (the other one closes with "deal!" and waits), so beside it: the trivial turn-order baselines,
   agreement on the deals where that baseline is wrong, and text-anchored labels from the deal's
   numbers (``casino_deals``: the first and last person to state the accepted split) with the
   share of decisions whose evidence holds a proposal stating it.
2. **Per utterance** on the annotated dialogues (``score_utterances``): precision and recall of
   ``proposal`` against *promote-coordination*, ``power_with`` against *promote-coordination* or
   *elicit-pref* (goal: each >= 0.6), ``power_over`` (``dismissing``, and any) against
   *uv-part*; and which signal subtypes fire on which labels.
3. **Outcomes beyond the chat** (``casino_outcomes``): partner's satisfaction and liking with and
   without the other side's power_over, with bootstrap intervals.

The quick sample (CI) is every tenth dialogue of each half in order of id (48 dev, 46 test).
Known limits: the strategy labels are per utterance and several may apply; *promote-coordination*
is narrower than a ``proposal`` (a plain "I need the water" claim is a proposal to powerlens but
*self-need* to the annotators), so precision against it is bounded; the number parser is rough
(see ``casino_deals``). The markdown is ``casino_report``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES, NEGOTIATION
from powerlens.model import Conversation, Signal, Utterance
from powerlens.validation.casino_deals import matches
from powerlens.validation.casino_outcomes import score_outcomes
from powerlens.validation.casino_report import to_markdown

FILES = ("casino_train.json", "casino_valid.json")
EVENTS = frozenset({"Submit-Deal", "Accept-Deal", "Reject-Deal", "Walk-Away"})
"""Structured deal events written as utterances: never given to powerlens."""
HALVES = ("dev", "test")
SPLIT_SALT = "casino/"
TEST_SHA256 = "e6c4dfb70ad602168cc0b6a6001023e3eab924a4c3f124a2c8eb8132cf4af772"
DEV_SHA256 = "029e9b04f79cd0a8879361f40656fbaa7a8f574bbd1c3af5fd82bc6298db3d0b"
QUICK_STEP = 10
"""The quick sample (CI): every tenth dialogue of each half, in order of id."""


def half_of(dialogue_id: int) -> str:
    """``test`` when the first byte of sha256("casino/<id>") is odd, else ``dev``."""
    return (
        "test" if hashlib.sha256(f"{SPLIT_SALT}{dialogue_id}".encode()).digest()[0] % 2 else "dev"
    )


def ids_digest(ids: list[int]) -> str:
    """The sha256 of sorted ids, decimal, one per line (the frozen split's fingerprint)."""
    return hashlib.sha256("\n".join(str(i) for i in sorted(ids)).encode()).hexdigest()


def load(root: Path) -> list[dict[str, Any]] | None:
    """Every visible dialogue, sorted by id; None when the data is absent."""
    folder = root / "casino"
    if not all((folder / name).is_file() for name in FILES):
        return None
    dialogues: list[dict[str, Any]] = []
    for name in FILES:
        dialogues += json.loads((folder / name).read_text(encoding="utf-8"))
    return sorted(dialogues, key=lambda d: int(d["dialogue_id"]))


def split(
    dialogues: list[dict[str, Any]], *, quick: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """The dialogues of each half (in order of id); with ``quick``, every tenth of each."""
    halves: dict[str, list[dict[str, Any]]] = {h: [] for h in HALVES}
    for d in dialogues:
        halves[half_of(int(d["dialogue_id"]))].append(d)
    if quick:
        halves = {h: rows[::QUICK_STEP] for h, rows in halves.items()}
    return halves


def chat(dialogue: dict[str, Any]) -> list[dict[str, Any]]:
    """The chat utterances only (the deal events left out)."""
    return [c for c in dialogue["chat_logs"] if c["text"] not in EVENTS]


def conversation(dialogue: dict[str, Any], *, tagged: bool = True) -> Conversation:
    """The chat as powerlens reads it: ids ``<dialogue_id>:<n>``, speakers as in the data,
    tagged as a negotiation (as a user would with ``--context negotiation``) unless ``tagged``
    is false (then Power With is the rules' reading)."""
    did = dialogue["dialogue_id"]
    return Conversation(
        id=f"casino-{did}",
        context=(NEGOTIATION,) if tagged else (),
        utterances=tuple(
            Utterance(f"{did}:{n}", c["id"], c["text"]) for n, c in enumerate(chat(dialogue))
        ),
    )


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """One dialogue as powerlens read it: its chat, the moves signals and sections."""

    dialogue: dict[str, Any]
    conversation: Conversation
    signals: list[Signal]
    sections: dict[str, Any]

    def by_utterance(self) -> dict[str, list[Signal]]:
        """The signals of each utterance id."""
        found: dict[str, list[Signal]] = defaultdict(list)
        for s in self.signals:
            found[s.utterance_id].append(s)
        return found


def read(dialogue: dict[str, Any], *, tagged: bool = True) -> Read:
    """Run the moves family on a dialogue's chat (never the deal events)."""
    conv = conversation(dialogue, tagged=tagged)
    result = MOVES.finalize(MOVES.map(conv, [], Options()))
    return Read(dialogue, conv, list(result.signals), dict(result.sections))


def is_over(s: Signal) -> bool:
    """A ``power_over`` stance signal (any subtype)."""
    return s.family == "stance" and s.label == "power_over"


def is_with(s: Signal) -> bool:
    """A ``power_with`` stance signal."""
    return s.family == "stance" and s.label == "power_with"


def is_proposal(s: Signal) -> bool:
    """A ``proposal`` signal (the turn structures' proposals)."""
    return s.family == "proposal"


# --- whose plan was enacted --------------------------------------------------------------


def accepted_deal(dialogue: dict[str, Any]) -> dict[str, Any] | None:
    """The accepted deal: the ``Submit-Deal`` right before the first ``Accept-Deal``, or None."""
    logs = dialogue["chat_logs"]
    for n, entry in enumerate(logs):
        if entry["text"] == "Accept-Deal" and n and logs[n - 1]["text"] == "Submit-Deal":
            submit = logs[n - 1]
            return {
                "submitter": submit["id"],
                "accepter": entry["id"],
                "share": {
                    submit["id"]: submit["task_data"]["issue2youget"],
                    entry["id"]: submit["task_data"]["issue2theyget"],
                },
            }
    return None


def _wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson 95% interval of a proportion."""
    if not n:
        return None
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _share(hits: int, n: int) -> dict[str, Any]:
    return {"hits": hits, "n": n, "rate": hits / n if n else None, "ci95": _wilson(hits, n)}


def score_plans(reads: list[Read]) -> dict[str, Any]:
    """``decision.plan_of`` against the submitter of the accepted deal, with baselines.

    Besides agreement: the turn-order baselines (speaker of the second-to-last and of the last
    chat turn); agreement on the deals where the second-to-last baseline is wrong (a reading that
    follows turn order scores about 0 there); the *deal's authors*, the first and the last
    speaker of a chat message whose numbers match the accepted deal (``casino_deals``), as
    text-anchored second labels; how often the decision's evidence holds a proposal whose
    numbers match the deal; and how often plan_of is None.
    """
    tally: Counter[str] = Counter()
    for r in reads:
        deal = accepted_deal(r.dialogue)
        if deal is None:
            continue
        utts = r.conversation.utterances
        if not utts:
            continue
        submitter = deal["submitter"]
        decision = r.sections.get("decision") or {}
        plan_of = decision.get("plan_of")
        second = utts[-2].speaker if len(utts) > 1 else None
        tally["deals"] += 1
        tally["agree"] += plan_of == submitter
        tally["none"] += plan_of is None
        tally["second_last"] += second == submitter
        tally["last"] += utts[-1].speaker == submitter
        if second != submitter:
            tally["hard"] += 1
            tally["hard_agree"] += plan_of == submitter
        matching = [u for u in utts if matches(u.text, deal["share"][u.speaker])]
        if matching:
            tally["authored"] += 1
            for end, author in (("first", matching[0].speaker), ("last", matching[-1].speaker)):
                tally[f"{end}_author_is_submitter"] += author == submitter
                tally[f"{end}_author_agree"] += plan_of == author
                tally[f"{end}_author_second_last"] += second == author
        proposed = {p["utterance_id"] for p in r.sections.get("proposals", [])}
        evidence = set(decision.get("evidence", [])) & proposed
        tally["evidence_match"] += any(u.id in evidence for u in matching)
    deals = tally["deals"]
    return {
        "tally": dict(tally),
        "agreement": _share(tally["agree"], deals),
        "plan_of_none": _share(tally["none"], deals),
        "baseline_second_last": _share(tally["second_last"], deals),
        "baseline_last": _share(tally["last"], deals),
        "where_turn_order_fails": _share(tally["hard_agree"], tally["hard"]),
        "deal_stated_in_chat": _share(tally["authored"], deals),
        **{
            f"{end}_{key}": _share(tally[f"{end}_{key}"], tally["authored"])
            for end in ("first", "last")
            for key in ("author_is_submitter", "author_agree", "author_second_last")
        },
        "evidence_matches_deal": _share(tally["evidence_match"], deals),
    }


# --- per utterance, against the strategy annotations ----------------------------------------


def aligned(r: Read) -> list[tuple[str, frozenset[str]]]:
    """(utterance id, strategy labels) for each annotation row matched to a chat utterance.

    Rows and chat utterances are matched by exact text in order (``difflib``): in two train
    dialogues the annotation list skips or reorders a message; unmatched rows are left out.
    """
    rows = r.dialogue.get("annotations") or []
    if not rows:
        return []
    utts = r.conversation.utterances
    matcher = difflib.SequenceMatcher(
        a=[row[0] for row in rows], b=[u.text for u in utts], autojunk=False
    )
    found = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            labels = frozenset(x.strip() for x in rows[block.a + k][1].split(",") if x.strip())
            found.append((utts[block.b + k].id, labels))
    return found


DETECTORS: dict[str, tuple[Callable[[Signal], bool], frozenset[str]]] = {
    "proposal vs promote-coordination": (is_proposal, frozenset({"promote-coordination"})),
    "power_with vs promote-coordination or elicit-pref": (
        is_with,
        frozenset({"promote-coordination", "elicit-pref"}),
    ),
    "power_over (dismissing) vs uv-part": (
        lambda s: is_over(s) and s.subtype == "dismissing",
        frozenset({"uv-part"}),
    ),
    "power_over (any) vs uv-part": (is_over, frozenset({"uv-part"})),
}
"""Per-utterance checks: (signal test, the gold labels any of which makes an utterance positive)."""
def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def score_utterances(reads: list[Read]) -> dict[str, Any]:
    """Precision and recall of each detector, and which signal subtypes fire on which labels."""
    counts = {name: Counter[str]() for name in DETECTORS}
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    label_totals: Counter[str] = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    utterances = dialogues = 0
    for r in reads:
        rows = aligned(r)
        if not rows:
            continue
        dialogues += 1
        signals = r.by_utterance()
        for uid, labels in rows:
            utterances += 1
            label_totals.update(labels)
            here = signals.get(uid, [])
            for name, (test, gold) in DETECTORS.items():
                fired, positive = any(test(s) for s in here), bool(labels & gold)
                counts[name][
                    "tp" if fired and positive else "fp" if fired else "fn" if positive else "tn"
                ] += 1
                if positive and not fired and len(misses[name]) < 20:
                    misses[name].append(uid)
            for key in {_kind(s) for s in here if is_with(s) or is_over(s) or is_proposal(s)}:
                confusion[key].update(labels)
                confusion[key]["(utterances)"] += 1
    return {
        "dialogues": dialogues,
        "utterances": utterances,
        "detectors": {n: _prf(c["tp"], c["fp"], c["fn"]) for n, c in counts.items()},
        "labels": dict(label_totals),
        "confusion": {k: dict(v) for k, v in sorted(confusion.items())},
        "misses": dict(misses),
    }


def _kind(s: Signal) -> str:
    return f"{'proposal' if is_proposal(s) else s.label}:{s.subtype or '-'}"


# --- the run and its Markdown -------------------------------------------------------------


def score(reads: list[Read], *, tuning: bool = True) -> dict[str, Any]:
    """Every CaSiNo figure over one set of read dialogues; without ``tuning`` (the test half)
    the per-utterance misses are left out, so that nobody tunes on its examples."""
    utterances = score_utterances(reads)
    if not tuning:
        utterances.pop("misses")
    return {
        "dialogues": len(reads),
        "plans": score_plans(reads),
        "utterances": utterances,
        "outcomes": score_outcomes(reads),
    }


def run(data_root: Path, *, quick: bool = False) -> dict[str, Any] | None:
    """Both halves scored (with ``quick``, every tenth dialogue); None when the data is absent."""
    dialogues = load(data_root)
    if dialogues is None:
        return None
    full = split(dialogues)
    return {
        "quick": quick,
        "split": {
            h: {"dialogues": len(rows), "sha256": ids_digest([d["dialogue_id"] for d in rows])}
            for h, rows in full.items()
        },
        "frozen": ids_digest([d["dialogue_id"] for d in full["test"]]) == TEST_SHA256,
        "halves": {
            h: score([read(d) for d in rows], tuning=h == "dev")
            for h, rows in split(dialogues, quick=quick).items()
        },
    }


__all__ = ["DETECTORS", "HALVES", "load", "read", "run", "score", "split", "to_markdown"]
