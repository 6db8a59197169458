"""Every report format on every bundled example matches its golden file.

After an intended change of output, run ``python scripts/update_golden.py`` and review the diff.
"""

from __future__ import annotations

import pytest

from golden import REPO, render_example


@pytest.fixture(scope="module")
def rendered() -> list[tuple[str, str, str]]:
    import os

    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        return [(p.name, p.read_text(encoding="utf-8") if p.exists() else "", t) for p, t in render_example()]
    finally:
        os.chdir(cwd)


def test_golden_files_exist_for_every_example_and_format(rendered) -> None:  # type: ignore[no-untyped-def]
    missing = [name for name, expected, _ in rendered if not expected]
    assert not missing, f"missing golden files {missing}: run python scripts/update_golden.py"


@pytest.mark.parametrize("index", range(16))
def test_golden_output_is_unchanged(rendered, index: int) -> None:  # type: ignore[no-untyped-def]
    name, expected, actual = rendered[index]
    assert actual == expected, f"{name} changed: review, then run python scripts/update_golden.py"
