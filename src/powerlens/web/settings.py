"""Settings of the local web app: where the case file lives, limits, and access rules.

Nothing here imports the web framework, so ``powerlens serve`` can build its settings and
report a missing extra before anything heavy is imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR_ENV = "POWERLENS_DATA_DIR"
"""Environment variable that overrides the data directory (used by tests)."""
MEMORY_ONLY_ENV = "POWERLENS_MEMORY_ONLY"
"""Environment variable that, set to 1, keeps nothing on disk."""
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MEMORY_FOLDER = Path("/dev/shm")
"""A folder in RAM (Linux): memory-only mode reads uploads there unless told another."""
MAX_SECONDS = 120.0
"""Default time limit of one analysis: a 5 MB, 5,000-utterance chat takes about 25 s here."""
MAX_MEMORY = 2048 * 1024 * 1024
"""Default address-space limit of one analysis worker (that chat peaks near 0.9 GB)."""


def default_workers() -> int:
    """Analyses run at once by default: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def default_data_dir() -> Path:
    """``$POWERLENS_DATA_DIR``, else ``$XDG_DATA_HOME/powerlens`` (``~/.local/share/powerlens``)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "powerlens"


def memory_only_from_env() -> bool:
    """True when ``$POWERLENS_MEMORY_ONLY`` asks to keep nothing on disk."""
    return os.environ.get(MEMORY_ONLY_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    """How one web app instance runs.

    ``memory_only`` keeps the case file in an in-memory SQLite database that disappears when
    the server stops; ``token``, when set, must accompany every request. Each analysis runs
    in a worker process limited to ``max_seconds`` and ``max_memory`` bytes of address space,
    ``workers`` at once; uploads are read in a private folder under ``scratch_dir`` (default:
    the system's temp folder, or ``/dev/shm`` in memory-only mode).
    """

    data_dir: Path | None = None
    memory_only: bool = False
    host: str = "127.0.0.1"
    token: str | None = None
    max_bytes: int = 5 * 1024 * 1024
    max_utterances: int = 5000
    max_seconds: float = MAX_SECONDS
    max_memory: int = MAX_MEMORY
    workers: int = field(default_factory=default_workers)
    scratch_dir: Path | None = None
    limits: tuple[str, ...] = ()
    """Reading budgets raised for uploads (``--limit NAME=N``, ``readers.budgets``)."""

    @property
    def database(self) -> Path | None:
        """The SQLite file of the case file, or None in memory-only mode."""
        if self.memory_only:
            return None
        return (self.data_dir or default_data_dir()) / "cases.sqlite3"

    @property
    def scratch(self) -> Path | None:
        """Where uploads are read: ``scratch_dir``, else RAM in memory-only mode, else None
        (the system's temp folder)."""
        if self.scratch_dir is not None:
            return self.scratch_dir
        return MEMORY_FOLDER if self.memory_only else None

    @property
    def loopback(self) -> bool:
        """True when the server listens on this machine only."""
        return self.host in LOOPBACK_HOSTS
