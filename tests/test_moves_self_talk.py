"""Self-talk: self-critical statements and appeasement (signals to explore, not diagnoses)."""

from __future__ import annotations

import pytest

from helpers import conversation
from moves_cases import labels
from powerlens.measures.base import Options
from powerlens.measures.moves import MOVES

CASES = [
    ("I'm useless at this.", "self_critical"),
    ("It's always my fault.", "self_critical"),
    ("I always mess things up.", "self_critical"),
    ("I can't do anything right.", "self_critical"),
    ("What's wrong with me?", "self_critical"),
    ("I'm such an idiot.", "self_critical"),
    ("I'm a failure.", "self_critical"),
    ("I ruin everything.", "self_critical"),
    ("I'm not good enough for this job.", "self_critical"),
    ("I hate myself for saying that.", "self_critical"),
    ("I don't deserve you.", "self_critical"),
    ("It was all my fault, not yours.", "self_critical"),
    ("I'm so stupid.", "self_critical"),
    ("Why am I like this?", "self_critical"),
    ("I'm a burden to everyone.", "self_critical"),
    ("Everyone would be better off without me.", "self_critical"),
    ("I always let you down.", "self_critical"),
    ("I'm hopeless with money.", "self_critical"),
    ("I'm the problem here.", "self_critical"),
    ("I should have known better.", "self_critical"),
    ("I'll do whatever you want.", "appeasement"),
    ("Please don't be angry.", "appeasement"),
    ("I didn't mean to upset you.", "appeasement"),
    ("It won't happen again, I promise.", "appeasement"),
    ("Sorry, sorry, I'll fix it.", "appeasement"),
    ("Sorry for being such a pain.", "appeasement"),
    ("Sorry to bother you again.", "appeasement"),
    ("You're right, as always.", "appeasement"),
    ("Whatever you think is best.", "appeasement"),
    ("I shouldn't have said anything.", "appeasement"),
    ("I'll try harder next time.", "appeasement"),
    ("Sorry if I'm being annoying.", "appeasement"),
    ("Forget I said anything.", "appeasement"),
    # hard negatives
    ("I'm so stupid lol, I left my keys at home", None),
    ("She said she's useless at maths.", None),
    ("You're not useless.", None),
    ("I'm not a failure just because I failed one test.", None),
    ("Sorry to hear about your dad.", None),
    ("Sorry I'm late!", None),
    ("I'm terrible at mini golf haha", None),
    ("If I said I was useless, would you believe me?", None),
    ("Thanks, that was helpful.", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_moves_self_talk_label(text: str, expected: str | None) -> None:
    found = labels(text, "self_talk")
    if expected is None:
        assert found == set(), found
    else:
        assert expected in found, found


def test_moves_self_talk_repeated_apology_across_turns() -> None:
    conv = conversation(
        ("Lee", "Sorry, I forgot the milk."),
        ("Max", "It's fine."),
        ("Lee", "Sorry, I know you needed it."),
        ("Max", "Really, it's fine."),
        ("Lee", "I'm sorry, I'll go now."),
    )
    result = MOVES.finalize(MOVES.map(conv, [], Options()))
    over = [s for s in result.signals if s.source == "rule:self_talk.repeated_apology"]
    assert [(s.utterance_id, s.label, s.subtype, s.span) for s in over] == [
        ("u4", "appeasement", "over_apology", (4, 9))
    ]
