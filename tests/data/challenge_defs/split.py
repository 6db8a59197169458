"""The seeded split of the definitions set into ``dev`` and ``test`` halves, and its check.

Groups (a control item and its benign twin share one) are dealt alternately to ``dev`` and
``test`` within each stratum (a control category, or ``benign:<act>`` for the other items), over
an order fixed by sha256 of the seed, the stratum and the group id. ``python split.py`` exits 1
if any item is not in the half this rule gives it; ``python split.py --frozen`` prints the
sha256 of the test half's lines (the digest in FROZEN.md).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

SEED = "powerlens-challenge-defs-2026"
HERE = Path(__file__).resolve().parent


def stratum(item: dict[str, Any]) -> str:
    """A control category, or ``benign:<act>`` for an item with no control."""
    control = item["expect"]["control"]
    return control if control else f"benign:{item['expect']['act']}"


def halves(items: list[dict[str, Any]]) -> dict[str, str]:
    """The half of every group, by the seeded alternating deal within each stratum."""
    groups: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item["id"] == item["group"]:  # a twin follows its control item
            groups[stratum(item)].add(item["group"])
    assigned = {}
    for name, members in sorted(groups.items()):
        order = sorted(
            members, key=lambda g: hashlib.sha256(f"{SEED}|{name}|{g}".encode()).hexdigest()
        )
        for index, group in enumerate(order):
            assigned[group] = "dev" if index % 2 == 0 else "test"
    return assigned


def frozen_digest(path: Path) -> str:
    """sha256 of the file's test-half lines, bytes as stored, in file order."""
    lines = [
        line for line in path.read_bytes().splitlines(keepends=True) if b'"half": "test"' in line
    ]
    return hashlib.sha256(b"".join(lines)).hexdigest()


def main() -> int:
    path = HERE / "utterances.jsonl"
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if "--frozen" in sys.argv:
        print(f"{frozen_digest(path)}  utterances.jsonl")
        return 0
    rule = halves(items)
    wrong = [i["id"] for i in items if i["half"] != rule[i["group"]]]
    for item_id in wrong:
        print(f"{item_id}: not in the half the seeded rule gives it")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
