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
