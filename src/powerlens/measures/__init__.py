"""Measure families, one module each, registered here by name.

A family is added by writing its module and one line in ``REGISTRY``; ``analyze`` runs every
registered family whose requirements a conversation meets, unless told which to run.
"""

from __future__ import annotations

from typing import Any

from powerlens.measures.base import Measure, Options, missing_requirements
from powerlens.measures.talk import TALK

REGISTRY: dict[str, Measure[Any]] = {
    TALK.name: TALK,
}

__all__ = ["REGISTRY", "Measure", "Options", "missing_requirements"]
