"""Bases of power (French & Raven 1959; Raven 1965): positives and hard negatives."""

from __future__ import annotations

import pytest

from moves_cases import labels

CASES = [
    ("I'm a nurse, I know how this goes.", "expert"),
    ("In my experience, these things sort themselves out.", "expert"),
    ("I've done this for twenty years, trust me.", "expert"),
    ("I've been teaching maths for over 15 years.", "expert"),
    ("As a doctor, I can tell you that's not safe.", "expert"),
    ("I know what I'm talking about here.", "expert"),
    ("You know me, I'd never let you down.", "referent"),
    ("As your friend, I'm asking you to reconsider.", "referent"),
    ("We've always been a team, haven't we?", "referent"),
    ("Do it for me, please.", "referent"),
    ("If you really loved me you would stay.", "referent"),
    ("After everything we've been through, you'd do this?", "referent"),
    ("I'm the manager here, so it's my decision.", "legitimate"),
    ("Those are the rules in this family.", "legitimate"),
    ("It's your job to keep the reports up to date.", "legitimate"),
    ("Because I said so.", "legitimate"),
    ("My house, my rules.", "legitimate"),
    ("You owe me after last summer.", "legitimate"),
    ("As your boss I expect better.", "legitimate"),
    ("Hand it in tomorrow or else.", "coercive"),
    ("Keep that up and you can find somewhere else to live.", "coercive"),
    ("I'll make sure HR hears about this.", "coercive"),
    ("If you walk out that door, I'll take the kids.", "coercive"),
    ("You'll regret this.", "coercive"),
    ("One more word and you're grounded.", "coercive"),
    ("This is your last warning.", "coercive"),
    ("I'm going to tell your boss what you did.", "coercive"),
    ("You can forget about your allowance.", "coercive"),
    ("Finish the report by Friday and the bonus is yours.", "reward"),
    ("If you tidy up, we'll get ice cream.", "reward"),
    ("There's a promotion in it for you if this goes well.", "reward"),
    ("I'll buy you the new game if you pass the exam.", "reward"),
    ("The survey results say most customers prefer the blue one.", "informational"),
    ("According to the data, sales dropped in March.", "informational"),
    ("Studies show that kids need nine hours of sleep.", "informational"),
    ("Look at the numbers, we lost money every month.", "informational"),
    ("70% of our customers prefer the app.", "informational"),
    # hard negatives: negated, reported, hypothetical, joking, ordinary talk
    ("I would never threaten you.", None),
    ("She said 'or else' and hung up.", None),
    ('He told me "you\'ll regret this" last year.', None),
    ("I'm not saying you'll regret it.", None),
    ("Imagine if I said you'd be grounded, haha.", None),
    ("I'll kill you if you spoil the ending lol", None),
    ("Or else what? We could just get pizza.", None),
    ("I'm not going to tell your boss anything.", None),
    ("I'll make sure to bring snacks.", None),
    ("Pack your bags, we're going to Spain!", None),
    ("I know how you feel.", None),
    ("Do you want to come for dinner?", None),
    ("We watched a film about a nurse.", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_moves_bases_label(text: str, expected: str | None) -> None:
    found = labels(text, "power_base")
    if expected is None:
        assert not found & {"coercive", "legitimate", "reward", "referent", "expert"}, found
    else:
        assert expected in found, found


def test_moves_bases_hypothetical_threat_is_dropped() -> None:
    assert labels("What if I told you I'd leave you?", "power_base") == set()
