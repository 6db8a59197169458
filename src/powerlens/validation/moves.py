"""Validation of the power-moves family: benign talk stays quiet, and coercion on real labels.

1. **Benign talk stays quiet** (issue 14): the share of conversations and of utterances with an
   *alarm* on talk where none belongs: the hand-written everyday and benign sets
   (``tests/data/everyday``, ``tests/data/benign``: 39 ordinary conversations), AnnoMI sessions
   rated high-quality motivational interviewing (one session is one conversation; research use
   only, so no text of it is shown here) and CaSiNo negotiations (chat text only, per half of
   ``validation.casino``'s frozen split). An alarm is a ``coercive`` power base (read from
   threats) or any ``power_over`` stance; a *control act* is the narrower ``power_over`` with a
   control category as subtype (``measures.moves.control.CONTROL_CATEGORIES``; the rest are
   ``command``, ``prohibition``, ``dismissing``). The rules that raise the alarms are tallied
   (``sources``) so the noisiest can be mended first.
2. **MentalManip** (Wang et al., ACL 2024; CC BY-NC 4.0, validation only): scripted movie
   dialogues with technique labels. A dialogue is *flagged* when any utterance carries an
   alarm. Precision/recall of the flag against the ``Intimidation`` technique (the closest label
   to coercive power; ``Brandishing Anger`` is reported beside it), and the flag rate on dialogues
   labelled not manipulative.
3. **ReaMent** (Gao et al. 2025; MIT): unscripted dialogues labelled manipulative or not; the
   flag's precision/recall for "manipulative" and its rate on non-manipulative dialogues.

Known limits: the labels are dialogue-level and describe manipulation, which is broader than
coercion (persuasion, shaming, denial), so recall against "manipulative" is expected to be low;
movie dialogue is not everyday talk; a therapist's advice ("you need to cut down") is a directive
that the MI coders call *therapist input*, not control, so some alarms there are honest
disagreements rather than errors. The quick sample is every fifth dialogue of each labelled file,
every fifth high-quality AnnoMI session and ``validation.casino``'s quick sample.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES
from powerlens.measures.moves.control import CONTROL_CATEGORIES
from powerlens.model import Conversation, Signal, Utterance

QUICK_STEP = 5
TESTS_DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
BENIGN = TESTS_DATA / "benign"
EVERYDAY = TESTS_DATA / "everyday"
TOP_SOURCES = 15
NO_TEXT = frozenset({"annomi_high", "casino_test"})
"""Sets whose text is never shown: AnnoMI (no licence to redistribute), CaSiNo's frozen test
half (so that nobody tunes on its examples)."""
EXAMPLE_CHARS = 60


def dialogue(identifier: str, text: str) -> Conversation:
    """A ``PersonN: text`` dialogue as a conversation (other lines continue the last turn)."""
    utterances: list[Utterance] = []
    for line in text.splitlines():
        speaker, sep, said = line.partition(":")
        if sep and speaker.strip() and len(speaker) <= 30 and " " not in speaker.strip():
            utterances.append(
                Utterance(f"{identifier}:{len(utterances)}", speaker.strip(), said.strip())
            )
        elif utterances and line.strip():
            last = utterances[-1]
            utterances[-1] = Utterance(last.id, last.speaker, f"{last.text} {line.strip()}")
    return Conversation(id=identifier, utterances=tuple(u for u in utterances if u.text))


def is_alarm(signal: Signal) -> bool:
    """A ``coercive`` power base or a ``power_over`` stance: what benign talk should not carry."""
    return (signal.family == "power_base" and signal.label == "coercive") or (
        signal.family == "stance" and signal.label == "power_over"
    )


def is_control(signal: Signal) -> bool:
    """A control act: ``power_over`` with a control category (monitoring, isolation, ...)."""
    return signal.label == "power_over" and signal.subtype in CONTROL_CATEGORIES


def alarm_signals(conversation: Conversation) -> list[Signal]:
    """The alarm signals the moves family reads in one conversation."""
    result = MOVES.finalize(MOVES.map(conversation, [], Options()))
    return [s for s in result.signals if s.family != "act" and is_alarm(s)]


def alarms(conversation: Conversation) -> set[str]:
    """Ids of utterances with an alarm."""
    return {s.utterance_id for s in alarm_signals(conversation)}


def quiet(conversations: Iterable[Conversation], *, show_text: bool = True) -> dict[str, Any]:
    """Alarm and control-act rates per conversation and per utterance, and their rules.

    ``sources`` counts alarm signals by rule and reading (``label:subtype``), with the first
    example's utterance id and, when ``show_text``, its span (off for data that may not be
    redistributed); ``to_markdown`` shows the ``TOP_SOURCES`` commonest over all sets.
    """
    tally: Counter[str] = Counter()
    sources: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    for conversation in conversations:
        found = alarm_signals(conversation)
        text = {u.id: u.text for u in conversation.utterances}
        control = [s for s in found if is_control(s)]
        tally["conversations"] += 1
        tally["utterances"] += len(conversation.utterances)
        tally["alarm_utterances"] += len({s.utterance_id for s in found})
        tally["alarm_conversations"] += bool(found)
        tally["control_utterances"] += len({s.utterance_id for s in control})
        tally["control_conversations"] += bool(control)
        for s in found:
            key = (s.source, f"{s.label}:{s.subtype or '-'}")
            sources[key] += 1
            span = text[s.utterance_id][s.span[0] : s.span[1]][:EXAMPLE_CHARS]
            where = (
                s.utterance_id if ":" in s.utterance_id else f"{conversation.id} / {s.utterance_id}"
            )
            examples.setdefault(key, f"{where}: {span!r}" if show_text else where)
    n, u = tally["conversations"], tally["utterances"]
    return {
        **tally,
        **{
            f"{kind}_rate_per_{unit}": tally[f"{kind}_{unit}s"] / total if total else None
            for kind in ("alarm", "control")
            for unit, total in (("conversation", n), ("utterance", u))
        },
        "sources": [
            {"source": src, "reading": reading, "count": count, "example": examples[src, reading]}
            for (src, reading), count in sources.most_common()
        ],
    }


def _files(folder: Path) -> Iterator[Conversation]:
    from powerlens.readers import load

    for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        yield from load(path)


def benign(folder: Path = BENIGN) -> dict[str, Any] | None:
    """``quiet`` on a folder of hand-written ``.txt`` conversations, or None if absent."""
    conversations = list(_files(folder))
    return quiet(conversations) if conversations else None


def _annomi_high(root: Path, quick: bool) -> list[Conversation] | None:
    """The high-quality AnnoMI sessions, one conversation each (quick: every fifth)."""
    from powerlens.validation.dyad import conversation

    path = root / "annomi" / "AnnoMI-simple.csv"
    if not path.is_file():
        return None
    sessions: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["mi_quality"] == "high":
                sessions.setdefault(row["transcript_id"], []).append(row)
    ids = sorted(sessions, key=int)[:: QUICK_STEP if quick else 1]
    return [conversation(i, sorted(sessions[i], key=lambda r: int(r["utterance_id"]))) for i in ids]


def benign_talk(root: Path | None, quick: bool) -> dict[str, dict[str, Any]]:
    """``quiet`` on every benign set present: everyday, benign, AnnoMI high, CaSiNo halves."""
    found: dict[str, dict[str, Any]] = {}
    for name, folder in (("everyday", EVERYDAY), ("benign", BENIGN)):
        result = benign(folder)
        if result is not None:
            found[name] = result
    if root is None:
        return found
    annomi = _annomi_high(root, quick)
    if annomi is not None:
        found["annomi_high"] = quiet(annomi, show_text=False)
    from powerlens.validation import casino

    dialogues = casino.load(root)
    if dialogues is not None:
        for half, rows in casino.split(dialogues, quick=quick).items():
            conversations = (casino.conversation(d) for d in rows)
            found[f"casino_{half}"] = quiet(conversations, show_text=half != "test")
    return found


def _prf(pairs: Iterable[tuple[bool, bool]]) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    for gold, flagged in pairs:
        tp += gold and flagged
        fp += flagged and not gold
        fn += gold and not flagged
        tn += not gold and not flagged
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "false_positive_rate": fp / (fp + tn) if fp + tn else None,
    }


def _sample(rows: list[dict[str, str]], quick: bool) -> list[dict[str, str]]:
    return rows[::QUICK_STEP] if quick else rows


def _mentalmanip(root: Path, quick: bool) -> dict[str, Any] | None:
    path = root / "mentalmanip" / "mentalmanip_con.csv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        rows = _sample(list(csv.DictReader(handle)), quick)
    scored = []
    for row in rows:
        techniques = {t.strip() for t in (row["Technique"] or "").split(",") if t.strip()}
        flagged = bool(alarms(dialogue(row["ID"], row["Dialogue"])))
        scored.append((row["Manipulative"] == "1", techniques, flagged))
    return {
        "dialogues": len(scored),
        "intimidation": _prf((("Intimidation" in t), f) for _, t, f in scored),
        "brandishing_anger_recall": _prf((("Brandishing Anger" in t), f) for _, t, f in scored)[
            "recall"
        ],
        "persuasion_recall": _prf((("Persuasion or Seduction" in t), f) for _, t, f in scored)[
            "recall"
        ],
        "manipulative": _prf((m, f) for m, _, f in scored),
    }


def _jsonl(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _reament(root: Path, quick: bool) -> dict[str, Any] | None:
    path = root / "reament" / "ReaMent_con.json"
    if not path.is_file():
        return None
    rows = _sample(list(_jsonl(path)), quick)
    pairs = [
        (str(r["manipulative"]) == "1", bool(alarms(dialogue(str(r["id"]), r["dialogue"]))))
        for r in rows
    ]
    return {"dialogues": len(pairs), "manipulative": _prf(pairs)}


def run(data_root: Path, *, quick: bool = False) -> dict[str, Any]:
    """Benign talk on every set present, MentalManip and ReaMent; absent parts are None."""
    return {
        "quick": quick,
        "benign_talk": benign_talk(data_root, quick),
        "mentalmanip": _mentalmanip(data_root, quick),
        "reament": _reament(data_root, quick),
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


SET_NAMES = {
    "everyday": "everyday (hand-written)",
    "benign": "benign (hand-written)",
    "annomi_high": "AnnoMI high-quality MI",
    "casino_dev": "CaSiNo dev half",
    "casino_test": "CaSiNo test half",
}


def _rate_cell(part: dict[str, Any], kind: str, unit: str) -> str:
    return (
        f"{part[f'{kind}_{unit}s']} ({_pct(part[f'{kind}_rate_per_{unit}'])})"
        if part["conversations"]
        else "n/a"
    )


def _benign_lines(sets: dict[str, dict[str, Any]], quick: bool) -> list[str]:
    lines = [
        "| set | conversations | utterances | conversations with an alarm | utterances with an "
        "alarm | conversations with a control act | utterances with a control act |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, part in sets.items():
        lines.append(
            f"| {SET_NAMES.get(name, name)} | {part['conversations']} | {part['utterances']} | "
            + " | ".join(
                _rate_cell(part, kind, unit)
                for kind in ("alarm", "control")
                for unit in ("conversation", "utterance")
            )
            + " |"
        )
    lines += [
        "",
        "An *alarm* is a `coercive` power base or any `power_over` stance; a *control act* is a "
        "`power_over` with a control category (monitoring, isolation, economic control, "
        "intimidation, deciding for another, degradation, regulating everyday life)"
        + (" (quick sample)." if quick else "."),
        "",
        "Where the alarms come from (signals, by rule and reading; the first example's "
        "utterance id and span, cut at 60 characters; no text from AnnoMI or CaSiNo's test half):",
        "",
        "| rule | reading | " + " | ".join(sets) + " | example |",
        "|---|---|" + "---|" * len(sets) + "---|",
    ]
    counts: dict[tuple[str, str], dict[str, int]] = {}
    examples: dict[tuple[str, str], str] = {}
    hidden: set[tuple[str, str]] = set()  # examples without text (an id only), replaced if possible
    for name, part in sets.items():
        for row in part["sources"]:
            key = (row["source"], row["reading"])
            counts.setdefault(key, {})[name] = row["count"]
            if key not in examples or (name not in NO_TEXT and key in hidden):
                examples[key] = row["example"]
                hidden.discard(key)
                if name in NO_TEXT:
                    hidden.add(key)
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    for (source, reading), per in ranked[:TOP_SOURCES]:
        example = examples[source, reading].replace("|", "\\|")
        lines.append(
            f"| `{source}` | {reading} | "
            + " | ".join(str(per.get(name, 0)) for name in sets)
            + f" | {example} |"
        )
    return lines


def to_markdown(result: dict[str, Any]) -> str:
    """The results as the Markdown of the moves section of docs/validation.md."""
    lines = ["#### Benign talk stays quiet", ""]
    sets = result.get("benign_talk") or {}
    if sets:
        lines += [*_benign_lines(sets, bool(result.get("quick"))), ""]
    lines += [
        "#### Coercion on real labelled data",
        "",
        "| data | dialogues | label | precision | recall | flag rate on negatives |",
        "|---|---|---|---|---|---|",
    ]
    mm = result.get("mentalmanip")
    if mm:
        for name, key in (("Intimidation", "intimidation"), ("manipulative", "manipulative")):
            m = mm[key]
            lines.append(
                f"| MentalManip con | {mm['dialogues']} | {name} | {_pct(m['precision'])} | "
                f"{_pct(m['recall'])} | {_pct(m['false_positive_rate'])} |"
            )
        lines.append(
            f"| MentalManip con | {mm['dialogues']} | Brandishing Anger (recall only) | | "
            f"{_pct(mm['brandishing_anger_recall'])} | |"
        )
        lines.append(
            f"| MentalManip con | {mm['dialogues']} | Persuasion or Seduction (recall only) | | "
            f"{_pct(mm['persuasion_recall'])} | |"
        )
    rm = result.get("reament")
    if rm:
        m = rm["manipulative"]
        lines.append(
            f"| ReaMent con | {rm['dialogues']} | manipulative | {_pct(m['precision'])} | "
            f"{_pct(m['recall'])} | {_pct(m['false_positive_rate'])} |"
        )
    lines.append("")
    lines.append(
        "A dialogue is flagged when any utterance has an alarm"
        + (" (quick sample: every fifth dialogue)." if result.get("quick") else ".")
    )
    return "\n".join(lines)
