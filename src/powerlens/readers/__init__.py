"""Readers turn a file or folder into ``Conversation`` objects, one module per format.

``load(path)`` picks the reader by the format named, by file extension, or by sniffing the
content, in that order. Every reader module provides:

- ``FORMATS``: the format names it reads (``("vtt", "srt")``);
- ``EXTENSIONS``: file suffix -> format name (``{".vtt": "vtt"}``);
- ``sniff(path, head) -> str | None``: the format name if this content is its own
  (``head`` is the file's first 64 KiB as text, or None for a folder);
- ``read(path, *, encoding, format) -> list[Conversation]``.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from powerlens.errors import InputError, UsageError
from powerlens.model import Conversation
from powerlens.readers.textfile import head

READER_MODULES = (
    "subtitles",
    "whatsapp",
    "interchange",
    "convokit",
    "email",
    "slack",
    "plain",
)
"""Reader modules in sniffing order; ``plain`` is last because it accepts the most."""


def readers() -> dict[str, ModuleType]:
    """Reader modules by the format names they handle."""
    found: dict[str, ModuleType] = {}
    for module_name in READER_MODULES:
        module = importlib.import_module(f"powerlens.readers.{module_name}")
        for name in module.FORMATS:
            found[name] = module
    return found


def formats() -> list[str]:
    """Names accepted by ``load(..., format=NAME)``."""
    return list(readers())


def reader_for(path: Path, format: str | None = None) -> tuple[ModuleType, str]:
    """The reader module and format name for ``path``."""
    available = readers()
    if format is not None:
        if format not in available:
            raise UsageError(
                f"unknown format {format!r}.", fix=f"choose from: {', '.join(available)}"
            )
        return available[format], format
    modules = list(dict.fromkeys(available.values()))
    if path.is_file():
        suffix = path.suffix.lower()
        for module in modules:
            if suffix in module.EXTENSIONS:
                return module, module.EXTENSIONS[suffix]
    sample = head(path) if path.is_file() else None
    for module in modules:
        sniffed = module.sniff(path, sample)
        if sniffed is not None:
            return module, sniffed
    raise InputError(
        path,
        "could not tell which conversation format this is.",
        code="PL105",
        fix=f"name it with --format ({', '.join(available)}).",
    )


def load(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    context: Sequence[str] = (),
) -> list[Conversation]:
    """Read every conversation in ``path``, tagged with the given context labels."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file or folder.", code="PL106")
    module, fmt = reader_for(path, format)
    conversations: list[Conversation] = module.read(path, encoding=encoding, format=fmt)
    if context:
        conversations = [
            dataclasses.replace(c, context=tuple(dict.fromkeys((*c.context, *context))))
            for c in conversations
        ]
    return conversations


__all__ = ["formats", "load", "reader_for", "readers"]
