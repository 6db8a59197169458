"""A folder of exports: read as its export's own structure, or file by file.

When a reader recognises the folder itself, or a format is named whose reader reads folders
(its module sets ``READS_FOLDERS``), (a Slack workspace export, a ConvoKit corpus, a
Telegram, Meta, Google Chat or signal-export folder, a folder of ``.eml`` files), that reader
reads it. Otherwise every file is read in its own format, and every sub-folder the same way
(a recognised sub-folder as its structure, else its files), down to ``MAX_DEPTH`` levels.

Nothing is dropped silently: a file that is not read (a photo or voice note left in the
export, a file no reader recognises, one that fails to read, a symbolic link, which is never
followed) becomes a ``Rejection`` of the first conversation, its reason naming the file and
why. Hidden files and ``__MACOSX`` folders (operating-system litter) are skipped and counted in
that conversation's ``meta["hidden_files_skipped"]``. A folder with no readable conversation
is an error (PL116) naming the first problems. The ``members`` budget bounds the files looked
at, ``input-mb`` their total size (PL117, PL107).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from powerlens.errors import InputError, PowerlensError
from powerlens.model import Conversation, Rejection
from powerlens.readers import budgets

MAX_DEPTH = 8
MEDIA_SUFFIXES = frozenset(
    {
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".bmp", ".tif", ".tiff",
        ".svg", ".mp4", ".mov", ".m4v", ".3gp", ".avi", ".mkv", ".webm", ".opus", ".ogg",
        ".oga", ".mp3", ".m4a", ".aac", ".wav", ".amr", ".flac", ".caf", ".pdf", ".vcf",
        ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".apk", ".exe", ".tgs", ".html",
        ".htm", ".css", ".js", ".ico",
    }
)
"""Files an export carries beside its messages (media, documents, HTML views): not read."""


def is_hidden(name: str) -> bool:
    """Operating-system litter: dot files and macOS resource-fork folders."""
    return name.startswith(".") or name == "__MACOSX"


def structure(path: Path, format: str | None) -> tuple[ModuleType, str] | None:
    """The reader module and format that read folder ``path`` as one export, if any."""
    from powerlens.readers import readers

    modules = list(dict.fromkeys(readers().values()))
    for module in modules:
        found = module.sniff(path, None)
        if found is not None and (format is None or format in module.FORMATS):
            return module, format or found
    return None


@dataclass
class _Walk:
    """Reading a folder file by file; what was read and what was not."""

    root: Path
    format: str | None
    encoding: str | None
    nested_archives: bool
    conversations: list[Conversation] = field(default_factory=list)
    skipped: list[Rejection] = field(default_factory=list)
    hidden: int = 0
    files: int = 0
    size: int = 0

    def name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def skip(self, path: Path, why: str) -> None:
        self.skipped.append(Rejection(None, f"{self.name(path)}: not read ({why})"))

    def visit(self, folder: Path, depth: int) -> None:
        try:
            entries = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError as error:
            self.skip(folder, f"folder cannot be listed: {error.strerror or error}")
            return
        for entry in entries:
            if is_hidden(entry.name):
                self.hidden += 1
            elif entry.is_symlink():
                self.skip(entry, "symbolic link, not followed")
            elif entry.is_dir():
                self.folder(entry, depth)
            elif entry.is_file():
                self.file(entry)
            else:
                self.skip(entry, "not a regular file")

    def folder(self, entry: Path, depth: int) -> None:
        found = structure(entry, self.format)
        if found is not None:
            module, fmt = found
            self.read(entry, lambda: module.read(entry, encoding=self.encoding, format=fmt))
        elif depth >= MAX_DEPTH:
            self.skip(entry, f"more than {MAX_DEPTH} folders deep")
        else:
            self.visit(entry, depth + 1)

    def file(self, entry: Path) -> None:
        from powerlens.readers import is_archive, reader_for

        self.files += 1
        if budgets.over("members", self.files):
            raise budgets.refuse(
                self.root, "members", "the number of files in this folder", self.files,
                code="PL117",
            )
        if entry.suffix.lower() in MEDIA_SUFFIXES:
            self.skip(entry, "media or document file in the export")
            return
        self.size += entry.stat().st_size
        if budgets.over("input-mb", self.size):
            raise budgets.refuse(
                self.root, "input-mb", "the files of this folder", self.size, code="PL107"
            )
        if is_archive(entry):
            if not self.nested_archives:
                self.skip(entry, "an archive inside an archive is not unpacked")
                return
            from powerlens.readers import archive

            self.read(
                entry, lambda: archive.read(entry, format=self.format, encoding=self.encoding)
            )
            return

        def read_file() -> list[Conversation]:
            module, fmt = reader_for(entry, self.format)
            found: list[Conversation] = module.read(entry, encoding=self.encoding, format=fmt)
            return found

        self.read(entry, read_file)

    def read(self, entry: Path, reading: Callable[[], list[Conversation]]) -> None:
        try:
            self.conversations.extend(reading())
        except PowerlensError as error:
            text = str(error)
            if isinstance(error, InputError) and error.line is not None:
                text = text.replace(f"{error.path}:{error.line}: ", f"line {error.line}: ", 1)
            self.skip(entry, text.replace(f"{entry}/", "").replace(f"{entry}: ", "", 1))


def read(
    path: Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    nested_archives: bool = True,
) -> list[Conversation]:
    """Read the conversations of folder ``path`` (see the module docstring)."""
    found = structure(path, format)
    if found is None and format is not None:
        from powerlens.readers import readers

        named = readers().get(format)
        folders = getattr(named, "READS_FOLDERS", False)
        if named is not None and (folders is True or (folders and format in folders)):
            found = named, format
    if found is not None:
        module, fmt = found
        conversations: list[Conversation] = module.read(path, encoding=encoding, format=fmt)
        return conversations
    walk = _Walk(path, format, encoding, nested_archives)
    walk.visit(path, 0)
    if not walk.conversations:
        problems = "; ".join(r.reason for r in walk.skipped[:3]) or "it holds no files"
        raise InputError(
            path,
            f"no conversation could be read from this folder ({walk.files} files looked at; "
            f"{problems}).",
            code="PL116",
            fix="pass the export file itself, or name its format with --input-format; "
            "`powerlens formats` lists what is read.",
        )
    first = walk.conversations[0]
    meta = dict(first.meta)
    if walk.hidden:
        meta["hidden_files_skipped"] = walk.hidden
    walk.conversations[0] = dataclasses.replace(
        first, rejected=(*walk.skipped, *first.rejected), meta=meta
    )
    return walk.conversations


__all__ = ["MAX_DEPTH", "MEDIA_SUFFIXES", "is_hidden", "read", "structure"]
