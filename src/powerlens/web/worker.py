"""The analysis worker: reads an upload and analyses it in a process of its own.

``pool.Analyses`` has a worker process forked for each submission (``forkserver``) and gives
it a private folder (created 0700 for this submission alone, removed by the server
afterwards, even when the worker was killed). The worker limits its own address space
(``RLIMIT_AS``, where the system enforces it) and CPU time, writes the upload at
``<folder>/upload/<name>`` so that a reader looking beside or above the file (a Slack day
file's export root is two folders up) finds only this folder, reads it with
``powerlens.load`` (with the system's temp folder pointed at the private folder, so what a
reader unpacks stays there), checks the web app's limits, pseudonymises on request and
analyses. It answers over its socket with JSON, never pickle: a header, then per
conversation its JSON and its report's JSON (``codec``).

Every failure becomes a coded refusal (``refusal``): the readers' ``PowerlensError`` as it
is, with the private path replaced by the name the user knows; ``MemoryError`` as PL194;
``RecursionError`` and any other fault as PL195. A thread watches the socket: when the server
closes its end (it gave up, or it died) the worker removes its folder and exits at once, so
no orphan keeps analysing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from powerlens.analysis import analyze
from powerlens.errors import PowerlensError
from powerlens.measures import Options
from powerlens.model import Conversation, ConversationReport
from powerlens.readers import budgets, formats, load
from powerlens.systemic import load_declarations
from powerlens.web.codec import conversation_from_json, conversation_to_json, report_to_json
from powerlens.web.pseudonym import pseudonymise
from powerlens.web.refusal import FAULT, TOO_BIG, TOO_MANY, IntakeError, megabytes, too_large

UPLOAD = "upload"
"""Folder inside the private folder that holds the upload itself."""


@dataclasses.dataclass(frozen=True)
class Job:
    """What one worker does: read and analyse an upload, or analyse a stored conversation.

    ``kind`` is ``upload`` (``data`` is the file's bytes, ``name`` what the user called it) or
    ``analyse`` (``data`` is a stored conversation's JSON). ``folder`` is the private folder.
    """

    kind: str
    folder: str
    name: str = ""
    input_format: str | None = None
    context: str = ""
    helper: str | None = None
    pseudonymise: bool = False
    reply_to_previous: bool = True
    tactics_model: str = "mentalmanip"
    declarations: str = ""
    max_bytes: int = 5 * 1024 * 1024
    max_utterances: int = 5000
    limits: tuple[str, ...] = ()
    """Reading budgets raised with ``serve --limit NAME=N`` (``readers.budgets``)."""


@dataclasses.dataclass(frozen=True)
class Analysed:
    """One conversation ready to store: its JSON, its helper (pseudonymised) and report JSON."""

    conversation: str
    helper: str | None
    report: str


def safe_name(name: str) -> str:
    """The base name of an upload, with anything unusual replaced, keeping its extension."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w\- ]+", "_", stem).strip()[:80] or "conversation"
    suffix = re.sub(r"[^\w]+", "", suffix)[:10]
    return f"{stem}.{suffix}" if suffix else stem


def _private_file(folder: str, sub: str, name: str, data: bytes) -> Path:
    """Write ``data`` at ``folder/sub/name`` (folders 0700, file 0600) and return its path."""
    where = Path(folder) / sub
    where.mkdir(mode=0o700)
    path = where / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def passed_on(error: PowerlensError, folder: str, name: str) -> IntakeError:
    """A library error as a refusal, with every private path replaced by the name shown."""

    def shown(text: str) -> str:
        for private in (str(Path(folder) / UPLOAD / name), str(Path(folder) / UPLOAD), folder):
            text = text.replace(private, name)
        return text

    return IntakeError(
        shown(error.message), code=error.code, fix=shown(error.fix) if error.fix else None
    )


def read_upload(job: Job, data: bytes) -> list[Conversation]:
    """Read the upload with ``powerlens.load`` in the private folder and check the limits."""
    if job.input_format is not None and job.input_format not in formats():
        raise IntakeError(
            f"Unknown format {job.input_format!r}; choose from {', '.join(formats())}."
        )
    shown = safe_name(job.name)
    path = _private_file(job.folder, UPLOAD, shown, data)
    try:
        with budgets.use(budgets.parse(list(job.limits))):
            conversations = load(
                path, format=job.input_format, context=(job.context,) if job.context else ()
            )
    except PowerlensError as error:
        raise passed_on(error, job.folder, shown) from None
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    total = sum(len(c.utterances) for c in conversations)
    if not conversations or total == 0:
        raise IntakeError(
            f"{shown}: no utterances were found.",
            fix="write each turn as 'Name: what they said', or choose the format from the list.",
        )
    if total > job.max_utterances:
        raise IntakeError(
            f"{shown} has {total} utterances; the limit is {job.max_utterances}.",
            code=TOO_MANY,
            status=413,
            fix="split it into parts, or start the app with: powerlens serve --max-utterances N",
        )
    characters = sum(len(u.text) for c in conversations for u in c.utterances)
    if characters > job.max_bytes:
        raise too_large(characters, job.max_bytes, f"{shown} once read holds text that")
    return [dataclasses.replace(c, source=shown) for c in conversations]


def prepare(
    conversation: Conversation, helper: str | None, pseudo: bool
) -> tuple[Conversation, str | None]:
    """Check the helper speaks, and pseudonymise when asked."""
    if helper and helper not in conversation.speaker_names():
        raise IntakeError(
            f"The helper {helper!r} does not speak in {conversation.id}; the speakers are "
            f"{', '.join(conversation.speaker_names())}.",
            fix="type the helper's name as it appears in the conversation, or leave it empty.",
        )
    if pseudo:
        return pseudonymise(conversation, helper)
    return conversation, helper


def read_declarations(job: Job) -> dict[str, Any] | None:
    """The job's declared positions (TOML text), read in the private folder; None when empty."""
    if not job.declarations.strip():
        return None
    data = job.declarations.encode("utf-8")
    path = _private_file(job.folder, "declarations", "declarations.toml", data)
    try:
        return dict(load_declarations(path))
    except PowerlensError as error:
        raise IntakeError(
            error.message.replace(str(path), "declarations"), code=error.code, fix=error.fix
        ) from None


def analyse(
    conversation: Conversation,
    helper: str | None,
    reply_to_previous: bool,
    declarations: dict[str, Any] | None,
    tactics_model: str = "mentalmanip",
) -> ConversationReport:
    """One conversation through ``powerlens.analyze`` with the case's options."""
    options = Options(
        helper=helper,
        reply_to_previous=reply_to_previous,
        declarations=declarations,
        tactics_model=tactics_model,
    )
    return analyze([conversation], options=options).conversations[0]


def run(job: Job, data: bytes) -> list[Analysed]:
    """Do the job; raises ``IntakeError`` for anything the user should be told."""
    if job.kind == "upload":
        read = read_upload(job, data)
    else:
        read = [conversation_from_json(data.decode("utf-8"))]
    declarations = read_declarations(job)
    done = []
    for conversation in read:
        prepared, alias = prepare(conversation, job.helper, job.pseudonymise)
        report = analyse(prepared, alias, job.reply_to_previous, declarations, job.tactics_model)
        done.append(Analysed(conversation_to_json(prepared), alias, report_to_json(report)))
    return done


def refusal(error: BaseException, job: Job, memory: int) -> IntakeError:
    """The coded refusal for an error that escaped ``run``."""
    if isinstance(error, IntakeError):
        return error
    name = safe_name(job.name) if job.kind == "upload" else "this case"
    if isinstance(error, MemoryError):
        return IntakeError(
            f"Analysing {name} needed more than its memory limit of {megabytes(memory)}.",
            code=TOO_BIG,
            status=413,
            fix="split it into parts, or start the app with: powerlens serve --max-memory MB",
        )
    if isinstance(error, PowerlensError):
        return passed_on(error, job.folder, name)
    what = "nested too deeply" if isinstance(error, RecursionError) else type(error).__name__
    return IntakeError(
        f"{name} could not be read or analysed ({what}).",
        code=FAULT,
        fix="check it is one of the formats listed, or choose the format; if it is, please "
        "report this with the file's shape (not its content).",
    )


def _limit(memory: int, seconds: float) -> None:
    """Cap this process's address space and CPU time where the system allows it."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    for kind, value in (("RLIMIT_AS", memory), ("RLIMIT_CPU", int(seconds) + 5)):
        limit = getattr(resource, kind, None)
        if limit is not None:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(limit, (value, value))


def peak_memory() -> int:
    """This process's peak resident memory in bytes (0 where the system does not say)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _watch(conn: Any, folder: str) -> None:
    """Exit at once when the server closes its end of the socket (it has our answer, gave up
    on us, or died), removing the private folder in case the server could not."""

    def wait() -> None:
        with contextlib.suppress(EOFError, OSError):
            conn.recv_bytes()
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(0)

    threading.Thread(target=wait, daemon=True, name="powerlens-watch").start()


def serve(conn: Any) -> None:
    """The worker's entry point: receive one job and its limits, answer it, return."""
    try:
        header = json.loads(conn.recv_bytes())
    except (EOFError, OSError):
        return
    job, memory, seconds = Job(**header["job"]), header["memory"], header["seconds"]
    try:
        data = conn.recv_bytes()
    except (EOFError, OSError):
        shutil.rmtree(job.folder, ignore_errors=True)
        return
    # anything a reader unpacks (an archive's members) stays in the private folder too
    tempfile.tempdir = job.folder
    _watch(conn, job.folder)
    _limit(memory, seconds)
    try:
        done = run(job, data)
    except BaseException as error:  # every failure becomes a refusal, never a traceback
        refused = refusal(error, job, memory)
        message = {
            "ok": False,
            "code": refused.code,
            "status": refused.status,
            "message": refused.message,
            "fix": refused.fix,
            "peak": peak_memory(),
        }
        conn.send_bytes(json.dumps(message).encode("utf-8"))
        return
    header = {"ok": True, "helpers": [d.helper for d in done], "peak": peak_memory()}
    conn.send_bytes(json.dumps(header).encode("utf-8"))
    for item in done:
        conn.send_bytes(item.conversation.encode("utf-8"))
        conn.send_bytes(item.report.encode("utf-8"))
