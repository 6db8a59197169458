"""Taking in a pasted or uploaded conversation: limits, a short-lived temp file, ``load``.

The request body is counted as it streams and parsed in memory (never spooled to disk);
the upload is written to a temp file with its original extension (readers choose by
extension or content), read with ``powerlens.load`` and removed at once. In memory-only
mode that file goes to ``/dev/shm`` (RAM) where the system has it. Reader errors keep
their message, with the temp path replaced by the name the user knows.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import shutil
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request

from powerlens.errors import PowerlensError
from powerlens.model import Conversation
from powerlens.readers import formats, load

FORM_OVERHEAD = 64 * 1024
"""Bytes allowed in a request beyond the conversation itself (the other form fields)."""


class IntakeError(Exception):
    """An upload that cannot be analysed; ``str`` is the message shown, ``status`` the code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def megabytes(n: int) -> str:
    """Bytes as a short human size."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def too_large(size: int | None, limit: int) -> IntakeError:
    """The message for a conversation over the byte limit."""
    actual = f" is {megabytes(size)};" if size else " is too large;"
    return IntakeError(
        f"This conversation{actual} the limit is {megabytes(limit)}. Split it into parts, "
        "or start the app with a higher limit: powerlens serve --max-bytes N",
        status=413,
    )


async def _limited(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in stream:
        total += len(chunk)
        if total > limit:
            raise too_large(None, limit - FORM_OVERHEAD)
        yield chunk


async def read_form(request: Request, max_bytes: int) -> FormData:
    """The request's form, parsed in memory, refusing bodies over ``max_bytes`` plus fields."""
    limit = max_bytes + FORM_OVERHEAD
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(int(declared), max_bytes)
    content_type = request.headers.get("content-type", "")
    stream = _limited(request.stream(), limit)
    try:
        if content_type.startswith("multipart/form-data"):

            class InMemory(MultiPartParser):
                spool_max_size = limit

            return await InMemory(
                request.headers, stream, max_files=1, max_fields=16, max_part_size=limit
            ).parse()
        if content_type.startswith("application/x-www-form-urlencoded"):
            return await FormParser(
                request.headers, stream, max_fields=16, max_part_size=limit
            ).parse()
    except MultiPartException as error:
        raise IntakeError(f"The form could not be read: {error.message}") from None
    raise IntakeError("Send the conversation as a form (paste or upload).", status=415)


@dataclasses.dataclass(frozen=True)
class Submission:
    """The conversation's bytes and the name to show for it."""

    data: bytes
    name: str


async def submission(form: FormData, max_bytes: int) -> Submission:
    """The uploaded file if one was given, else the pasted text."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise too_large(upload.size, max_bytes)
        return Submission(data, upload.filename)
    text = form.get("text")
    if isinstance(text, str) and text.strip():
        data = text.replace("\r\n", "\n").encode("utf-8")
        if len(data) > max_bytes:
            raise too_large(len(data), max_bytes)
        return Submission(data, "pasted.txt")
    raise IntakeError("Paste a conversation or choose a file to upload.")


def safe_name(name: str) -> str:
    """The base name of an upload, with anything unusual replaced, keeping its extension."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w\- ]+", "_", stem).strip()[:80] or "conversation"
    suffix = re.sub(r"[^\w]+", "", suffix)[:10]
    return f"{stem}.{suffix}" if suffix else stem


def _scratch_dir(memory_only: bool) -> str | None:
    shm = Path("/dev/shm")
    if memory_only and shm.is_dir() and shutil.disk_usage(shm).free > 64 * 1024 * 1024:
        return str(shm)
    return None


def read_conversations(
    item: Submission,
    *,
    input_format: str | None,
    context: str,
    max_utterances: int,
    memory_only: bool,
) -> list[Conversation]:
    """Read the submission with ``powerlens.load``; errors name the upload, never a temp path."""
    if input_format is not None and input_format not in formats():
        raise IntakeError(f"Unknown format {input_format!r}; choose from {', '.join(formats())}.")
    shown = safe_name(item.name)
    folder = tempfile.mkdtemp(prefix="powerlens-", dir=_scratch_dir(memory_only))
    path = Path(folder) / shown
    try:
        path.write_bytes(item.data)
        conversations = load(
            path, format=input_format, context=(context,) if context else ()
        )
    except PowerlensError as error:
        raise IntakeError(str(error).replace(str(path), shown).replace(folder, "")) from None
    finally:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            Path(folder).rmdir()
    total = sum(len(c.utterances) for c in conversations)
    if not conversations or total == 0:
        raise IntakeError(
            f"{shown}: no utterances were found. Each turn should look like 'Name: what they "
            "said', or choose the format from the list."
        )
    if total > max_utterances:
        raise IntakeError(
            f"{shown} has {total} utterances; the limit is {max_utterances}. Split it into "
            "parts, or start the app with: powerlens serve --max-utterances N",
            status=413,
        )
    return [dataclasses.replace(c, source=shown) for c in conversations]
