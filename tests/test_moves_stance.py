"""Stance (Power Over / With / To) and control-act subtypes, with hard negatives.

A power-over signal names the control act it is (monitoring, isolation, economic control,
intimidation, deciding for another, degradation, regulating everyday life); a command or
prohibition that is none of these is ``command`` or ``prohibition``.
"""

from __future__ import annotations

import pytest

from moves_cases import labels, subtypes

OVER = [
    ("Give me your phone.", "monitoring"),
    ("Go to your room.", "command"),
    ("Shut up and listen.", "degradation"),
    ("Sit down. Now.", "command"),
    ("You will apologise to your sister.", "command"),
    ("I need you to send the figures by five.", "command"),
    ("You have to be home by ten.", "regulating_everyday_life"),
    ("Do as I say.", "command"),
    ("Clean your room right now.", "command"),
    ("Can you just shut up?", "degradation"),
    ("You're not allowed to go to that party.", "isolation"),
    ("Don't you dare talk to me like that.", "prohibition"),
    ("You can't see him again.", "isolation"),
    ("I won't let you quit.", "prohibition"),
    ("Text me every time you leave the house.", "monitoring"),
    ("Let me see your messages.", "monitoring"),
    ("Who were you texting?", "monitoring"),
    ("I want to know where you are at all times.", "monitoring"),
    ("Share your location with me.", "monitoring"),
    ("I don't want you seeing your friends anymore.", "isolation"),
    ("Your sister is a bad influence.", "isolation"),
    ("Stay away from your family.", "isolation"),
    ("It's them or me.", "isolation"),
    ("Give me your bank card.", "economic_control"),
    ("You need my permission to buy anything.", "economic_control"),
    ("Show me every receipt.", "economic_control"),
    ("I'll keep your salary, you'd only waste it.", "economic_control"),
    ("I've already signed you up for the course.", "deciding_for_another"),
    ("You're going whether you like it or not.", "deciding_for_another"),
    ("End of discussion.", "deciding_for_another"),
    ("Nobody asked you.", "degradation"),
    ("That's a stupid idea.", "degradation"),
    ("You're overreacting.", "degradation"),
    # issue 14, round 4: written for these rules from the Duluth wheel, Stark (2007) and the
    # Home Office statutory guidance (not from any challenge test half)
    ("I need you to stop going round to your brother's.", "isolation"),
    ("Your cousins are not coming here again.", "isolation"),
    ("Isn't being with me enough for you?", "isolation"),
    ("i want u to tell them ur not coming to the christening", "deciding_for_another"),
    ("You can go on the course if I decide you can.", "deciding_for_another"),
    ("A good husband would be home by six.", "regulating_everyday_life"),
    ("Put it down. You've had your sugar for today.", "regulating_everyday_life"),
    ("I expect you up at seven on Saturdays.", "regulating_everyday_life"),
    ("wipe that eyeliner off before ur dad sees", "regulating_everyday_life"),
    ("Stop being such a crybaby about it.", "degradation"),
    ("Who would ever hire someone like you?", "degradation"),
    ("if you know what's good for you, you'll drop it", "intimidation"),
    ("I know where your sister lives.", "intimidation"),
    ("one call from me and ur visa is gone", "intimidation"),
    ("how would u like it if i showed everyone ur messages", "intimidation"),
    ("do you want me to tell your boss about your little problem?", "intimidation"),
    ("ur lucky i didnt hit u last night", "intimidation"),
    ("I've put your name down for the night shift.", "deciding_for_another"),
    ("I turned down the offer for you, it wasn't right.", "deciding_for_another"),
    ("It's not your decision to make.", "deciding_for_another"),
    ("i'll make the decisions in this house", "deciding_for_another"),
    ("You'll do the course I pick.", "deciding_for_another"),
    ("I want you to resign on Monday.", "economic_control"),
    ("You can shower when I say.", "regulating_everyday_life"),
    ("ur in bed by ten from now on", "regulating_everyday_life"),
    ("Change your top, it's too low.", "regulating_everyday_life"),
    ("Honestly, what use are you?", "degradation"),
    ("Don't bother, you'll only mess it up like everything else.", "degradation"),
    ("you should be grateful anyone puts up with you", "degradation"),
    ("You should spend less time with your family and more with me.", "isolation"),
    ("I want you to unfriend all your exes.", "isolation"),
    ("Your family doesn't care about you like I do.", "isolation"),
    ("so ur choosing ur mates over me again", "isolation"),
    ("Can't you just stay in with me instead of seeing your mates?", "isolation"),
    ("i dont want ur brother round here anymore", "isolation"),
    ("Your mum is not to come to the house.", "isolation"),
    ("You'll wear what I've laid out for you.", "regulating_everyday_life"),
    ("I don't want to see you in that skirt again.", "regulating_everyday_life"),
    ("who said u could put the heating on?", "regulating_everyday_life"),
    ("You've had enough to eat today.", "regulating_everyday_life"),
    ("Go and wash that muck off your face.", "regulating_everyday_life"),
    ("you only go to the gym when i say", "regulating_everyday_life"),
    ("A wife doesn't go out drinking on a weeknight.", "regulating_everyday_life"),
    ("I decide what time you go to bed.", "regulating_everyday_life"),
    ("Your hair stays long. I like it that way.", "regulating_everyday_life"),
    ("You'll sleep on the sofa until you learn.", "intimidation"),
    ("ur mum must be so disappointed in u", "degradation"),
    ("Is that really the best you can do? Pathetic.", "degradation"),
    ("You were always the stupid one in your family.", "degradation"),
    ("Don't cry, it makes you look even uglier.", "degradation"),
    ("Stop crying or I'll give you something to cry about.", "intimidation"),
    ("Drop the charges. You know what happens otherwise.", "intimidation"),
    ("the dog wont be around much longer if u keep this up", "intimidation"),
    ("I've got a knife in the kitchen, remember that.", "intimidation"),
    ("Think about the kids before you do anything stupid.", "intimidation"),
    ("push me one more time and see", "intimidation"),
    ("u think im joking? try me", "intimidation"),
    ("I know when you're alone.", "intimidation"),
    ("i swear if u walk out that door", "intimidation"),
    ("I'll call social services and tell them you're an unfit mother.", "intimidation"),
    ("who'd want u anyway", "degradation"),
    ("cant do anything right can u", "degradation"),
    ("no wonder ur single", "degradation"),
    ("god ur annoying", "degradation"),
    ("whatever, ur too emotional to understand", "degradation"),
    ("You'd be nothing without me.", "degradation"),
    ("You disgust me.", "degradation"),
    ("sure, because your opinion matters so much", "degradation"),
    ("We're not having another baby. I've decided.", "deciding_for_another"),
    ("You'll do what I've arranged.", "deciding_for_another"),
    ("Your opinion doesn't come into it.", "deciding_for_another"),
    ("I rang the school and said you won't be doing the trip.", "deciding_for_another"),
    ("Who decided you could take on extra shifts?", "deciding_for_another"),
    ("i'll be the one deciding where we live", "deciding_for_another"),
    ("It's happening whether you like it or not.", "deciding_for_another"),
]

