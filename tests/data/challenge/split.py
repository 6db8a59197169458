"""Assign the challenge suite's frozen ``test`` and open ``dev`` halves (stdlib only, deterministic).

The unit of the draw is the *group*: an utterance and its benign twin share a group, and each
conversation is its own group, so a pair never straddles the halves. Groups are drawn 50/50
within strata:

- utterance groups with a control item: one stratum per control category x surface form;
- utterance groups without one: one stratum per speech act;
- conversations: one stratum per kind.

Inside a stratum, groups are put in an order that is fixed by a seeded hash (sha256 of
``SEED``, the stratum and the group id), plain-style groups before chat-style ones for
utterances and conversations with control before benign ones. Halves are then dealt
alternately down that order, starting with the half named by the stratum's own hash. So every
stratum splits evenly (odd strata differ by one), and plain/chat and controlling/benign are each
spread over both halves. No ``random`` module is used, so the draw cannot drift between Python
versions.

Usage (from the repository root)::

    python tests/data/challenge/split.py            # check the halves in the files; exit 1 if not
    python tests/data/challenge/split.py --write    # (re)write the "half" fields in place
    python tests/data/challenge/split.py --frozen   # print the hash blocks that FROZEN.md holds
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SEED = "powerlens-challenge-issue-14"
HERE = Path(__file__).resolve().parent
UTTERANCES = HERE / "utterances.jsonl"
CONVERSATIONS = HERE / "conversations.jsonl"
HALVES = ("test", "dev")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join((SEED, *parts)).encode("utf-8")).hexdigest()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One dict per non-empty line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """One compact JSON object per line, UTF-8, keys in their given order."""
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def frozen_half_digest(path: Path) -> str:
    """Hex sha256 of the file's ``"half": "test"`` lines only, bytes as stored, in file order.

    It pins the frozen half alone, so a correction in the dev half changes the file's hash
    (and must be recorded) but never this digest.
    """
    lines = path.read_bytes().splitlines(keepends=True)
    kept = b"".join(line for line in lines if line.strip() and json.loads(line)["half"] == "test")
    return hashlib.sha256(kept).hexdigest()


def frozen_lines() -> list[str]:
    """``sha256sum``-style lines for the frozen files, paths relative to this folder."""
    rows = read_jsonl(CONVERSATIONS)
    paths = [UTTERANCES, CONVERSATIONS]
    paths += [HERE / row["file"] for row in rows if row["half"] == "test"]
    return [f"{sha256(path)}  {path.relative_to(HERE).as_posix()}" for path in paths]


def deal(strata: dict[str, list[tuple[int, str]]]) -> dict[str, str]:
    """Half per group id, dealt alternately over each stratum's seeded order.

    ``strata`` maps a stratum name to ``(sub-order, group id)`` pairs; the sub-order (style, or
    controlling/benign) is kept so that each sub-list is spread over both halves.
    """
    halves: dict[str, str] = {}
    for name, members in strata.items():
        ordered = sorted(set(members), key=lambda m: (m[0], _digest(name, m[1])))
        start = int(_digest(name)[:8], 16) % 2
        for position, (_, group) in enumerate(ordered):
            halves[group] = HALVES[(start + position) % 2]
    return halves


def utterance_halves(items: list[dict[str, Any]]) -> dict[str, str]:
    """Half per utterance group."""
    strata: dict[str, list[tuple[int, str]]] = defaultdict(list)
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_group[item["group"]].append(item)
    for group, members in by_group.items():
        control = [m for m in members if m["expect"]["control"] is not None]
        if control:
            stratum = f"control:{control[0]['expect']['control']}:{control[0]['form']}"
            style = control[0]["style"]
        else:
            stratum = f"act:{members[0]['expect']['act']}"
            style = members[0]["style"]
        strata[stratum].append((0 if style == "plain" else 1, group))
    return deal(strata)


def conversation_halves(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Half per conversation id."""
    strata: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        benign = 1 if not row["expect"]["control"] else 0
        strata[f"kind:{row['kind']}"].append((benign, row["id"]))
    return deal(strata)


def assigned() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both files' rows with the halves this rule gives them."""
    items = read_jsonl(UTTERANCES)
    rows = read_jsonl(CONVERSATIONS)
    by_group = utterance_halves(items)
    by_id = conversation_halves(rows)
    items = [{**item, "half": by_group[item["group"]]} for item in items]
    rows = [{**row, "half": by_id[row["id"]]} for row in rows]
    return items, rows


def summary(items: list[dict[str, Any]], rows: list[dict[str, Any]]) -> str:
    """Counts per half: control items per category, other items, conversations per kind."""
    lines = []
    cats = Counter((i["expect"]["control"], i["half"]) for i in items if i["expect"]["control"])
    for cat in sorted({c for c, _ in cats}):
        lines.append(f"control {cat:26} test {cats[cat, 'test']:3}  dev {cats[cat, 'dev']:3}")
    halves = Counter(i["half"] for i in items)
    lines.append(
        f"utterances (all)                   test {halves['test']:3}  dev {halves['dev']:3}"
    )
    kinds = Counter((r["kind"], r["half"]) for r in rows)
    for kind in sorted({k for k, _ in kinds}):
        lines.append(
            f"conversations {kind:20} test {kinds[kind, 'test']:3}  dev {kinds[kind, 'dev']:3}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the halves into the files")
    parser.add_argument("--frozen", action="store_true", help="print the hashes FROZEN.md holds")
    args = parser.parse_args(argv)
    if args.frozen:
        print("```sha256sum", *frozen_lines(), "```", sep="\n")
        halves = [f"{frozen_half_digest(p)}  {p.name}" for p in (UTTERANCES, CONVERSATIONS)]
        print("```test-half", *halves, "```", sep="\n")
        return 0
    items, rows = assigned()
    if args.write:
        write_jsonl(UTTERANCES, items)
        write_jsonl(CONVERSATIONS, rows)
        print(summary(items, rows))
        return 0
    wrong = [
        i["id"]
        for i, old in zip(items, read_jsonl(UTTERANCES), strict=True)
        if i["half"] != old["half"]
    ]
    wrong += [
        r["id"]
        for r, old in zip(rows, read_jsonl(CONVERSATIONS), strict=True)
        if r["half"] != old["half"]
    ]
    if wrong:
        print(
            f"{len(wrong)} items are not in the half the rule gives them: {', '.join(wrong[:10])}"
        )
        return 1
    print(summary(items, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
