"""Measure families, one module each, registered here by name.

A family is added by writing its module and one line in ``REGISTRY``; ``analyze`` runs every
registered family whose requirements a conversation meets, unless told which to run.
"""

from __future__ import annotations

from typing import Any

from powerlens.measures.accommodation import ACCOMMODATION
from powerlens.measures.base import Measure, Options, fold, missing_requirements
from powerlens.measures.deference import DEFERENCE
from powerlens.measures.dyad import DYAD
from powerlens.measures.moves import MOVES
from powerlens.measures.pronoun_status import PRONOUN_STATUS
from powerlens.measures.tactics import TACTICS
from powerlens.measures.talk import TALK

REGISTRY: dict[str, Measure[Any]] = {
    TALK.name: TALK,
    TACTICS.name: TACTICS,
    MOVES.name: MOVES,
    DYAD.name: DYAD,
    ACCOMMODATION.name: ACCOMMODATION,
    PRONOUN_STATUS.name: PRONOUN_STATUS,
    DEFERENCE.name: DEFERENCE,
}

__all__ = ["REGISTRY", "Measure", "Options", "fold", "missing_requirements"]