WITH = [
    "Let's figure it out together.",
    "What do you think we should do?",
    "Nice, and we could add a trial week to your idea.",
    "How about we split the driving?",
    "Would you like to join us on Saturday?",
    "It's up to you.",
    "Good point, and what if we asked Sam too?",
    "Any thoughts on the budget?",
    "What would you prefer?",
    "Why don't we take turns?",
]

TO = [
    "I've signed up for the evening class.",
    "I decided to go back to university.",
    "I'm going to apply for the job.",
    "I can handle this myself.",
    "It's my life.",
    "I'll decide for myself.",
    "I've applied for the manager role.",
    "I've started my own business.",
]

NOT_OVER = [
    "Could you pass the salt?",
    "Would you mind closing the window?",
    "Can you send me the link when you get a sec?",
    "Will you clean the kitchen later?",
    "You have to try the tiramisu!",
    "You have to come and see the garden.",
    "You must be exhausted.",
    "She told me 'go to your room' like I was ten.",
    "I would never tell you who you can see.",
    "Shut up, that's hilarious lol",
    "I'm not saying you're not allowed to go.",
    "Don't forget the bread.",
    "If I said give me your phone, would you?",
    "Your call was cut off.",
    "You need to relax, it's the weekend.",
    "send me a pic of the view when u get there!!",
    "you should totally see Priya, she misses you",
    "I don't want you to miss your train",
    "Grab some milk on the way home?",
    "If you're cold, take my jacket.",
    "I'll take your coat.",
    "Pack your bags, we're going to Spain!",
    "I'd hate for anything to happen to the cake before the party.",
    "how would u like it if i made lasagne tonight",
    "do you want me to tell your boss you'll be late?",
    "Take that dress off the hanger, it'll look great with the boots.",
    "I know people who'd love your art.",
    "I've put your name down for the raffle, hope that's ok!",
    "Change your top if you're cold, there's a hoodie in the car.",
    "It's your decision to make, I'll back you either way.",
    "ur friends are lovely, they really care about u",
    "I spend less time with them since the move.",
    "You'll love what I've laid out for the picnic.",
    "Go and wash the paint off your hands before tea, love.",
    "Is that really the best price they could do? Pathetic.",
    "Imagine being as lucky as you!",
    "I'll make you a cup of tea.",
    "I kicked the ball so hard last time. Want to see what I do this time?",
    "Keep your voice down, the baby's asleep.",
    "ur lucky i even got tickets, they sold out in minutes",
    "Look at you, you look amazing!",
    "no wonder ur tired, u worked all weekend",
    "We're not having another coffee, I've decided, we'll never sleep!",
    "You'll do brilliantly, whatever you decide.",
    "nobody bakes like you, save me a slice",
]


