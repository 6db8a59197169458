"""Headless Chromium for tests: Debian's chromium, started the way this sandbox allows."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """The chromium binary, or skip with the install command when it is missing."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless browser tests need Debian's chromium: apt-get install chromium")


def run(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Load ``page`` in a fresh profile with ``extra`` flags (e.g. --dump-dom)."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )


def dump_dom(page: Path) -> str:
    """The page's DOM after load and scripts (if any had run)."""
    return run(page, "--virtual-time-budget=2000", "--dump-dom").stdout


def screenshot(page: Path, out: Path, width: int = 900, height: int = 2400) -> Path:
    """A PNG screenshot of ``page``."""
    run(page, f"--window-size={width},{height}", f"--screenshot={out}")
    assert out.exists(), f"chromium wrote no screenshot of {page}"
    return out
