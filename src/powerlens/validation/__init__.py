"""Validation of the measures against real labelled data that this project did not write.

Each module ``validation/<family>.py`` exposes ``run(data_root, quick=False) -> dict`` and
``to_markdown(result) -> str``; ``python scripts/validate.py`` runs them all. ``challenge`` is
the exception: it scores the challenge suite in ``tests/data/challenge`` (no outside data) with
``run(half)``, and the script runs it once per half (``dev``, then the frozen ``test``). The
data sets live in ``../shared/data`` beside the repository (or ``$POWERLENS_DATA``); a user's
clone has none, so the tests that use them skip with a reason.
"""

from __future__ import annotations

import os
from pathlib import Path

FAMILIES = (
    "accommodation",
    "deference",
    "moves",
    "casino",
    "challenge",
    "moves_models",
    "tactics",
    "dyad",
)
"""Validation modules, in the order ``docs/validation.md`` presents them."""
HALVES = ("dev", "test")
"""The challenge suite's halves: ``dev`` may be tuned on, ``test`` is frozen and reported."""


def data_root() -> Path | None:
    """The shared data folder if present: ``$POWERLENS_DATA`` or ``../shared/data``."""
    env = os.environ.get("POWERLENS_DATA")
    candidates = [Path(env)] if env else []
    repo = Path(__file__).resolve().parents[3]
    candidates += [repo.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    return next((c for c in candidates if c.is_dir()), None)
