"""How utterances become the turns, units and exchanges that coordination counts.

"Echoes of power" (Danescu-Niculescu-Mizil, Lee, Pang & Kleinberg, WWW 2012) counts
exchanges between turns; ConvoKit's ``Coordination`` leaves the preparation to the corpus
(reply links as given, one unit per speaker) and offers ``split_by_attribs`` to treat one
speaker as several units, "e.g. in supreme court transcripts, you may want to treat the same
lawyer as a different person across different cases". ``Turns`` names each of those choices:

- ``unit``: ``speaker`` (ConvoKit's default), ``speaker-per-conversation`` (one unit per
  speaker and conversation), or a metadata field, ``meta.<field>`` (an utterance's, bare
  names too) or ``speaker.<field>``: one unit per speaker and value of that field
  (``split_by_attribs``). A unit is named ``speaker + UNIT_SEP + value``; an utterance
  without the field counts under its speaker. Units belong to their speaker's group.
- ``merge``: consecutive utterances of one speaker in a conversation are one turn (their
  texts joined by a space; the turn keeps the first utterance's id and reply link). An
  utterance does not continue the turn before when it replies to something else or starts a
  chain (below).
- ``boundaries``: utterance metadata fields; an utterance where one of them is ``true``
  starts a new reply chain: it replies to nothing (its reply link is dropped, and with
  ``reply_to_previous`` it is not a reply to the turn before) and is never merged into the
  turn before. A conversation's first turn replies to nothing by construction.

Replies to oneself are never exchanges, whatever the units (the speaker is compared).
The default ``Turns()`` changes nothing.

Known limits: a merged turn is tagged as its joined text, so evidence spans are mapped back
to the utterance holding them; a unit field that varies inside a merged turn takes the first
utterance's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from powerlens.errors import UsageError

UNIT_SEP = "\x1e"
"""Separates a speaker from the value that splits it into units."""
SPEAKER = "speaker"
PER_CONVERSATION = "speaker-per-conversation"


@dataclass(frozen=True)
class Turns:
    """The turn, unit and chain choices of a coordination count (see the module)."""

    unit: str = SPEAKER
    merge: bool = False
    boundaries: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.unit or self.unit in ("meta.", "speaker."):
            raise UsageError(
                f"--unit {self.unit!r} names no field.",
                fix=f"use {SPEAKER}, {PER_CONVERSATION}, meta.<field> or speaker.<field>",
            )
        for name in self.boundaries:
            if not _field(name):
                raise UsageError(f"--boundary {name!r} names no field.", fix="use meta.<field>")

    @property
    def rows(self) -> bool:
        """Whether counting needs more than ids, speakers, texts and reply links per row."""
        return self.unit != SPEAKER or bool(self.boundaries)

    @property
    def default(self) -> bool:
        """Whether these are ConvoKit's choices (nothing changed)."""
        return not self.rows and not self.merge

    def describe(self) -> dict[str, Any]:
        """The choices as plain JSON values."""
        return {"unit": self.unit, "merge_turns": self.merge, "boundaries": list(self.boundaries)}

    def unit_value(
        self,
        utterance_meta: Mapping[str, Any] | None,
        speaker_meta: Mapping[str, Any] | None,
        conversation_id: str,
    ) -> str | None:
        """The value that splits this utterance's speaker into a unit (None: the speaker)."""
        if self.unit == SPEAKER:
            return None
        if self.unit == PER_CONVERSATION:
            return conversation_id
        if self.unit.startswith("speaker."):
            value = (speaker_meta or {}).get(self.unit[8:])
        else:
            value = (utterance_meta or {}).get(_field(self.unit))
        return None if value is None or value == "" else _label(value)

    def starts_chain(self, utterance_meta: Mapping[str, Any] | None) -> bool:
        """Whether a boundary field of this utterance is true."""
        if not utterance_meta:
            return False
        return any(utterance_meta.get(_field(name)) is True for name in self.boundaries)


NO_TURNS = Turns()
"""ConvoKit's choices: utterances as they are, one unit per speaker."""


def _field(name: str) -> str:
    return name[5:] if name.startswith("meta.") else name


def _label(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def speaker_of(unit: str) -> str:
    """The speaker a unit belongs to."""
    return unit.partition(UNIT_SEP)[0]


def from_options(extra: Mapping[str, Any]) -> Turns:
    """The ``Turns`` stored in a corpus run's options (``extra["coordination"]``)."""
    spec = extra.get("coordination") or {}
    return Turns(
        unit=str(spec.get("unit", SPEAKER)),
        merge=bool(spec.get("merge_turns", False)),
        boundaries=tuple(spec.get("boundaries", ())),
    )
