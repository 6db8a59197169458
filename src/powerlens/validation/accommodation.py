"""Validation of accommodation and pronoun status on U.S. Supreme Court oral arguments.

Data: Oyez transcripts of terms 2000-2009 (``scotus_oyez``, see its SOURCE.md). Each turn is
an utterance; a speaker with a Supreme Court justice role is a justice, every other named
speaker an advocate; turns without a speaker are dropped. As in "Echoes of power"
(Danescu-Niculescu-Mizil et al., WWW 2012), consecutive turns make the exchanges: each turn
replies to the last turn before it by another speaker. A speaker is the same person across
cases (Oyez identifier).

Checks:
- coordination of advocates towards justices against justices towards advocates, per marker
  and aggregated (agg1-3), with bootstrap intervals over speakers and a permutation p-value;
- pronoun status (Kacewicz et al. 2014): per speaker (one row per speaker and case, at least
  ``MIN_WORDS`` words), Cohen's d of justices minus advocates on the I, we and you rates and
  the status index, and the AUC of the status index for telling justices from advocates.

The quick mode uses a fixed sample of transcripts (every ``QUICK_STEP``-th file in name
order) so the test runs in seconds.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from powerlens.language import tokenize
from powerlens.measures.accommodation import (
    MarkerMatcher,
    compare_groups,
    coordination_counts,
)
from powerlens.measures.pronoun_status import CLASSES, pronoun_counts
from powerlens.model import Conversation, Speaker, Utterance

DATASET = "scotus_oyez"
QUICK_STEP = 8
MIN_WORDS = 100
JUSTICES = "true"
ADVOCATES = "false"


def transcript_files(data_root: Path, *, quick: bool = False) -> list[Path]:
    """The transcript files (``*-tNN.json.gz``), every ``QUICK_STEP``-th one in quick mode."""
    files = sorted((data_root / DATASET / "cases").glob("*-t[0-9][0-9].json.gz"))
    return files[::QUICK_STEP] if quick else files


def read_oyez(path: Path) -> Conversation | None:
    """One Oyez transcript as a conversation (None when it has no transcript)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    transcript = data.get("transcript")
    if not transcript:
        return None
    utterances: list[Utterance] = []
    speakers: dict[str, Speaker] = {}
    last_by_other: str | None = None
    last_speaker: str | None = None
    last_id: str | None = None
    for section in transcript.get("sections") or []:
        for turn in section.get("turns") or []:
            who = turn.get("speaker")
            if not who:
                continue
            name = who.get("identifier") or who.get("name")
            text = " ".join(b.get("text", "") for b in turn.get("text_blocks") or []).strip()
            if not name or not text:
                continue
            roles = who.get("roles") or []
            justice = any(r and r.get("type") == "scotus_justice" for r in roles)
            speakers.setdefault(name, Speaker(name, {"is_justice": justice}))
            if name != last_speaker:
                last_by_other = last_id
            uid = f"{path.name.split('.json')[0]}:{len(utterances)}"
            utterances.append(
                Utterance(
                    id=uid,
                    speaker=name,
                    text=text,
                    start=turn.get("start"),
                    end=turn.get("stop"),
                    reply_to=last_by_other,
                )
            )
            last_speaker, last_id = name, uid
    if not utterances:
        return None
    return Conversation(
        id=path.name.split(".json")[0],
        utterances=tuple(utterances),
        source=str(path),
        speakers=speakers,
    )


def load_oyez(data_root: Path, *, quick: bool = False) -> Iterator[Conversation]:
    """Every transcript of the data set (or the quick sample) as conversations."""
    for path in transcript_files(data_root, quick=quick):
        conversation = read_oyez(path)
        if conversation is not None:
            yield conversation


