"""Progress of a long command on stderr: reading, analysing (family by family) and rendering.

The library only calls back (``analyze_conversation(..., step=...)``); everything that draws
lives here. The display is a transient rich progress bar that appears only when stderr is a
terminal, ``--quiet`` was not given and the command has run for ``DELAY`` seconds, so short
runs and piped or logged output never see it. Reading and rendering are single calls, shown
as a pulsing bar with the time elapsed; analysing advances by one conversation's utterances
for each measure family it finishes, so one long chat moves the bar family by family.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

DELAY = 1.0
"""Seconds a command runs before its progress is shown."""


class Activity:
    """What a long command is doing, on stderr (see the module docstring)."""

    def __init__(self, console: Console, *, enabled: bool, delay: float | None = None) -> None:
        self.enabled = enabled
        self.delay = DELAY if delay is None else delay
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            _Percent(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._lock = threading.Lock()
        self._shown = False
        self._closed = False
        self._timer = threading.Timer(self.delay, self._show) if enabled else None
        self._files: TaskID | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> Activity:
        if self._timer is not None and self.delay <= 0:
            self._show()
        elif self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _show(self) -> None:
        with self._lock:
            if not self._closed and not self._shown:
                self._shown = True
                self.progress.start()

    def close(self) -> None:
        """Stop the timer and remove the display (before the command prints its result)."""
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._shown:
                self.progress.stop()
                self._shown = False

    @property
    def shown(self) -> bool:
        """True while the display is on screen."""
        return self._shown

    def files(self, total: int) -> Callable[[], None]:
        """An overall bar over ``total`` files (none for one file); returns its advance."""
        if not self.enabled or total <= 1:
            return lambda: None
        self._files = self.progress.add_task("files", total=total)
        files = self._files
        return lambda: self.progress.advance(files)

    def _phase(self, description: str, total: float | None) -> TaskID:
        if self._task is None:
            self._task = self.progress.add_task(description, total=total)
        else:
            self.progress.reset(self._task, description=description, total=total)
        return self._task

    @contextmanager
    def reading(self, path: Path) -> Iterator[None]:
        """Reading one file (a single call to the reader: a pulsing bar)."""
        if self.enabled:
            self._phase(f"reading {path.name}", None)
        yield

    def analysing(self, name: str, utterances: int, families: int) -> Callable[[str], None]:
        """Analysing one conversation; the callback advances past one finished family."""
        if not self.enabled:
            return _ignore
        task = self._phase(f"analysing {name}", max(1, utterances) * max(1, families))
        step = max(1, utterances)

        def advance(family: str) -> None:
            self.progress.update(task, advance=step, description=f"analysing {name}: {family}")

        return advance

    @contextmanager
    def rendering(self, what: str) -> Iterator[None]:
        """Rendering or writing the report (a pulsing bar)."""
        if self.enabled:
            self._phase(f"rendering {what}", None)
        yield


class _Percent(ProgressColumn):
    """The share done, blank while the size of the work is unknown (reading, rendering)."""

    def render(self, task: Task) -> Text:
        return Text("" if task.total is None else f"{task.percentage:>3.0f}%")


def _ignore(*_: Any) -> None:
    return None


def enabled_for(console: Console, quiet: bool) -> bool:
    """Progress is shown on a terminal's stderr unless ``--quiet``."""
    return not quiet and console.is_terminal
