"""Archives of exports: a ``.zip`` (WhatsApp "Export chat", a Slack workspace, a Telegram or
Meta download) or a ``.gz`` of one file, unpacked within the budgets and read as a folder.

Checks before any byte is unpacked: the number of members (``members`` budget, PL117) and
their declared size (``decompressed-mb``, PL108). The declared sizes can lie, so the bytes
actually written are counted as they are unpacked and unpacking stops at the budget. A
member is never written outside the scratch folder: absolute names, ``..`` and symbolic links
are refused, each recorded as a ``Rejection`` naming the member. Encrypted members, media and
hidden files are not unpacked (media and encrypted members recorded, hidden ones counted). An
archive inside an archive is not unpacked (recorded). A corrupt archive is PL118.

The scratch folder is a private (0700) folder made beside the archive, so that an upload held
in a private or memory-only folder stays there; where that folder is not writable, the
system's temporary folder. It is removed when reading ends, whatever happens. The
conversations' sources and every message name the member as ``archive.zip/member``, never the
scratch folder. A conversation read from WhatsApp's iOS ``_chat.txt`` takes the archive's
name as its id (``WhatsApp Chat - Sam``), since every iOS export names its text file the same.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from powerlens.errors import InputError
from powerlens.model import Conversation, Rejection
from powerlens.readers import budgets
from powerlens.readers.folder import MEDIA_SUFFIXES, is_hidden

CHUNK = 1 << 16
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError)


def read(
    path: Path, *, format: str | None = None, encoding: str | None = None
) -> list[Conversation]:
    """Read the conversations in the zip or gzip file ``path``."""
    with path.open("rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    with _scratch(path) as folder:
        try:
            if gzipped:
                conversations = _read_gzip(path, folder, format, encoding)
            else:
                conversations = _read_zip(path, folder, format, encoding)
        except InputError as error:
            raise _renamed(error, folder, path) from None
        return [_shown(c, folder, path) for c in conversations]


@contextlib.contextmanager
def _scratch(path: Path) -> Iterator[Path]:
    try:
        folder = Path(tempfile.mkdtemp(prefix=".powerlens-unpacked-", dir=path.parent))
    except OSError:
        folder = Path(tempfile.mkdtemp(prefix="powerlens-unpacked-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _corrupt(path: Path, what: str) -> InputError:
    return InputError(
        path,
        f"is not a readable archive ({what}).",
        code="PL118",
        fix="check the download is complete, or unzip it and pass the folder.",
    )


def _read_zip(
    path: Path, folder: Path, format: str | None, encoding: str | None
) -> list[Conversation]:
    from powerlens.readers import folder as folders

    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS as error:
        raise _corrupt(path, str(error) or type(error).__name__) from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if budgets.over("members", len(members)):
            raise budgets.refuse(
                path, "members", "the number of files in the archive", len(members), code="PL117"
            )
        declared = sum(info.file_size for info in members)
        if budgets.over("decompressed-mb", declared):
            raise budgets.refuse(
                path, "decompressed-mb", "the archive's unpacked size", declared, code="PL108"
            )
        skipped: list[Rejection] = []
        written = 0
        texts: list[PurePosixPath] = []
        for info in members:
            name = safe_name(info.filename)
            parts = name.parts if name is not None else ()
            if name is None:
                skipped.append(Rejection(None, f"{info.filename!r}: not unpacked (unsafe path)"))
            elif any(is_hidden(part) for part in parts):
                continue
            elif stat.S_ISLNK(info.external_attr >> 16):
                skipped.append(Rejection(None, f"{name}: not unpacked (symbolic link)"))
            elif info.flag_bits & 0x1:
                skipped.append(Rejection(None, f"{name}: not unpacked (encrypted)"))
            elif name.suffix.lower() in MEDIA_SUFFIXES:
                skipped.append(
                    Rejection(None, f"{name}: not read (media or document file in the export)")
                )
            elif (folder / name).exists():
                skipped.append(Rejection(None, f"{name}: not unpacked (name repeated)"))
            else:
                written = _unpack(path, archive, info, folder / name, written)
                texts.append(name)
        if not texts:
            raise InputError(
                path,
                "holds no file that could be a conversation"
                + (f" ({skipped[0].reason})." if skipped else " (it is empty)."),
                code="PL116",
                fix="check this is the export's archive; `powerlens formats` lists what is read.",
            )
    conversations = folders.read(folder, format=format, encoding=encoding, nested_archives=False)
    if len(texts) == 1 and len(conversations) == 1 and texts[0].name == "_chat.txt":
        conversations[0] = dataclasses.replace(conversations[0], id=path.stem)
    if skipped:
        first = conversations[0]
        conversations[0] = dataclasses.replace(first, rejected=(*skipped, *first.rejected))
    return conversations


def safe_name(name: str) -> PurePosixPath | None:
    """A member name as a relative path inside the archive, or None when it could escape."""
    name = name.replace("\\", "/")
    if not name or name.startswith("/") or "\x00" in name or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    too_long = any(len(part.encode("utf-8", "replace")) > 255 for part in parts)
    if not parts or too_long or ".." in parts:
        return None
    return PurePosixPath(*parts)


def _unpack(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, written: int
) -> int:
    """Copy one member to ``target``, counting the bytes against the budget."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with archive.open(info) as source, target.open("wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if budgets.over("decompressed-mb", written):
                    raise budgets.refuse(
                        path, "decompressed-mb", "the archive's unpacked size (counted while "
                        f"unpacking {info.filename})", written, code="PL108",
                    )
                out.write(chunk)
    except _ZIP_ERRORS as error:
        raise _corrupt(path, f"member {info.filename}: {error}") from None
    return written


def _read_gzip(
    path: Path, folder: Path, format: str | None, encoding: str | None
) -> list[Conversation]:
    from powerlens.readers import is_archive, read_any

    name = path.name[:-3] if path.name.lower().endswith(".gz") else f"{path.stem}.txt"
    if path.name.lower().endswith(".tgz"):
        raise _corrupt(path, "tar archives are not read; unpack it and pass the folder")
    target = folder / (safe_name(name) or PurePosixPath("member.txt")).name
    written = 0
    try:
        with gzip.open(path, "rb") as source, target.open("wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if budgets.over("decompressed-mb", written):
                    raise budgets.refuse(
                        path, "decompressed-mb", "the unpacked size", written, code="PL108"
                    )
                out.write(chunk)
    except (gzip.BadGzipFile, zlib.error, EOFError, OSError) as error:
        raise _corrupt(path, str(error) or type(error).__name__) from None
    if is_archive(target):
        raise _corrupt(path, "an archive inside an archive is not unpacked")
    return read_any(target, format=format, encoding=encoding)


def _swap(text: str, folder: Path, path: Path) -> str:
    return text.replace(str(folder), str(path))


def _shown(conversation: Conversation, folder: Path, path: Path) -> Conversation:
    """The conversation with every mention of the scratch folder replaced by the archive."""
    return dataclasses.replace(
        conversation,
        source=_swap(conversation.source, folder, path),
        rejected=tuple(
            Rejection(r.line, _swap(r.reason, folder, path)) for r in conversation.rejected
        ),
    )


def _renamed(error: InputError, folder: Path, path: Path) -> InputError:
    """``error`` naming the archive's member instead of the scratch folder."""
    where = error.path if error.line is None else f"{error.path}:{error.line}"
    message = error.message.removeprefix(f"{where}: ")
    return InputError(
        _swap(error.path, folder, path),
        _swap(message, folder, path),
        line=error.line,
        fix=error.fix,
        code=error.code,
    )


__all__ = ["read", "safe_name"]
