"""Run every validation against ../shared/data and print the Markdown for docs/validation.md.

python scripts/validate.py                 # all families, full data
python scripts/validate.py tactics --quick # one family, the fixed CI sample
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

from powerlens.validation import FAMILIES, data_root


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
    if root is None:
        print("no data: pass --data or put the shared data in ../shared/data", file=sys.stderr)
        return 2
    chosen = args.families or list(FAMILIES)
    results = {}
    for family in chosen:
        if family not in FAMILIES:
            print(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}", file=sys.stderr)
            return 2
        try:
            module = importlib.import_module(f"powerlens.validation.{family}")
        except ModuleNotFoundError:
            print(f"<!-- {family}: no validation module yet -->\n")
            continue
        started = time.perf_counter()
        result = module.run(root, quick=args.quick)
        results[family] = result
        print(module.to_markdown(result))
        print(f"<!-- {family}: {time.perf_counter() - started:.1f} s -->\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
