"""CLI options shared by several commands, declared and checked in one place."""

from __future__ import annotations

from typing import Annotated

import typer

from powerlens.errors import UsageError
from powerlens.readers import budgets

ReplyTo = Annotated[
    str | None,
    typer.Option(help="'previous' treats each utterance as a reply to the one before."),
]
"""``--reply-to previous``: for data without reply links."""


def reply_to_previous(value: str | None) -> bool:
    """True for ``--reply-to previous``, False when absent; anything else is a usage error."""
    if value not in (None, "previous"):
        raise UsageError(f"--reply-to {value!r} is not understood.", fix="use --reply-to previous")
    return value == "previous"


Limits = Annotated[
    list[str] | None,
    typer.Option(
        "--limit",
        metavar="NAME=N",
        help="Raise a reading budget (repeatable): "
        + ", ".join(f"{name} ({what})" for name, (_, _, what) in budgets.LIMITS.items())
        + ". Defaults in docs/formats.md.",
    ),
]
"""``--limit NAME=N``: the reading budgets of ``powerlens.readers.budgets``."""


def reading_budgets(values: list[str] | None) -> budgets.Budgets:
    """The budgets for ``--limit`` options (the defaults when there are none)."""
    return budgets.parse(values or [])


TacticsModel = Annotated[
    str,
    typer.Option(
        "--tactics-model",
        help="Tactic model: 'mentalmanip' (default, CC BY-NC 4.0), 'reament' (MIT) or 'none' "
        "(rules only).",
    ),
]
"""``--tactics-model``: which shipped tactic model scores manipulation."""


def tactics_model(value: str) -> str:
    """The model name if it is shipped (or ``none``); anything else is a usage error."""
    from powerlens.measures.tactics.model import MODELS

    if value != "none" and value not in MODELS:
        raise UsageError(
            f"--tactics-model {value!r} is not a shipped model.",
            fix=f"use one of: {', '.join((*MODELS, 'none'))}",
        )
    return value
