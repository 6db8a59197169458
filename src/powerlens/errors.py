"""Errors that tell the user what went wrong, where, and how to fix it.

Every error carries a stable code so scripts can match on it, and a message that names the
file and line where there is one. Input codes by reader:

- PL101-119 shared checks: 101 empty file, 102 binary file, 103 encoding, 104 a file over
  the size limit, 105 format not recognised, 106 no such path, 107 input over the total size
  budget, 108 over the decompressed-size budget, 109 over the row budget, 110-112 plain and
  subtitle timings, 113 an utterance over the character budget (a rejection reason), 114 an
  email header over the character budget (a rejection reason), 115 JSON nested past the
  depth budget, 116 a folder or archive with nothing readable, 117 too many files in a
  folder or archive, 118 an unreadable archive (the budgets: ``powerlens.readers.budgets``);
- PL120-126 interchange; PL130-133 ConvoKit; PL140 corpus partitions; PL150 declaration
  files; PL160-161 email; PL170-173 Slack;
- PL180-189 chat-app exports: 180-181 Telegram, 182-183 Discord, 184-185 Messenger and
  Instagram, 186 Signal, 187 iMessage, 188-189 Google Chat.

PL2xx usage, PL3xx analysis, PL4xx missing extras.
"""

from __future__ import annotations

from pathlib import Path


def shown(value: object, size: int = 60) -> str:
    """``repr(value)`` cut to ``size`` characters: input quoted in a message stays short, so a
    1 MB header or timestamp cannot make the message (or its rendering) huge."""
    text = repr(value)
    return text if len(text) <= size else text[: size - 2] + "…" + text[-1]


class PowerlensError(Exception):
    """Base class of every error powerlens raises on purpose."""

    code = "PL000"

    def __init__(self, message: str, *, fix: str | None = None, code: str | None = None) -> None:
        self.message = message
        self.fix = fix
        if code is not None:
            self.code = code
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class InputError(PowerlensError):
    """A file could not be read as a conversation: names the file, the line and what was expected.
    """

    code = "PL100"

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        fix: str | None = None,
        code: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {message}", fix=fix, code=code)


class UsageError(PowerlensError):
    """The caller asked for something that cannot be done with these arguments."""

    code = "PL200"


class MissingRequirementError(PowerlensError):
    """A measure needs something the conversation lacks (timestamps, reply links, a helper role)."""

    code = "PL300"


class MissingExtraError(PowerlensError):
    """An optional dependency is not installed; the message names the install command."""

    code = "PL400"

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(
            f"{feature} needs an optional dependency that is not installed.",
            fix=f'pip install "powerlens[{extra}]"',
        )
