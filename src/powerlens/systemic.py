"""Airing the Privilege: systemic power as the participants declare it, never inferred.

A small TOML declaration file (template: ``powerlens practice privilege --init``) says, for
each person who chooses to declare it, their share of the income, whether they manage the
money, whom they hold a role over (manager, parent, therapist, landlord...), and group
memberships they name as privileged. powerlens computes the declared differential per dyad
and sets it beside the conversational power observed in the transcript, calling out the
framework's conflict-dynamics pattern: the person with more systemic power also dominates
the conversation, and so has less incentive to change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from powerlens.errors import InputError

TEMPLATE = """\
# powerlens declaration file: Airing the Privilege.
# Each person declares only what they choose to; leave out anything you prefer not to say.
# powerlens never infers these positions from the conversation.

[people.Alex]
income_share = 0.7          # share of the household (or team) income, 0 to 1
manages_money = true        # does this person decide how money is spent?
roles = ["parent"]          # roles held in this relationship
authority_over = []         # people this person holds a role over (manager of, parent of, ...)
privileged_groups = []      # group memberships this person names as privileged

[people.Jo]
income_share = 0.3
manages_money = false
roles = []
authority_over = []
privileged_groups = []
"""


@dataclass(frozen=True)
class Declaration:
    """What one person declared about their position."""

    name: str
    income_share: float | None = None
    manages_money: bool | None = None
    roles: tuple[str, ...] = ()
    authority_over: tuple[str, ...] = ()
    privileged_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Differential:
    """Declared systemic power of ``a`` over ``b`` in [-1, 1], with its components."""

    a: str
    b: str
    value: float
    components: dict[str, float] = field(default_factory=dict)


def load_declarations(path: Path) -> dict[str, Declaration]:
    """Read a declaration file; mistakes are reported with the file and what was expected."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(
            path,
            f"is not a valid TOML declaration file: {error}",
            code="PL150",
            fix="start from: powerlens practice privilege --init",
        ) from None
    people = data.get("people")
    if not isinstance(people, dict) or not people:
        raise InputError(
            path,
            "has no [people.NAME] tables.",
            code="PL150",
            fix="start from: powerlens practice privilege --init",
        )
    return {name: _declaration(path, name, fields) for name, fields in people.items()}


def _declaration(path: Path, name: str, fields: Any) -> Declaration:
    if not isinstance(fields, dict):
        raise InputError(path, f"[people.{name}] must be a table.", code="PL150")
    income = fields.get("income_share")
    if income is not None and (not isinstance(income, int | float) or not 0 <= income <= 1):
        raise InputError(
            path, f"people.{name}.income_share must be a number from 0 to 1.", code="PL150"
        )
    money = fields.get("manages_money")
    if money is not None and not isinstance(money, bool):
        raise InputError(path, f"people.{name}.manages_money must be true or false.", code="PL150")

    def strings(key: str) -> tuple[str, ...]:
        value = fields.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(path, f"people.{name}.{key} must be a list of strings.", code="PL150")
        return tuple(value)

    return Declaration(
        name=name,
        income_share=None if income is None else float(income),
        manages_money=money,
        roles=strings("roles"),
        authority_over=strings("authority_over"),
        privileged_groups=strings("privileged_groups"),
    )


def differential(a: Declaration, b: Declaration) -> Differential:
    """Mean of the declared components where both people declared them (positive: a holds more)."""
    parts: dict[str, float] = {}
    if a.income_share is not None and b.income_share is not None:
        parts["income"] = a.income_share - b.income_share
    if a.manages_money is not None and b.manages_money is not None:
        parts["money_management"] = float(a.manages_money) - float(b.manages_money)
    authority = float(b.name in a.authority_over) - float(a.name in b.authority_over)
    if authority or a.authority_over or b.authority_over:
        parts["authority"] = authority
    groups = len(a.privileged_groups) + len(b.privileged_groups)
    if groups:
        parts["privileged_groups"] = (len(a.privileged_groups) - len(b.privileged_groups)) / groups
    value = sum(parts.values()) / len(parts) if parts else 0.0
    return Differential(a.name, b.name, value, parts)


def systemic_section(
    declarations: dict[str, Declaration], speakers: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Declared differential per dyad beside the observed talk power, with the pattern noted."""
    dyads = []
    present = [n for n in declarations if n in speakers]
    for x, y in combinations(present, 2):
        d = differential(declarations[x], declarations[y])
        if d.value < 0:
            d = differential(declarations[y], declarations[x])
        share_gap = float(speakers[d.a].get("word_share", 0.0)) - float(
            speakers[d.b].get("word_share", 0.0)
        )
        pattern = d.value >= 0.2 and share_gap >= 0.1
        dyads.append(
            {
                "more_declared_power": d.a,
                "other": d.b,
                "declared_differential": round(d.value, 4),
                "components": {k: round(v, 4) for k, v in d.components.items()},
                "observed_word_share_gap": round(share_gap, 4),
                "conflict_dynamics_pattern": pattern,
            }
        )
    undeclared = sorted(set(speakers) - set(declarations))
    return {"dyads": dyads, "undeclared_speakers": undeclared}
