"""What a reader says about each format it reads, for ``powerlens formats`` and the docs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class About:
    """One format as a user meets it.

    ``reads``: what it is (the app or tool that writes it); ``expects``: the file or folder
    to pass; ``recognised``: how powerlens tells it apart without ``--input-format``;
    ``example``: one line (or the start of one record) as the export writes it.
    """

    reads: str
    expects: str
    recognised: str
    example: str


__all__ = ["About"]
