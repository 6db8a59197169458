"""Golden report files: every format rendered for every bundled example, byte for byte."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import powerlens
from powerlens.measures import Options
from powerlens.report.markdown import note

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
EXAMPLES = {
    "couple_disagreement": ("examples/couple_disagreement.txt", Options()),
    "team_meeting": ("examples/team_meeting.vtt", Options()),
    "family_chat": ("examples/family_chat.txt", Options()),
    "therapy_session": ("examples/therapy_session.txt", Options(helper="Therapist")),
}
FORMATS = {"terminal": "txt", "json": "json", "html": "html", "md": "md"}
FIXED_DATE = dt.date(2026, 1, 1)


def render_example() -> Iterator[tuple[Path, str]]:
    """``(golden path, rendered text)`` for every example and format (run from the repo root)."""
    for name, (source, options) in EXAMPLES.items():
        report = powerlens.analyze(powerlens.load(source), options=options)
        for fmt, suffix in FORMATS.items():
            if fmt == "md":
                text = "\n---\n\n".join(note(c, FIXED_DATE) for c in report.conversations)
            else:
                text = powerlens.render(report, fmt)
            yield GOLDEN / f"{name}.{suffix}", text
