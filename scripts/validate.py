"""Run every validation against ../shared/data and print the Markdown for docs/validation.md.

python scripts/validate.py                 # all families, full data
python scripts/validate.py tactics --quick # one family, the fixed CI sample
python scripts/validate.py challenge       # the challenge suite, dev and test halves (no data)
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from powerlens.validation import FAMILIES, HALVES, data_root

NO_DATA = frozenset({"challenge"})
"""Families that need no outside data (the challenge suite lives in tests/data)."""


def run_family(family: str, root: Path | None, quick: bool) -> tuple[Any, str]:
    """One family's result and its Markdown; the challenge suite runs once per half."""
    module = importlib.import_module(f"powerlens.validation.{family}")
    if family == "challenge":
        halves = {half: module.run(half) for half in HALVES}
        halves["extra"] = module.run("dev", root=module.EXTRA)  # the second author's set
        return halves, "\n".join(module.to_markdown(r) for r in halves.values() if r)
    result = module.run(root, quick=quick)
    return result, module.to_markdown(
        result
    ) if result is not None else f"<!-- {family}: no data -->"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("families", nargs="*", help=f"any of: {', '.join(FAMILIES)}")
    parser.add_argument("--quick", action="store_true", help="the fixed sample CI uses")
    parser.add_argument(
        "--data", type=Path, default=None, help="data folder (default ../shared/data)"
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write all results as JSON here"
    )
    args = parser.parse_args()
    root = args.data or data_root()
    chosen = args.families or list(FAMILIES)
    if root is None and not set(chosen) <= NO_DATA:
        print("no data: pass --data or put the shared data in ../shared/data", file=sys.stderr)
        return 2
    results = {}
    for family in chosen:
        if family not in FAMILIES:
            print(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}", file=sys.stderr)
            return 2
        started = time.perf_counter()
        results[family], markdown = run_family(family, root, args.quick)
        print(markdown)
        print(f"<!-- {family}: {time.perf_counter() - started:.1f} s -->\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
