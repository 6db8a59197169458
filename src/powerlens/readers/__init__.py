"""Readers turn a file or folder into ``Conversation`` objects, one module per format.

``load(path)`` picks the reader by the format named, by file extension, or by sniffing the
content, in that order. A folder is read as its export's own structure when a reader
recognises it (a Slack workspace, a Telegram export, ...), else file by file; a ``.zip`` or
``.gz`` is unpacked within the budgets (``powerlens.readers.budgets``) and read the same way
(``powerlens.readers.archive``, ``powerlens.readers.folder``). Every reader module provides:

- ``FORMATS``: the format names it reads (``("vtt", "srt")``);
- ``EXTENSIONS``: file suffix -> format name (``{".vtt": "vtt"}``);
- ``ABOUT``: format name -> ``About`` (what it reads, what to pass, how it is recognised, an
  example line), shown by ``powerlens formats``;
- ``SNIFF_FIRST`` (optional): suffixes another reader owns (``.csv``) that this reader's
  ``sniff`` is asked about first (DiscordChatExporter's CSV is not interchange CSV);
- ``READS_FOLDERS`` (optional): True when ``read`` accepts a folder named with its format;
- ``sniff(path, head) -> str | None``: the format name if this content is its own
  (``head`` is the file's first 64 KiB as text, or None for a folder);
- ``read(path, *, encoding, format) -> list[Conversation]``.

Whatever the reader, an utterance longer than the ``utterance-chars`` budget is rejected with
that reason before any measure sees it.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from powerlens.errors import InputError, UsageError
from powerlens.model import Conversation, Rejection
from powerlens.readers import budgets
from powerlens.readers.about import About
from powerlens.readers.textfile import WIDE_BOMS, check_bytes, head

READER_MODULES = (
    "subtitles",
    "signal",
    "whatsapp",
    "imessage",
    "telegram",
    "discord",
    "meta",
    "googlechat",
    "interchange",
    "convokit",
    "email",
    "slack",
    "plain",
)
"""Reader modules in sniffing order; ``plain`` is last because it accepts the most."""

BINARY_MAGIC = (b"PAR1", b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b")
"""Starts of binary files a reader handles (Parquet, zip, gzip): not refused as binary."""
MEDIA_MAGIC = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"OggS", "an Ogg audio file (a voice note?)"),
    (b"RIFF", "a RIFF media file (WAV, WebP, AVI)"),
    (b"ID3", "an MP3 audio file"),
    (b"\x1a\x45\xdf\xa3", "a Matroska/WebM video"),
    (b"SQLite format 3", "an SQLite database (export the chat to text first)"),
)
_CONTROL = bytes(range(0, 9)) + bytes(range(14, 27)) + bytes(range(28, 32))


def readers() -> dict[str, ModuleType]:
    """Reader modules by the format names they handle."""
    found: dict[str, ModuleType] = {}
    for module_name in READER_MODULES:
        module = importlib.import_module(f"powerlens.readers.{module_name}")
        for name in module.FORMATS:
            found[name] = module
    return found


def formats() -> list[str]:
    """Names accepted by ``load(..., format=NAME)`` (``--input-format NAME``)."""
    return list(readers())


def about() -> dict[str, About]:
    """What each format is, what to pass, how it is recognised, and an example line."""
    found: dict[str, About] = {}
    for name, module in readers().items():
        found[name] = module.ABOUT[name]
    return found


def reader_for(path: Path, format: str | None = None) -> tuple[ModuleType, str]:
    """The reader module and format name for ``path`` (a file or a folder)."""
    available = readers()
    if format is not None:
        if format not in available:
            raise UsageError(
                f"unknown input format {format!r}.", fix=f"choose from: {', '.join(available)}."
            )
        return available[format], format
    modules = list(dict.fromkeys(available.values()))
    sample = head(path) if path.is_file() else None
    if path.is_file():
        suffix = path.suffix.lower()
        for module in modules:  # an export that reuses a common suffix (.csv) claims it first
            if suffix in getattr(module, "SNIFF_FIRST", ()):
                sniffed = module.sniff(path, sample)
                if sniffed is not None:
                    return module, sniffed
        for module in modules:
            if suffix in module.EXTENSIONS:
                return module, module.EXTENSIONS[suffix]
        _check_start(path)
    for module in modules:
        sniffed = module.sniff(path, sample)
        if sniffed is not None:
            return module, sniffed
    raise InputError(
        path,
        "could not tell which conversation format this is.",
        code="PL105",
        fix=f"name it with --input-format ({', '.join(available)}); `powerlens formats` "
        "shows what each expects.",
    )


def _check_start(path: Path) -> None:
    """Empty (PL101) and binary (PL102) files get their own message before any guessing."""
    with path.open("rb") as handle:
        start = handle.read(8192)
        more = bool(handle.read(1))
    if start.startswith(BINARY_MAGIC) or start.startswith(WIDE_BOMS):
        return
    if more and not start.strip():
        return  # leading blank space; the reader decides
    check_bytes(path, start)
    kind = next((what for magic, what in MEDIA_MAGIC if start.startswith(magic)), None)
    if kind is None and start[4:8] == b"ftyp":
        kind = "an MP4/MOV/HEIC media file"
    controls = sum(start.count(c) for c in _CONTROL)
    if kind is None and controls * 20 > len(start):
        kind = "binary data"
    if kind is not None:
        raise InputError(
            path,
            f"looks like {kind}, not a conversation; expected text.",
            line=1,
            code="PL102",
            fix="pass the chat export itself (`powerlens formats` lists what is read).",
        )


def is_archive(path: Path) -> bool:
    """True for a zip or gzip file (by its first bytes)."""
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        start = handle.read(4)
    return start.startswith(BINARY_MAGIC[1:])


def load(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    context: Sequence[str] = (),
) -> list[Conversation]:
    """Read every conversation in ``path`` (a file, a folder, a .zip or a .gz), tagged with the
    given context labels."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file or folder.", code="PL106")
    conversations = read_any(path, format=format, encoding=encoding)
    conversations = [within_budget(c) for c in conversations]
    if context:
        conversations = [
            dataclasses.replace(c, context=tuple(dict.fromkeys((*c.context, *context))))
            for c in conversations
        ]
    return conversations


