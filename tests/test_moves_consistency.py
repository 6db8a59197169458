"""No finding contradicts the turns it rests on (issue 14).

Over every conversation the project holds (the challenge suite's, the everyday and benign sets,
the examples): a proposal read as "ignored" is not followed by the other person's acceptance,
and a refusal read as "respected" is not answered with a control act, a command or a threat.
This checks the reading against itself, turn by turn; it uses no labels.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES
from powerlens.model import Conversation
from powerlens.readers import load

ROOT = Path(__file__).resolve().parent
FILES = [
    *sorted((ROOT / "data" / "challenge" / "conversations").glob("*")),
    *sorted((ROOT / "data" / "everyday").glob("*.txt")),
    *sorted((ROOT / "data" / "benign").glob("*.txt")),
    *sorted((ROOT.parent / "examples").glob("*.*")),
]
PRESSING = {"power_over", "coercive", "threat"}


def _conversations() -> list[Conversation]:
    found: list[Conversation] = []
    for path in FILES:
        if path.suffix != ".zip":
            found.extend(load(path))
    return found


@pytest.mark.parametrize("conversation", _conversations(), ids=lambda c: c.id)
def test_moves_consistency_outcomes_agree_with_the_next_turns(conversation: Conversation) -> None:
    result = MOVES.finalize(MOVES.map(conversation, [], Options()))
    where = {u.id: i for i, u in enumerate(conversation.utterances)}
    labels: dict[str, set[tuple[str, str]]] = {}
    for s in result.signals:
        labels.setdefault(s.utterance_id, set()).add((s.family, s.label))
    for proposal in result.sections["proposals"]:
        if proposal["outcome"] != "ignored":
            continue
        i = where[proposal["utterance_id"]]
        replies = [u for u in conversation.utterances[i + 1 : i + 3] if u.speaker != proposal["by"]]
        if replies:
            assert ("act", "acceptance") not in labels.get(replies[0].id, set()), proposal
    for boundary in result.sections["boundaries"]:
        if boundary["response"] != "respected":
            continue
        for reply in boundary["response_utterances"]:
            assert not {label for _, label in labels.get(reply, set())} & PRESSING, boundary
