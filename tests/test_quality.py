"""The code stays ruff- and mypy-clean: part of the one test command, so CI runs them too."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from helpers import REPO


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "ruff", "check", "src", "tests", "scripts", "bench"],
        [sys.executable, "-m", "mypy"],
    ],
    ids=["ruff", "mypy"],
)
def test_quality_tool_is_clean(command: list[str]) -> None:
    tool = command[2]
    if (
        shutil.which(tool) is None
        and subprocess.run(command[:3] + ["--version"], capture_output=True).returncode
    ):
        pytest.fail(f"{tool} is not installed: pip install -e '.[test]'")
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_measure_families_with_several_modules_are_folders() -> None:
    """One room per family: no two top-level modules of ``measures`` share a family prefix
    (``talk.py`` beside ``talk_columns.py``); such a family is a folder with its ``__init__``."""
    measures = REPO / "src" / "powerlens" / "measures"
    modules = sorted(p.stem for p in measures.glob("*.py") if p.stem != "__init__")
    folders = sorted(p.name for p in measures.iterdir() if (p / "__init__.py").is_file())
    prefixed = [
        m for m in modules
        if any(m != o and m.startswith(o + "_") for o in modules + folders)
    ]  # fmt: skip
    assert prefixed == [], f"move into the family's folder: {prefixed}"
