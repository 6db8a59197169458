"""Why the web app refuses a submission: a coded message, a fix and the HTTP status.

The readers' own errors (``[PL1xx]``) pass through unchanged; these codes cover what only the
web app checks, so a page, a script reading the JSON answer and the docs all name the same
code (docs/web.md lists them):

- PL190 the conversation is larger than ``--max-bytes`` (as uploaded, or as text once read);
- PL191 it has more utterances than ``--max-utterances``;
- PL192 there is nothing to analyse (empty form, no utterances, unknown format or helper);
- PL193 the analysis ran past ``--max-seconds``;
- PL194 the analysis ran past ``--max-memory``;
- PL195 the reader or the analysis failed on this input (a fault, not a known problem);
- PL196 memory-only mode has no room in memory for the upload.

Nothing here imports the web framework: the analysis worker raises these too.
"""

from __future__ import annotations

from powerlens.errors import PowerlensError

TOO_LARGE = "PL190"
TOO_MANY = "PL191"
NOTHING = "PL192"
TOO_SLOW = "PL193"
TOO_BIG = "PL194"
FAULT = "PL195"
NO_ROOM = "PL196"


class IntakeError(PowerlensError):
    """A submission that cannot be analysed; ``str`` is the message shown, ``status`` the code."""

    code = NOTHING

    def __init__(
        self, message: str, *, code: str = NOTHING, status: int = 400, fix: str | None = None
    ) -> None:
        super().__init__(message, fix=fix, code=code)
        self.status = status


def megabytes(n: int | float) -> str:
    """Bytes as a short human size."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def too_large(size: int | None, limit: int, what: str = "This conversation") -> IntakeError:
    """The refusal of a conversation over the byte limit."""
    actual = f" is {megabytes(size)};" if size else " is too large;"
    return IntakeError(
        f"{what}{actual} the limit is {megabytes(limit)}.",
        code=TOO_LARGE,
        status=413,
        fix="split it into parts, or start the app with a higher limit: "
        "powerlens serve --max-bytes N",
    )