def read_any(path: Path, *, format: str | None, encoding: str | None) -> list[Conversation]:
    """Read ``path`` with the reader it needs: archives and folders by their structure."""
    from powerlens.readers import archive, folder

    if is_archive(path) and format not in ("parquet",):
        return archive.read(path, format=format, encoding=encoding)
    if path.is_dir():
        return folder.read(path, format=format, encoding=encoding)
    module, fmt = reader_for(path, format)
    conversations: list[Conversation] = module.read(path, encoding=encoding, format=fmt)
    return conversations


def input_size(path: Path) -> int:
    """Bytes ``path`` holds to be read: a file's size, a zip's declared unpacked size, the
    sum over a folder's files (counting stops past the ``members`` budget). Cheap: nothing is
    read or unpacked."""
    import os
    import zipfile

    if path.is_file():
        if is_archive(path):
            try:
                with zipfile.ZipFile(path) as archive:
                    return sum(info.file_size for info in archive.infolist())
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
                return path.stat().st_size  # a gzip file, or a broken zip the reader reports
        return path.stat().st_size
    total = files = 0
    limit = budgets.current().members
    for folder, _, names in os.walk(path):
        for name in names:
            entry = Path(folder) / name
            if entry.is_symlink() or not entry.is_file():
                continue
            total += entry.stat().st_size
            files += 1
            if files > limit:
                return total
    return total


def check_input(paths: Sequence[str | Path]) -> None:
    """Refuse, before reading anything, inputs whose total is over the ``input-mb`` budget
    (PL107, naming the option that raises it). Missing paths are left to ``load``."""
    total = 0
    for path in map(Path, paths):
        if path.exists():
            total += input_size(path)
    if budgets.over("input-mb", total):
        shown = Path(paths[0]) if len(paths) == 1 else Path(", ".join(map(str, paths[:3])))
        raise budgets.refuse(shown, "input-mb", "the input", total, code="PL107")


def within_budget(conversation: Conversation) -> Conversation:
    """The conversation with utterances over the ``utterance-chars`` budget rejected."""
    limit = budgets.current().utterance_chars
    if all(len(u.text) <= limit for u in conversation.utterances):
        return conversation
    kept = tuple(u for u in conversation.utterances if len(u.text) <= limit)
    extra = [
        Rejection(u.line, budgets.utterance_reason(len(u.text)))
        for u in conversation.utterances
        if len(u.text) > limit
    ]
    rejected = tuple(sorted((*conversation.rejected, *extra), key=lambda r: r.line or 0))
    return dataclasses.replace(conversation, utterances=kept, rejected=rejected)


__all__ = [
    "about",
    "budgets",
    "check_input",
    "formats",
    "input_size",
    "is_archive",
    "load",
    "read_any",
    "reader_for",
    "readers",
]
