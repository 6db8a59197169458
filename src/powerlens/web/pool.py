"""Running analyses in worker processes with a time and a memory limit, cancelled on demand.

One process per submission (``worker.serve``), forked from a fork server that loaded and
warmed the library once (``forkserver``), so a worker starts in milliseconds and shares
nothing with the server but a socket. At most ``Settings.workers`` run at once; the others
wait their turn. While a worker runs, the server checks every 50 ms whether its answer is
ready, whether it ran past ``Settings.max_seconds`` (killed: PL193), and whether the client
went away (killed, nothing stored). The memory limit is the worker's own address-space limit
(``Settings.max_memory``; PL194). ``stop_all`` kills every running worker and removes its
folder (the server calls it on Ctrl+C or SIGTERM), and a worker whose server died removes its
folder and exits by itself (``worker``).

Each submission gets a private folder (``tempfile.mkdtemp``: 0700, a fresh name) under the
scratch folder, removed when its worker ends, however it ended.

Known limits: the address-space limit is enforced on Linux; macOS accepts but ignores it.
Needs ``os.fork`` (no Windows).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from powerlens.errors import UsageError
from powerlens.web.forkserver import ForkServer
from powerlens.web.refusal import FAULT, NO_ROOM, TOO_SLOW, IntakeError, megabytes
from powerlens.web.settings import MEMORY_FOLDER, Settings
from powerlens.web.worker import Job

FORK_SERVER = ForkServer()
"""The fork server of this process, shared by its apps (started on the first analysis)."""
POLL = 0.05
"""Seconds between checks on a running worker (its answer wakes the server at once)."""


class Cancelled(Exception):
    """The client went away (or the server is stopping) before the analysis finished."""


class Refused(Exception):
    """The worker's refusal, with the peak memory it reported."""

    def __init__(self, error: IntakeError, peak: int) -> None:
        super().__init__(str(error))
        self.error, self.peak = error, peak


@dataclass(frozen=True)
class Outcome:
    """What a worker sent back: per conversation its JSON, its helper and its report's JSON."""

    conversations: list[str]
    helpers: list[str | None]
    reports: list[str]
    peak: int = 0


class Analyses:
    """The worker processes of one app: start, watch, cancel."""

    def __init__(self, settings: Settings, scratch: Path | None) -> None:
        self.settings, self.scratch = settings, scratch
        self.running: dict[int, str] = {}
        """Running workers: pid -> private folder."""
        self.stopping = False
        self.peak = 0
        """The highest peak memory a worker of this app reported, in bytes."""
        self._busy = 0

    async def run(
        self, job: Job, data: bytes, gone: Callable[[], Awaitable[bool]] | None = None
    ) -> Outcome:
        """Run ``job`` in a worker; ``gone`` says whether the client has left.

        Raises ``IntakeError`` for a refusal and ``Cancelled`` when the client left.
        """
        while self._busy >= self.settings.workers:
            if self.stopping or (gone is not None and await gone()):
                raise Cancelled
            await asyncio.sleep(POLL)
        self._busy += 1
        folder = tempfile.mkdtemp(prefix="powerlens-upload-", dir=self.scratch)
        try:
            return await self._watch(replace(job, folder=folder), data, gone)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            self._busy -= 1

    async def _watch(
        self, job: Job, data: bytes, gone: Callable[[], Awaitable[bool]] | None
    ) -> Outcome:
        settings = self.settings
        conn, pid = await run_in_threadpool(FORK_SERVER.launch)
        self.running[pid] = job.folder
        answered = False
        try:
            header = {"job": asdict(job), "memory": settings.max_memory,
                      "seconds": settings.max_seconds}
            try:
                await run_in_threadpool(_send, conn, json.dumps(header).encode("utf-8"), data)
            except OSError:
                raise _died(settings) from None
            deadline = time.monotonic() + settings.max_seconds
            loop = asyncio.get_running_loop()
            ready = asyncio.Event()
            loop.add_reader(conn.fileno(), ready.set)  # wake as soon as the answer starts
            try:
                while not conn.poll():
                    if time.monotonic() > deadline:
                        raise IntakeError(
                            f"The analysis ran past its time limit of {settings.max_seconds:g} "
                            "s and was stopped.",
                            code=TOO_SLOW,
                            status=413,
                            fix="split the conversation into parts, or start the app with a "
                            "higher limit: powerlens serve --max-seconds N",
                        )
                    if self.stopping or (gone is not None and await gone()):
                        raise Cancelled
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(ready.wait(), POLL)
            finally:
                loop.remove_reader(conn.fileno())
            left = max(deadline - time.monotonic(), 0) + 5
            try:
                outcome = await asyncio.wait_for(run_in_threadpool(_receive, conn), left)
            except Refused as refused:
                self.peak = max(self.peak, refused.peak)
                raise refused.error from None
            except (EOFError, OSError, TimeoutError):
                raise _died(settings) from None
            self.peak = max(self.peak, outcome.peak)
            answered = True
            return outcome
        finally:
            if not answered:
                _kill(pid)
            self.running.pop(pid, None)
            conn.close()

    def stop_all(self) -> None:
        """Kill every running worker and remove its folder: the server is stopping.

        Called from the server's signal handler (``server``), so that requests waiting on a
        worker end at once and the server stops without waiting out its grace period."""
        self.stopping = True
        for pid, folder in list(self.running.items()):
            _kill(pid)
            shutil.rmtree(folder, ignore_errors=True)


