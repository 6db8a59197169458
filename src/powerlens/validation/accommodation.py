"""Validation of accommodation and pronoun status on U.S. Supreme Court oral arguments.

Data: Oyez transcripts of terms 2000-2009 (``scotus_oyez``, see its SOURCE.md), written as one
interchange file (``export``: one row per named Oyez turn, with facts only) and compared by
the code ``powerlens corpus coordination`` runs, with the options ``SCOTUS_COMMAND`` names:
a turn is a speaker's whole speech until someone else speaks (``--merge-turns``); as in
"Echoes of power" (Danescu-Niculescu-Mizil et al., WWW 2012), each turn replies to the turn
just before it (``--reply-to previous``), but no exchange crosses a section, starts from an
advocate's opening statement or spans a turn whose speaker Oyez does not name
(``--boundary``). A speaker is a justice when a justice role of theirs began by the argument
date.

The main unit is a speaker in one case, with ConvoKit's Supreme Court settings: its
``Coordination.summarize`` documents ``split_by_attribs`` "e.g. in supreme court transcripts,
you may want to treat the same lawyer as a different person across different cases", and its
Supreme Court example scores with ``target_thresh=5``. The default threshold (3) and one unit
per person across cases are reported beside it.

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
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from powerlens.corpus.coordination import coordination_report
from powerlens.language import tokenize
from powerlens.measures.accommodation import Thresholds, Turns
from powerlens.measures.pronoun_status import CLASSES, pronoun_counts
from powerlens.model import Conversation
from powerlens.readers import load

DATASET = "scotus_oyez"
QUICK_STEP = 8
MIN_WORDS = 100
JUSTICES = "true"
CASE_TARGET_THRESH = 5
"""ConvoKit's Supreme Court coordination example scores with ``target_thresh=5``."""
ADVOCATES = "false"


def transcript_files(data_root: Path, *, quick: bool = False) -> list[Path]:
    """The transcript files (``*-tNN.json.gz``), every ``QUICK_STEP``-th one in quick mode."""
    files = sorted((data_root / DATASET / "cases").glob("*-t[0-9][0-9].json.gz"))
    return files[::QUICK_STEP] if quick else files


def argument_time(data: dict[str, Any], path: Path) -> float:
    """When the argument was heard (Unix seconds): the title's date, else October 1 of the term."""
    match = _DATE.search(str(data.get("title") or ""))
    if match:
        try:
            day = datetime.strptime(match.group(1), "%B %d, %Y")
            return day.replace(tzinfo=UTC).timestamp()
        except ValueError:
            pass
    term = int(path.name[:4]) if path.name[:4].isdigit() else 1970
    return datetime(term, 10, 1, tzinfo=UTC).timestamp()


_DATE = re.compile(r"([A-Z][a-z]+ \d{1,2}, \d{4})")


def _is_justice(roles: list[Any], when: float) -> tuple[bool, bool]:
    """(justice at ``when``, justice at some time): a justice role that began by then counts."""
    starts = [
        float(r.get("date_start") or 0)
        for r in roles
        if isinstance(r, dict) and r.get("type") == "scotus_justice"
    ]
    return any(start <= when for start in starts), bool(starts)


SCOTUS_COMMAND = (
    "powerlens corpus coordination scotus.jsonl --group-field speaker.is_justice "
    "--reply-to previous --merge-turns --boundary section_start --boundary after_unnamed "
    "--boundary opening --unit speaker-per-conversation --target-threshold 5 "
    "--bootstrap 2000 --permutations 5000"
)
"""The one command that gives the documented rows from ``export``'s file."""
SCOTUS_TURNS = Turns(
    unit="speaker-per-conversation",
    merge=True,
    boundaries=("section_start", "after_unnamed", "opening"),
)
"""The Supreme Court setup: one unit per speaker and transcript (ConvoKit's split by case),
a speaker's whole speech until someone else speaks is one turn, and a reply chain starts at
each section, after each turn Oyez gives no speaker, and at the section's opening."""


def oyez_rows(path: Path) -> list[dict[str, Any]]:
    """One Oyez transcript as interchange rows (empty when it has no transcript).

    One row per Oyez turn with a named speaker and some text, in order; the transcript is the
    conversation. Each row records facts, not analysis choices: ``speaker.is_justice`` (a
    justice role of theirs began on or before the argument date; a later justice arguing as an
    advocate, John Roberts in 2000-2002, is the advocate ``<identifier>@advocate``), the
    section (``meta.section``) and three markers where a reply chain may start:
    ``meta.section_start`` (the section's first named turn: each section is one advocate's
    presentation or rebuttal), ``meta.after_unnamed`` (the turn after one Oyez gives no
    speaker: who was answered is unknown) and ``meta.opening`` (each new speaker's turn
    until the presenting advocate has begun, that advocate's prepared statement included:
    "Mr. Chief Justice, and may it please the Court" answers no one).
    """
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    transcript = data.get("transcript")
    if not transcript:
        return []
    when = argument_time(data, path)
    stem = path.name.split(".json")[0]
    rows: list[dict[str, Any]] = []
    for number, section in enumerate(transcript.get("sections") or []):
        previous: str | None = None  # the last named speaker, None after a break
        opened = False  # whether the section's presenting advocate has begun
        first = True
        unnamed = False
        for turn in section.get("turns") or []:
            who = turn.get("speaker")
            text = " ".join(b.get("text", "") for b in turn.get("text_blocks") or []).strip()
            if not text:
                continue
            name = (who.get("identifier") or who.get("name")) if who else None
            if not name:
                previous, unnamed = None, True
                continue
            justice, ever = _is_justice(who.get("roles") or [], when)
            if ever and not justice:
                name = f"{name}@advocate"
            goes_on = previous == name
            rows.append(
                {
                    "id": f"{stem}:{len(rows)}",
                    "conversation_id": stem,
                    "speaker": name,
                    "text": text,
                    "start": turn.get("start"),
                    "end": turn.get("stop"),
                    "speaker.is_justice": justice,
                    "meta.section": number,
                    "meta.section_start": first,
                    "meta.after_unnamed": unnamed,
                    "meta.opening": not opened and not goes_on,
                }
            )
            if not justice and not goes_on:
                opened = True
            previous, first, unnamed = name, False, False
    return rows


