"""Taking in a form: the request body counted as it streams and parsed in memory.

The body is never spooled to disk; a body over the limit is refused (PL190) before it is
read whole. What the form holds is handed to the analysis worker (``worker``), which reads
it in a private folder of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request

from powerlens.web.refusal import NOTHING, IntakeError, too_large

FORM_OVERHEAD = 64 * 1024
"""Bytes allowed in a request beyond the conversation itself (the other form fields)."""


async def _limited(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in stream:
        total += len(chunk)
        if total > limit:
            raise too_large(None, limit - FORM_OVERHEAD)
        yield chunk


async def read_form(
    request: Request, max_bytes: int, *, max_fields: int = 16, max_files: int = 1
) -> FormData:
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
                request.headers, stream, max_files=max_files, max_fields=max_fields,
                max_part_size=limit,
            ).parse()
        if content_type.startswith("application/x-www-form-urlencoded"):
            return await FormParser(
                request.headers, stream, max_fields=max_fields, max_part_size=limit
            ).parse()
    except MultiPartException as error:
        raise IntakeError(f"The form could not be read: {error.message}") from None
    raise IntakeError(
        "Send the conversation as a form (paste or upload).", code=NOTHING, status=415
    )


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
    raise IntakeError("Paste a conversation or choose a file to upload.", code=NOTHING)
