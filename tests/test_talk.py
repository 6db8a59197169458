"""The talk measures on hand-computed values."""

from __future__ import annotations

from pathlib import Path

import pytest

import powerlens
from helpers import EXAMPLES, conversation
from powerlens.analysis import analyze_conversation
from powerlens.language import tokenize_conversation
from powerlens.measures import Options
from powerlens.measures.talk import TALK
from powerlens.model import Conversation, Utterance

MEETING = """\
[00:00:00] A: Hello there, shall we start?
[00:00:04] B: Yes. Let's start with the budget --
[00:00:06] A: The budget is fine.
[00:00:08] A: Next item.
[00:00:10] B: ok
"""


def talk_of(conv: Conversation) -> dict:  # type: ignore[type-arg]
    return analyze_conversation(conv, [TALK], Options()).speakers


def test_talk_hand_computed_meeting(write) -> None:  # type: ignore[no-untyped-def]
    [conv] = powerlens.load(write("meeting.txt", MEETING))
    speakers = talk_of(conv)
    a, b = speakers["A"], speakers["B"]
    assert (a["words"], b["words"]) == (11, 7)
    assert a["word_share"] == pytest.approx(11 / 18)
    assert (a["turns"], b["turns"]) == (2, 2)
    assert (a["utterances"], b["utterances"]) == (3, 2)
    assert (a["longest_monologue_words"], b["longest_monologue_words"]) == (6, 6)
    # ends are the next start: A speaks 0-4, 6-8, 8-10; B 4-6 (the last turn has no end)
    assert (a["seconds"], b["seconds"]) == (8.0, 2.0)
    assert a["time_share"] == pytest.approx(0.8)
    assert (a["interruptions_made"], b["interruptions_received"]) == (1, 1)
    assert (a["questions_asked"], b["questions_answered"]) == (1, 1)
    assert (a["opened"], b["closed"], a["last_word"], b["last_word"]) == (1, 1, 1, 0)


def test_talk_overlap_is_an_interruption() -> None:
    conv = Conversation(
        id="c",
        utterances=(
            Utterance("1", "Ann", "I think the plan is", start=0.0, end=5.0),
            Utterance("2", "Ben", "No wait", start=4.0, end=6.0),
            Utterance("3", "Ann", "Go on.", start=6.0, end=7.0),
        ),
    )
    report = analyze_conversation(conv, [TALK], Options())
    assert report.speakers["Ben"]["interruptions_made"] == 1
    assert report.speakers["Ann"]["interruptions_received"] == 1
    [signal] = report.signals
    assert (signal.utterance_id, signal.target, signal.source) == ("2", "Ann", "rule:talk.overlap")
    assert signal.span == (0, len("No wait"))


def test_talk_question_answered_only_by_a_statement() -> None:
    conv = conversation(
        ("A", "Where were you?"), ("B", "Why do you ask?"), ("A", "Just wondering.")
    )
    speakers = talk_of(conv)
    assert speakers["B"]["questions_answered"] == 0
    assert speakers["A"]["questions_answered"] == 1
    assert speakers["B"]["questions_asked"] == 1


def test_talk_reply_links_decide_answers() -> None:
    conv = Conversation(
        id="c",
        utterances=(
            Utterance("q", "A", "Who is coming?"),
            Utterance("x", "C", "Unrelated remark."),
            Utterance("r", "B", "I am.", reply_to="q"),
        ),
    )
    speakers = talk_of(conv)
    assert speakers["B"]["questions_answered"] == 1
    assert speakers["C"]["questions_answered"] == 0


def test_talk_no_timestamps_means_no_time_share() -> None:
    speakers = talk_of(conversation(("A", "one two"), ("B", "three")))
    assert speakers["A"]["seconds"] is None and speakers["A"]["time_share"] is None


def test_talk_combine_adds_counts_and_keeps_longest() -> None:
    one = conversation(("A", "one two three"), ("B", "four"))
    two = conversation(("A", "five"), ("B", "six seven eight nine"))
    partials = [TALK.map(c, tokenize_conversation(c), Options()) for c in (one, two)]
    merged = TALK.finalize(TALK.combine(*partials)).speakers
    assert merged["A"]["words"] == 4 and merged["B"]["words"] == 5
    assert merged["B"]["longest_monologue_words"] == 4
    assert merged["A"]["opened"] == 2 and merged["B"]["closed"] == 2


def test_talk_couple_example_floor() -> None:
    [conv] = powerlens.load(EXAMPLES / "couple_disagreement.txt")
    report = powerlens.analyze([conv], measures=["talk"]).conversations[0]
    assert report.speakers["Alex"]["words"] == 92
    assert report.speakers["Jo"]["questions_asked"] == 3
    assert report.sections["talk"]["last_word"]["speaker"] == "Alex"
    assert report.conversation.read_count == 14 and len(report.conversation.rejected) == 1


def test_talk_examples_exist() -> None:
    assert Path(EXAMPLES / "couple_disagreement.txt").is_file()


def test_tokenize_matches_the_word_pattern_on_awkward_text() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from powerlens.language.tokenize import WORD, tokenize

    assert tokenize("Don’t you dare—ever! e-mail a_b@c.com, 10,000 'quoted'") == [
        "don't", "you", "dare", "ever", "e", "mail", "a", "b", "c", "com", "10", "000", "quoted",
    ]

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=60))
    def same(text: str) -> None:
        assert tokenize(text) == WORD.findall(text.lower().replace("’", "'"))

    same()


def test_fold_equals_sequential_combine() -> None:
    from powerlens.measures import fold

    convs = [conversation((f"S{i % 3}", "a b c " * (i + 1)), (f"S{(i + 1) % 3}", "d?")) for i in range(11)]
    partials = [TALK.map(c, tokenize_conversation(c), Options()) for c in convs]
    sequential = partials[0]
    for p in partials[1:]:
        sequential = TALK.combine(sequential, p)
    folded = fold(TALK, iter(partials))
    assert folded is not None
    assert TALK.finalize(folded).speakers == TALK.finalize(sequential).speakers
    assert fold(TALK, iter([])) is None
