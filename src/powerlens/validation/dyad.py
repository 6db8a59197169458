"""Validation of the therapeutic-dyad family on AnnoMI (Wu et al., ICASSP 2022; Future Internet
2023).

Session level: the area under the ROC curve of the untrained power-differential index for
telling low-quality from high-quality MI sessions (AnnoMI's ``mi_quality``), with a stratified
bootstrap confidence interval, plus each component's AUC for reference (none of them is fitted).
Utterance level: F1 of the question and reflection detectors against the expert codes
(``main_therapist_behaviour`` in AnnoMI-simple.csv; the ``*_exists`` flags and subtypes, majority
over annotators, in AnnoMI-full.csv), of the client change/sustain-talk detector, and how often
the helper is auto-detected with the speaker names hidden. AnnoMI states no licence: it is used
here to measure, never to fit or ship anything.
"""

from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from powerlens.language import tokenize_conversation
from powerlens.measures.base import Options
from powerlens.measures.dyad import DYAD, detect_helper
from powerlens.measures.dyad.detectors import (
    HEARD_TURNS,
    HelperCodes,
    client_talk_type,
    code_helper,
)
from powerlens.measures.dyad.index import power_index
from powerlens.model import Conversation, Utterance

Row = dict[str, str]


def _read(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _sessions(rows: list[Row]) -> dict[str, list[Row]]:
    by: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by[row["transcript_id"]].append(row)
    for session in by.values():
        session.sort(key=lambda r: int(r["utterance_id"]))
    return dict(by)


def sample_ids(sessions: dict[str, list[Row]], quick: bool) -> list[str]:
    """All session ids, or for ``quick`` every third one within each quality (a fixed sample)."""
    ids = sorted(sessions, key=int)
    if not quick:
        return ids
    picked = []
    for quality in ("high", "low"):
        same = [i for i in ids if sessions[i][0]["mi_quality"] == quality]
        picked += same[::3]
    return sorted(picked, key=int)


def conversation(
    session_id: str, rows: list[Row], names: tuple[str, str] = ("therapist", "client")
) -> Conversation:
    """One AnnoMI session as a conversation (speakers renamed by ``names`` when asked)."""
    rename = {"therapist": names[0], "client": names[1]}
    utterances = tuple(
        Utterance(id=r["utterance_id"], speaker=rename[r["interlocutor"]], text=r["utterance_text"])
        for r in rows
    )
    return Conversation(id=f"annomi-{session_id}", utterances=utterances, source="AnnoMI")


def auc(positives: list[float], negatives: list[float]) -> float:
    """Mann-Whitney AUC: the chance a positive outscores a negative (ties count half)."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def bootstrap_auc(
    pos: list[float], neg: list[float], reps: int, seed: int = 7
) -> tuple[float, float]:
    """95% percentile interval of the AUC, resampling each class separately."""
    rng = random.Random(seed)
    values = sorted(
        auc(rng.choices(pos, k=len(pos)), rng.choices(neg, k=len(neg))) for _ in range(reps)
    )
    return values[int(0.025 * reps)], values[int(0.975 * reps) - 1]


def f1(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float]:
    """Precision, recall, F1 and support from (gold, predicted) pairs."""
    c = Counter(pairs)
    tp, fp, fn = c[(True, True)], c[(False, True)], c[(True, False)]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
        "support": tp + fn,
    }


def _session_level(
    sessions: dict[str, list[Row]],
    ids: list[str],
    reps: int,
    gold: dict[tuple[str, str], dict[str, str]] | None = None,
) -> dict[str, Any]:
    options = Options(helper="therapist")
    scored: list[tuple[str, float, dict[str, Any]]] = []
    detected = 0
    for sid in ids:
        conv = conversation(sid, sessions[sid])
        section = DYAD.finalize(DYAD.map(conv, tokenize_conversation(conv), options)).sections[
            "dyad"
        ]
        scored.append((sessions[sid][0]["mi_quality"], section["index"]["value"], section))
        hidden = conversation(sid, sessions[sid], ("Speaker A", "Speaker B"))
        detected += detect_helper(hidden)[0] == "Speaker A"
    low = [v for q, v, _ in scored if q == "low"]
    high = [v for q, v, _ in scored if q == "high"]
    components = {}
    for name in scored[0][2]["index"]["components"]:
        lo = [s["index"]["components"][name]["value"] for q, _, s in scored if q == "low"]
        hi = [s["index"]["components"][name]["value"] for q, _, s in scored if q == "high"]
        lo_f = [x for x in lo if x is not None]
        hi_f = [x for x in hi if x is not None]
        components[name] = {
            "auc": round(auc(lo_f, hi_f), 3) if lo_f and hi_f else None,
            "low_mean": round(sum(lo_f) / len(lo_f), 3) if lo_f else None,
            "high_mean": round(sum(hi_f) / len(hi_f), 3) if hi_f else None,
            "sessions_with_evidence": len(lo_f) + len(hi_f),
        }
    lo_ci, hi_ci = bootstrap_auc(low, high, reps)
    return {
        "sessions": len(ids),
        "low": len(low),
        "high": len(high),
        "auc": round(auc(low, high), 3),
        "ci95": [round(lo_ci, 3), round(hi_ci, 3)],
        "bootstrap_reps": reps,
        "mean_index": {
            "low": round(sum(low) / len(low), 3),
            "high": round(sum(high) / len(high), 3),
        },
        "components": components,
        "helper_detected": round(detected / len(ids), 3),
        "with_annomi_codes": _reference(scored, ids, gold) if gold is not None else None,
    }


def _majority(rows: list[Row]) -> dict[tuple[str, str], dict[str, str]]:
    """Per (session, utterance): each exists flag and subtype by majority over annotators."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if row["interlocutor"] == "therapist":
            groups[(row["transcript_id"], row["utterance_id"])].append(row)
    out = {}
    for key, group in groups.items():
        votes = {}
        for kind in ("question", "reflection", "therapist_input"):
            flags = [r[f"{kind}_exists"] == "True" for r in group]
            votes[kind] = "True" if sum(flags) * 2 > len(flags) else "False"
            subtypes = Counter(r[f"{kind}_subtype"] for r in group if r[f"{kind}_exists"] == "True")
            votes[f"{kind}_subtype"] = subtypes.most_common(1)[0][0] if subtypes else ""
        out[key] = votes
    return out


def _utterance_level(
    sessions: dict[str, list[Row]], full: list[Row], ids: list[str]
) -> dict[str, Any]:
    chosen = set(ids)
    gold_full = _majority([r for r in full if r["transcript_id"] in chosen])
    main: list[tuple[str, str]] = []
    exists: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    client: list[tuple[str, str]] = []
    for sid in ids:
        said: list[str] = []
        before: HelperCodes | None = None
        for row in sessions[sid]:
            text = row["utterance_text"]
            if row["interlocutor"] == "client":
                client.append((row["client_talk_type"], client_talk_type(text)))
                said.append(text)
                continue
            coded = code_helper(text, " ".join(said[-HEARD_TURNS:]) or None, before)
            before = coded
            labels = {c.label for c in coded.sentences}
            main.append((row["main_therapist_behaviour"], coded.main))
            gold = gold_full.get((sid, row["utterance_id"]))
            if gold is None:
                continue
            predicted = {
                "question": bool(labels & {"open_question", "closed_question"}),
                "reflection": bool(labels & {"simple_reflection", "complex_reflection"}),
                "therapist_input": any(
                    m.label in ("advice", "information", "directive") for m in coded.moves
                ),
                "open": "open_question" in labels,
                "closed": "closed_question" in labels,
                "simple": "simple_reflection" in labels,
                "complex": "complex_reflection" in labels,
            }
            for kind in ("question", "reflection", "therapist_input"):
                exists[kind].append((gold[kind] == "True", predicted[kind]))
            for sub, kind in (
                ("open", "question"),
                ("closed", "question"),
                ("simple", "reflection"),
                ("complex", "reflection"),
            ):
                exists[sub].append(
                    (gold[kind] == "True" and gold[f"{kind}_subtype"] == sub, bool(predicted[sub]))
                )
    behaviours = ("question", "reflection", "therapist_input")
    main_f1 = {b: f1((g == b, p == b) for g, p in main) for b in behaviours}
    agree = sum(g == p for g, p in main) / len(main)
    return {
        "therapist_utterances": len(main),
        "main_behaviour": {**main_f1, "accuracy_4_way": round(agree, 3)},
        "exists": {k: f1(v) for k, v in exists.items()},
        "client_talk": {t: f1((g == t, p == t) for g, p in client) for t in ("change", "sustain")},
        "client_utterances": len(client),
    }


GOLD_COMPONENTS = ("questions_over_reflections", "closed_questions", "simple_reflections")
"""The index components AnnoMI-full's codes can also give, for the reference below."""


def _gold_counts(gold: dict[tuple[str, str], dict[str, str]], sid: str) -> dict[str, float]:
    """Questions, closed questions, reflections and simple reflections in one session's codes."""
    c: Counter[str] = Counter()
    for (session, _), votes in gold.items():
        if session != sid:
            continue
        for kind in ("question", "reflection"):
            if votes[kind] == "True":
                c[kind] += 1
                c[votes[f"{kind}_subtype"]] += 1
    return dict(c)


def _reference(
    scored: list[tuple[str, float, dict[str, Any]]],
    ids: list[str],
    gold: dict[tuple[str, str], dict[str, str]],
) -> dict[str, Any]:
    """The same fixed index with AnnoMI's own codes in place of the question and reflection
    detectors: how far better detection alone could move the AUC (a ceiling, not a result)."""
    low: list[float] = []
    high: list[float] = []
    per: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in GOLD_COMPONENTS}
    for sid, (quality, _, section) in zip(ids, scored, strict=True):
        g = _gold_counts(gold, sid)
        q, r = g.get("question", 0), g.get("reflection", 0)
        override = {
            "questions_over_reflections": (q, q + r),
            "closed_questions": (g.get("closed", 0), q),
            "simple_reflections": (g.get("simple", 0), r),
        }
        parts = {
            name: override.get(name, (comp["value"] * comp["n"] if comp["n"] else 0, comp["n"]))
            for name, comp in section["index"]["components"].items()
        }
        value = power_index(parts)["value"]
        (low if quality == "low" else high).append(value)
        for name in GOLD_COMPONENTS:
            x, n = override[name]
            if n:
                per[name][quality == "high"].append(x / n)
    return {
        "auc": round(auc(low, high), 3),
        "components": {n: round(auc(lo, hi), 3) for n, (lo, hi) in per.items()},
    }