def cohens_d(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    """Cohen's d of ``a`` minus ``b`` with the pooled standard deviation."""
    na, nb = len(a), len(b)
    pooled = ((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2)
    return float((a.mean() - b.mean()) / np.sqrt(pooled))


def auc(positive: np.ndarray[Any, Any], negative: np.ndarray[Any, Any]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    values = np.concatenate([positive, negative])
    order = values.argsort(kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    average = first + (counts - 1) / 2.0 + 1
    ranks[order] = np.repeat(average, counts)
    r = ranks[: len(positive)].sum()
    n1, n0 = len(positive), len(negative)
    return float((r - n1 * (n1 + 1) / 2) / (n1 * n0))


def run(data_root: Path, *, quick: bool = False) -> dict[str, Any]:
    """Coordination between justices and advocates, and pronoun status, on Oyez data."""
    conversations = list(load_oyez(data_root, quick=quick))
    groups: dict[str, str] = {}
    for conversation in conversations:
        for name, speaker in conversation.speakers.items():
            groups.setdefault(name, JUSTICES if speaker.meta["is_justice"] else ADVOCATES)
    matcher = MarkerMatcher()
    counts = coordination_counts(conversations, markers=matcher)
    coordination = compare_groups(
        counts,
        groups,
        n_bootstrap=300 if quick else 2000,
        n_permutations=300 if quick else 5000,
        seed=0,
    )
    directed = {(e["speakers"], e["targets"]): e for e in coordination["directed"]}
    per_case = compare_groups(
        coordination_counts([_per_case(c) for c in conversations], markers=matcher),
        {f"{c.id}|{n}": groups[n] for c in conversations for n in c.speakers},
        n_bootstrap=300 if quick else 2000,
        n_permutations=300 if quick else 5000,
        seed=0,
    )
    split = {(e["speakers"], e["targets"]): e for e in per_case["directed"]}
    pronouns = _pronoun_status(conversations)
    return {
        "dataset": DATASET,
        "quick": quick,
        "transcripts": len(conversations),
        "utterances": sum(len(c.utterances) for c in conversations),
        "justices": sum(1 for g in groups.values() if g == JUSTICES),
        "advocates": sum(1 for g in groups.values() if g == ADVOCATES),
        "markers": coordination["markers"],
        "advocates_to_justices": directed[(ADVOCATES, JUSTICES)],
        "justices_to_advocates": directed[(JUSTICES, ADVOCATES)],
        "per_case": {
            "advocates_to_justices": split[(ADVOCATES, JUSTICES)],
            "justices_to_advocates": split[(JUSTICES, ADVOCATES)],
        },
        "pronoun_status": pronouns,
    }


def _per_case(conversation: Conversation) -> Conversation:
    """The conversation with every speaker renamed ``case|speaker`` (one unit per case)."""
    return dataclasses.replace(
        conversation,
        utterances=tuple(
            dataclasses.replace(u, speaker=f"{conversation.id}|{u.speaker}")
            for u in conversation.utterances
        ),
    )


def _pronoun_status(conversations: list[Conversation]) -> dict[str, Any]:
    rows: dict[tuple[str, str], list[int]] = {}
    role: dict[tuple[str, str], bool] = {}
    for conversation in conversations:
        for u in conversation.utterances:
            key = (conversation.id, u.speaker)
            words = tokenize(u.text)
            c = pronoun_counts(words)
            row = rows.setdefault(key, [0, 0, 0, 0])
            row[0] += len(words)
            for k, kind in enumerate(CLASSES, start=1):
                row[k] += c[kind]
            role[key] = bool(conversation.speakers[u.speaker].meta["is_justice"])
    keys = [k for k, r in rows.items() if r[0] >= MIN_WORDS]
    table = np.array([rows[k] for k in keys], dtype=np.float64)
    is_justice = np.array([role[k] for k in keys])
    rates = table[:, 1:] / table[:, :1]
    features = {
        "i_rate": rates[:, 0],
        "we_rate": rates[:, 1],
        "you_rate": rates[:, 2],
        "status_index": rates[:, 1] + rates[:, 2] - rates[:, 0],
    }
    out: dict[str, Any] = {
        "unit": f"speaker x case, at least {MIN_WORDS} words",
        "n_justice": int(is_justice.sum()),
        "n_advocate": int((~is_justice).sum()),
    }
    for name, values in features.items():
        j, a = values[is_justice], values[~is_justice]
        out[name] = {
            "justices_mean": float(j.mean()),
            "advocates_mean": float(a.mean()),
            "cohens_d": cohens_d(j, a),
            "auc": auc(j, a),
        }
    return out


def _f(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:+.{digits}f}"


def _ci(ci: list[float] | None) -> str:
    return "" if not ci else f" [{ci[0]:+.4f}, {ci[1]:+.4f}]"


def to_markdown(result: dict[str, Any]) -> str:
    """The validation table for ``docs/validation.md``."""
    a2j, j2a = result["advocates_to_justices"], result["justices_to_advocates"]
    lines = [
        f"Data: {result['transcripts']} Oyez transcripts, {result['utterances']:,} turns, "
        f"{result['justices']} justices, {result['advocates']} advocates"
        + (" (quick sample)" if result["quick"] else "")
        + ".",
        "",
        "| marker | advocates → justices [95% CI] | justices → advocates [95% CI] "
        "| p (permutation) |",
        "|---|---|---|---|",
    ]
    for marker in result["markers"]:
        x, y = a2j["markers"][marker], j2a["markers"][marker]
        lines.append(
            f"| {marker} | {_f(x['score'])}{_ci(x['ci'])} | {_f(y['score'])}{_ci(y['ci'])} "
            f"| {x.get('p_value') or 0:.4f} |"
        )
    for name in ("agg1", "agg2", "agg3"):
        p = f"{a2j['p_value']:.4f}" if name == "agg3" and a2j["p_value"] is not None else ""
        lines.append(
            f"| **{name}** | {_f(a2j['aggregate'][name])}{_ci(a2j['aggregate_ci'][name])} "
            f"| {_f(j2a['aggregate'][name])}{_ci(j2a['aggregate_ci'][name])} | {p} |"
        )
    split = result["per_case"]
    for name in ("agg1", "agg2", "agg3"):
        x, y = split["advocates_to_justices"], split["justices_to_advocates"]
        p = f"{x['p_value']:.4f}" if name == "agg3" and x["p_value"] is not None else ""
        lines.append(
            f"| {name}, speaker per case | {_f(x['aggregate'][name])}"
            f"{_ci(x['aggregate_ci'][name])} | {_f(y['aggregate'][name])}"
            f"{_ci(y['aggregate_ci'][name])} | {p} |"
        )
    lines += [
        "",
        f"Exchanges: advocates → justices {a2j['n_exchanges']:,} ({a2j['n_speakers']} speakers "
        f"scored), justices → advocates {j2a['n_exchanges']:,} ({j2a['n_speakers']} speakers).",
        "",
    ]
    ps = result["pronoun_status"]
    lines += [
        f"Pronoun status ({ps['unit']}: {ps['n_justice']} justice rows, "
        f"{ps['n_advocate']} advocate rows):",
        "",
        "| rate per word | justices | advocates | Cohen's d (J − A) | AUC (justice) |",
        "|---|---|---|---|---|",
    ]
    for name in ("i_rate", "we_rate", "you_rate", "status_index"):
        row = ps[name]
        lines.append(
            f"| {name} | {row['justices_mean']:.4f} | {row['advocates_mean']:.4f} "
            f"| {row['cohens_d']:+.2f} | {row['auc']:.3f} |"
        )
    return "\n".join(lines) + "\n"