@pytest.mark.parametrize(("text", "subtype"), OVER)
def test_moves_stance_power_over_subtype(text: str, subtype: str) -> None:
    assert subtype in subtypes(text, "stance", "power_over")


@pytest.mark.parametrize("text", WITH)
def test_moves_stance_power_with(text: str) -> None:
    found = labels(text, "stance")
    assert "power_with" in found and "power_over" not in found


@pytest.mark.parametrize("text", TO)
def test_moves_stance_power_to(text: str) -> None:
    assert labels(text, "stance") == {"power_to"}


@pytest.mark.parametrize("text", NOT_OVER)
def test_moves_stance_hard_negative_is_not_power_over(text: str) -> None:
    assert "power_over" not in labels(text, "stance")


@pytest.mark.parametrize(
    "text",
    [
        "I need you to stop by your mum's for the cake.",
        "I need you to grab a coffee.",
        "I want you to enjoy the course you pick.",
        "I want you to leave your phone on the desk so it charges.",
        "Don't ring your dad tonight, he's at the match with no signal. Text him instead.",
        "I want you to send your payslip to HR, or they'll underpay you again.",
        "want u to check in on grandad every day this week, hes been a bit low",
        "I need you to stop running while your ankle is healing.",
    ],
)
def test_moves_stance_a_plain_ask_is_no_control_act(text: str) -> None:
    """'Stop by' is a visit, not 'stop'; food named beside a plain ask is no rule over eating; a
    choice left to the other ('the course you pick') is no decision made for them; a practical
    reason ('so it charges', another way to reach the person, a third party's consequence) or
    care for a third person keeps an ask about a phone, a parent or pay an ask."""
    assert subtypes(text, "stance", "power_over") <= {"command"}