def export(data_root: Path, out: Path, *, quick: bool = False) -> Path:
    """Write every transcript (or the quick sample) as one interchange JSONL file."""
    with out.open("w", encoding="utf-8") as handle:
        for path in transcript_files(data_root, quick=quick):
            for row in oyez_rows(path):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


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
    """Coordination between justices and advocates, and pronoun status, on Oyez data.

    The transcripts are written as one interchange file (``export``) and compared with the
    function ``powerlens corpus coordination`` calls (``coordination_report``): the Supreme
    Court setup (``SCOTUS_COMMAND``), and beside it target threshold 3 and one unit per
    person across cases.
    """
    n_boot, n_perm = (300, 300) if quick else (2000, 5000)
    with tempfile.TemporaryDirectory(prefix="powerlens-scotus-") as folder:
        path = export(data_root, Path(folder) / "scotus.jsonl", quick=quick)

        def directions(turns: Turns, threshold: int) -> dict[str, Any]:
            result = coordination_report(
                path,
                "speaker.is_justice",
                reply_to_previous=True,
                turns=turns,
                target_threshold=threshold,
                bootstrap=n_boot,
                permutations=n_perm,
                seed=0,
            )
            by = {(e["speakers"], e["targets"]): e for e in result["directed"]}
            return {
                "markers": result["markers"],
                "advocates_to_justices": by[(ADVOCATES, JUSTICES)],
                "justices_to_advocates": by[(JUSTICES, ADVOCATES)],
                "thresholds": result["thresholds"],
                "turns": result["turns"],
            }

        main = directions(SCOTUS_TURNS, CASE_TARGET_THRESH)
        case_default = directions(SCOTUS_TURNS, Thresholds.target)
        per_person = directions(dataclasses.replace(SCOTUS_TURNS, unit="speaker"), 3)
        conversations = load(path)
    groups: dict[str, bool] = {}
    for conversation in conversations:
        for name, speaker in conversation.speakers.items():
            groups.setdefault(name, bool(speaker.meta["is_justice"]))
    return {
        "dataset": DATASET,
        "quick": quick,
        "command": SCOTUS_COMMAND,
        "transcripts": len(conversations),
        "utterances": sum(len(c.utterances) for c in conversations),
        "justices": sum(groups.values()),
        "advocates": sum(not g for g in groups.values()),
        "markers": main["markers"],
        "unit": f"speaker per case, target threshold {CASE_TARGET_THRESH}",
        "advocates_to_justices": main["advocates_to_justices"],
        "justices_to_advocates": main["justices_to_advocates"],
        "turns": main["turns"],
        "per_case_target3": case_default,
        "per_person": per_person,
        "pronoun_status": _pronoun_status(conversations),
    }


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
    for label, key in (
        ("speaker per case, target threshold 3", "per_case_target3"),
        ("speaker = one person across cases", "per_person"),
    ):
        x, y = result[key]["advocates_to_justices"], result[key]["justices_to_advocates"]
        for name in ("agg1", "agg2", "agg3"):
            p = f"{x['p_value']:.4f}" if name == "agg3" and x["p_value"] is not None else ""
            lines.append(
                f"| {name}, {label} | {_f(x['aggregate'][name])}"
                f"{_ci(x['aggregate_ci'][name])} | {_f(y['aggregate'][name])}"
                f"{_ci(y['aggregate_ci'][name])} | {p} |"
            )
    lines += [
        "",
        f"Exchanges: advocates → justices {a2j['n_exchanges']:,} ({a2j['n_speakers']} units "
        f"scored), justices → advocates {j2a['n_exchanges']:,} ({j2a['n_speakers']} units); "
        f"main rows: {result['unit']}. Per person: "
        f"{result['per_person']['advocates_to_justices']['n_speakers']} advocates, "
        f"{result['per_person']['justices_to_advocates']['n_speakers']} justices scored.",
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


def main(argv: list[str] | None = None) -> int:
    """``python -m powerlens.validation.accommodation export OUT [--quick]``: write the
    interchange file the documented command reads."""
    args = sys.argv[1:] if argv is None else argv
    from powerlens.validation import data_root

    root = data_root()
    if len(args) < 2 or args[0] != "export" or root is None:
        print(
            "usage: python -m powerlens.validation.accommodation export OUT.jsonl [--quick] "
            "(needs the shared data: ../shared/data or $POWERLENS_DATA)",
            file=sys.stderr,
        )
        return 2
    out = export(root, Path(args[1]), quick="--quick" in args[2:])
    print(f"wrote {out}; then: {SCOTUS_COMMAND.replace('scotus.jsonl', str(out))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