def _kill(pid: int) -> None:
    """Kill a worker that has not answered (it may have just died; its fork server reaps it)."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def scratch_folder(settings: Settings) -> Path | None:
    """Where uploads are read; memory-only mode refuses to start without a folder in RAM.

    Also refuses a system without ``os.fork``, where no worker could be started."""
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        raise UsageError(  # pragma: no cover - Windows
            "the web app analyses each upload in a forked worker process, and this system "
            "cannot fork.",
            fix="run powerlens serve on Linux or macOS, or use the command line here.",
        )
    scratch = settings.scratch
    if settings.memory_only and settings.scratch_dir is None and not MEMORY_FOLDER.is_dir():
        raise UsageError(
            f"--memory-only reads uploads in a folder in memory ({MEMORY_FOLDER}), which this "
            "system does not have.",
            fix="pass --scratch-dir PATH naming a RAM disk, or leave out --memory-only.",
        )
    if scratch is not None and not scratch.is_dir():
        raise UsageError(f"the scratch folder {scratch} does not exist.", fix="create it first.")
    return scratch


def room_for(scratch: Path | None, size: int) -> None:
    """Refuse an upload that would not fit in the memory-only scratch folder (PL196)."""
    if scratch is None:
        return
    free = shutil.disk_usage(scratch).free
    if free < 2 * size + 16 * 1024 * 1024:
        raise IntakeError(
            f"There is no room in memory for this upload ({megabytes(free)} free in {scratch}).",
            code=NO_ROOM,
            status=507,
            fix="close other programs, or try again once other analyses have finished.",
        )


def _send(conn: Any, header: bytes, data: bytes) -> None:
    conn.send_bytes(header)
    conn.send_bytes(data)


def _receive(conn: Any) -> Outcome:
    """Read the worker's answer: a refusal, or a header and two texts per conversation."""
    header: dict[str, Any] = json.loads(conn.recv_bytes())
    if not header["ok"]:
        error = IntakeError(
            header["message"], code=header["code"], status=header["status"], fix=header["fix"]
        )
        raise Refused(error, header["peak"])
    conversations, reports = [], []
    for _ in header["helpers"]:
        conversations.append(conn.recv_bytes().decode("utf-8"))
        reports.append(conn.recv_bytes().decode("utf-8"))
    return Outcome(conversations, header["helpers"], reports, header["peak"])


def _died(settings: Settings) -> IntakeError:
    """The refusal for a worker that ended without an answer."""
    return IntakeError(
        "The analysis stopped without a result; most often it ran out of its memory limit of "
        f"{megabytes(settings.max_memory)}.",
        code=FAULT,
        status=413,
        fix="split the conversation into parts, or start the app with a higher limit: "
        "powerlens serve --max-memory MB",
    )
