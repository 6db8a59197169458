"""The terminal report's language sections: accommodation, politeness and pronoun rates."""

from __future__ import annotations

import powerlens
from helpers import EXAMPLES, conversation
from powerlens.measures import Options

ECHO_TURNS = (
    ("A", "The cat sat."),
    ("B", "The dog sat."),
    ("A", "The bird sat."),
    ("B", "The fish sat."),
    ("A", "The frog sat."),
    ("B", "The hen sat."),
    ("A", "Cats sat."),
    ("B", "Dogs sat."),
    ("C", "The owl sat."),
)
# Each turn replies to the one before. B -> A: 4 exchanges; A's turn shows an article in 3 of
# them and B's reply does each time, against 3 of 4 overall: 1 - 3/4 = +0.25. A -> B: 3
# exchanges, all after an article, A's reply shows one in 2: 2/3 - 2/3 = 0. C -> B: 1 exchange,
# too few for the target threshold of 3.


def _language_row(text: str, speaker: str) -> list[str]:
    """The cells of the speaker's row in the second table (the first is the talk table)."""
    line = [line for line in text.splitlines() if line.startswith(f"│ {speaker} ")][1]
    return [cell.strip() for cell in line.strip("│").split("│")]


def test_terminal_echoes_top_pairs_and_too_few_exchanges() -> None:
    report = powerlens.analyze([conversation(*ECHO_TURNS)], options=Options(reply_to_previous=True))
    text = powerlens.render(report, "terminal")
    assert "Who echoes whose function-word style (replier → person answered" in text
    lines = text.splitlines()
    first = lines.index("  B → A: +0.250 over 4 exchanges")
    assert lines[first + 1] == "  A → B: +0.000 over 3 exchanges"
    assert (
        "  too few exchanges to score (under 3 per pair, or no marker scored): "
        "1 exchange in other pairs"
    ) in lines


def test_terminal_echoes_absent_without_reply_links() -> None:
    text = powerlens.render(powerlens.analyze([conversation(*ECHO_TURNS)]), "terminal")
    assert "Who echoes" not in text
    assert "accommodation (needs reply_to)" in text


def test_terminal_politeness_strategies_and_pronoun_rates() -> None:
    conv = conversation(
        ("A", "Thanks so much, could you send it?"),  # 7 words, "you" once
        ("B", "I did it. I sent it."),  # 6 words, "I" twice
        ("A", "Please send it today."),  # 4 words
    )
    report = powerlens.analyze([conv])
    speakers = report.conversations[0].speakers
    text = powerlens.render(report, "terminal")
    row_a, row_b = _language_row(text, "A"), _language_row(text, "B")
    # A, 2 turns: "Thanks" (gratitude and a positive word) in one, "Please" opening the other;
    # "could you" too, but the first three in strategy order are shown (pronoun strategies are
    # left out). you = 1 of 11 words = 9.1 per 100. B: I = 2 of 6 words = 33.3 per 100.
    strategies = "gratitude 50%, positive words 50%, please (opening) 50%"
    assert row_a[2:] == [strategies, "0.0", "0.0", "9.1"]
    assert row_b[2:] == ["none", "33.3", "0.0", "0.0"]
    assert row_a[1] == f"{speakers['A']['politeness_mean']:.2f}"
    assert row_b[1] == f"{speakers['B']['politeness_mean']:.2f}"
    assert speakers["A"]["politeness_mean"] > speakers["B"]["politeness_mean"]
    assert "I / we / you: per 100 words" in text


def test_terminal_language_sections_on_team_meeting() -> None:
    conversations = powerlens.load(EXAMPLES / "team_meeting.vtt")
    report = powerlens.analyze(conversations, options=Options(reply_to_previous=True))
    text = powerlens.render(report, "terminal")
    martin = _language_row(text, "Martin")
    # Martin: 306 words with 11 I-words, 16 we-words ("we", "let's", ...) and 3 you-words.
    assert martin[-3:] == ["3.6", "5.2", "1.0"]
    assert martin[2].startswith("positive words 40%")
    dyads = report.conversations[0].sections["accommodation"]["dyads"]
    top = max(dyads, key=lambda d: d["aggregate"])
    assert (top["speaker"], top["target"], top["n_exchanges"]) == ("Sam", "Martin", 4)
    assert f"  Sam → Martin: {top['aggregate']:+.3f} over 4 exchanges" in text
    assert "  Martin → Priya: " in text and " over 7 exchanges" in text
    assert "  … and 3 more pairs" in text