def run(data_root: Path, *, quick: bool = False) -> dict[str, Any]:
    """Session AUC of the index and utterance F1 of the detectors on AnnoMI (or a fixed sample)."""
    folder = data_root / "annomi"
    sessions = _sessions(_read(folder / "AnnoMI-simple.csv"))
    ids = sample_ids(sessions, quick)
    full = _read(folder / "AnnoMI-full.csv")
    gold = _majority([r for r in full if r["transcript_id"] in set(ids)])
    return {
        "data": "AnnoMI (uccollab/AnnoMI, 42936645); the folder's visible sessions",
        "quick": quick,
        "session": _session_level(sessions, ids, 300 if quick else 2000, gold),
        "utterance": _utterance_level(sessions, full, ids),
    }


def to_markdown(result: dict[str, Any]) -> str:
    """The results as the Markdown section of docs/validation.md."""
    s, u = result["session"], result["utterance"]
    lines = [
        f"Data: {result['data']}{' (quick sample)' if result['quick'] else ''}.",
        "",
        f"**Session level** ({s['sessions']} sessions: {s['high']} high-, {s['low']} low-quality "
        "MI). The power-differential index is a fixed mean of its components; nothing is "
        "trained on the session labels.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| AUC, index higher in low-quality sessions | **{s['auc']:.3f}** "
        f"(95% CI {s['ci95'][0]:.3f}–{s['ci95'][1]:.3f}, stratified bootstrap, "
        f"{s['bootstrap_reps']} resamples) |",
        f"| mean index, low / high quality | {s['mean_index']['low']:.3f} / "
        f"{s['mean_index']['high']:.3f} |",
        f"| helper auto-detected with names hidden | {s['helper_detected']:.1%} |",
    ]
    ref = s.get("with_annomi_codes")
    if ref:
        comps = ", ".join(f"{name} {value}" for name, value in ref["components"].items())
        lines.append(
            f"| reference: same index with AnnoMI's question and reflection codes in place of the "
            f"detectors | AUC {ref['auc']:.3f} (those components alone: {comps}) |"
        )
    lines += [
        "",
        "| component | AUC alone | mean low | mean high | sessions with evidence |",
        "|---|---|---|---|---|",
    ]
    for name, comp in s["components"].items():
        lines.append(
            f"| {name} | {comp['auc']} | {comp['low_mean']} | {comp['high_mean']} | "
            f"{comp['sessions_with_evidence']} |"
        )
    lines += [
        "",
        f"**Utterance level** ({u['therapist_utterances']} therapist utterances; "
        f"{u['client_utterances']} client utterances).",
        "",
        "| detector | gold | precision | recall | F1 |",
        "|---|---|---|---|---|",
    ]
    for name, m in u["main_behaviour"].items():
        if isinstance(m, dict):
            lines.append(
                f"| {name} (main behaviour) | main_therapist_behaviour | "
                f"{m['precision']} | {m['recall']} | **{m['f1']}** |"
            )
    for name, m in u["exists"].items():
        lines.append(
            f"| {name} | AnnoMI-full majority ({m['support']} positive) | "
            f"{m['precision']} | {m['recall']} | **{m['f1']}** |"
        )
    for name, m in u["client_talk"].items():
        lines.append(
            f"| client {name} talk | client_talk_type | {m['precision']} | "
            f"{m['recall']} | {m['f1']} |"
        )
    lines.append("")
    lines.append(f"Four-way main-behaviour accuracy: {u['main_behaviour']['accuracy_4_way']:.3f}.")
    return "\n".join(lines)
