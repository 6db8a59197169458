"""Resources invoked (Tracking Influence): money, time, social capital, position, expertise."""

from __future__ import annotations

import pytest

from moves_cases import labels

CASES = [
    ("I pay the bills in this house.", "money"),
    ("It's my money, I'll spend it how I like.", "money"),
    ("I earn more than you do.", "money"),
    ("That hotel is way too expensive.", "money"),
    ("We can't afford a new car this year.", "money"),
    ("It costs $40 a night.", "money"),
    ("Think about your salary before you quit.", "money"),
    ("Who do you think pays for your phone?", "money"),
    ("I don't have time for this.", "time"),
    ("I've spent years building this company.", "time"),
    ("After all the time I've put in, this is the thanks?", "time"),
    ("I'm too busy to argue.", "time"),
    ("I need it by Friday.", "time"),
    ("We're running out of time.", "time"),
    ("I gave you the best years of my life.", "time"),
    ("I know people at the council.", "social_capital"),
    ("Everyone agrees with me on this.", "social_capital"),
    ("What will the neighbours think?", "social_capital"),
    ("People will talk if you go.", "social_capital"),
    ("My contacts in the industry say otherwise.", "social_capital"),
    ("I'll put in a good word with the director.", "social_capital"),
    ("All my friends think you're wrong.", "social_capital"),
    ("I'm the manager, remember.", "position"),
    ("I'm your father.", "position"),
    ("I'm in charge of this project.", "position"),
    ("My position doesn't allow me to do that.", "position"),
    ("I'm more senior than her.", "position"),
    ("As your landlord, I can't allow pets.", "position"),
    ("In my experience that never works.", "expertise"),
    ("I'm a qualified electrician.", "expertise"),
    ("I know what I'm doing.", "expertise"),
    ("I've done this for years.", "expertise"),
    ("My training says otherwise.", "expertise"),
    ("I've studied this for a decade.", "expertise"),
    # hard negatives
    ("What did everyone think of the book?", None),
    ("Sorry I missed your call.", None),
    ("The sky is lovely tonight.", None),
    ("Let's meet at the station.", None),
    ("I love my friends.", None),
    ("She said she doesn't have time.", None),
    ("I'm not too busy, go ahead.", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_moves_resources_label(text: str, expected: str | None) -> None:
    found = labels(text, "resource")
    if expected is None:
        assert found == set(), found
    else:
        assert expected in found, found
