"""Regenerate the golden report files in tests/golden/ after an intended change of output.

    python scripts/update_golden.py

Review the diff (git diff tests/golden) before committing: it is the change users will see.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from golden import GOLDEN, render_example  # noqa: E402


def main() -> None:
    os.chdir(REPO)
    GOLDEN.mkdir(exist_ok=True)
    for target, text in render_example():
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(REPO)}")


if __name__ == "__main__":
    main()
