"""A generator of long, realistic chat histories, written as Android WhatsApp exports.

One chat between two people (``couple``) or among a family of four (``family``), as the
people powerlens is for would export it: messages one minute to a few hours apart (gaps drawn
log-uniformly, with a night's pause now and then), about a quarter of them suggestions
("shall we...?", "how about...", "let's..."), the rest replies (yes, no, counters, maybes,
pressure after a "no", "fine, whatever"), questions, requests, apologies, thanks and small
talk, over a vocabulary of places, foods, days and people whose use follows Zipf's law, so
the content words of a long history keep growing as a real one's do. Most small talk,
answers and replies, and some questions and proposals, carry a free sentence (spoken function
words at their frequency, everyday content words by Zipf's law), so that, as in a real
history, many messages are not exact repeats (about half are distinct at 64k messages). Now
and then a message runs over two lines, media is left out ("<Media omitted>") or a system
line appears, so the whole reader runs, rejections included.

Seeded and deterministic: the same arguments give the same bytes. Used by
``bench/long_chat.py`` and by ``tests/test_scaling.py``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

CHATS: dict[str, tuple[tuple[str, float], ...]] = {
    "couple": (("Anna", 0.55), ("Ben", 0.45)),
    "family": (("Mum", 0.35), ("Dad", 0.25), ("Sam", 0.25), ("Lily", 0.15)),
}
"""Speakers of each chat and their share of the messages."""

PLACES = (
    "the cinema", "Grandma's", "the park", "the beach", "the lake", "IKEA", "the gym",
    "the market", "Tom's party", "the zoo", "the museum", "the pub", "the garden centre",
    "the pool", "church", "the football", "your mum's", "the new Thai place", "the dentist",
    "the seaside", "the mountains", "Paris", "the farm shop", "the library", "the concert",
)
FOODS = (
    "pizza", "curry", "sushi", "pasta", "tacos", "a roast", "burgers", "soup", "fish and chips",
    "a takeaway", "noodles", "salad", "lasagne", "pancakes", "a barbecue", "ramen", "chili",
)
WHEN = (
    "tonight", "tomorrow", "on Friday", "on Saturday", "on Sunday", "this weekend",
    "next week", "at 7", "after work", "in the morning", "at lunch", "on Monday",
    "next month", "at Easter", "for Christmas", "on the 23rd",
)
PEOPLE = ("Tom", "Sarah", "your mum", "my dad", "Grandma", "the kids", "Jess", "Uncle Rob")
THINGS = (
    "the car", "the bins", "the dishwasher", "the bills", "the rent", "the heating", "the dog",
    "the shopping", "the laundry", "the tickets", "the keys", "the washing machine",
)

PROPOSALS = (
    "shall we go to {place} {when}?",
    "shall we have {food} {when}?",
    "how about {food} {when}?",
    "let's go to {place} {when}",
    "why don't we invite {person} {when}?",
    "we could try {place} {when}",
    "what if we went to {place} {when}?",
    "fancy {food} {when}?",
    "do you want to come to {place} with me {when}?",
    "I've booked {place} {when}",
    "we're going to {place} {when}",
    "maybe we could get {food} {when}",
    "let's just stay in {when} and get {food}",
    "can we sort out {thing} {when}?",
)
ACCEPT = (
    "ok", "sounds good", "yes!", "sure", "great idea", "ok let's do that", "perfect",
    "yes please", "fine by me", "deal", "love that idea", "yeah why not", "ok see you there",
)
REFUSE = (
    "no", "I can't {when}", "not {when}, I'm exhausted", "I don't want to", "no thanks",
    "I'd rather not", "I'm not going to {place}", "no, I have plans {when}", "nah",
    "not now", "I can't, sorry", "no, I don't feel like it",
)
AFTER_REFUSAL = (
    "ok no worries", "fair enough", "that's fine", "why not?", "come on, you always say that",
    "you never want to do anything", "fine, I'll go on my own then", "ok, another time",
    "seriously? again?", "whatever", "ok, what would you rather do?",
)
GIVE_IN = ("fine, whatever", "ok fine", "fine, I'll come", "alright then")
COUNTER = (
    "how about {when} instead?", "what about {place} instead?", "I'd rather have {food}",
    "could we do {when} instead?", "or we could go to {place}",
)
DEFER = ("maybe", "we'll see", "I'll think about it", "not sure yet", "let me check")
SETTLE = ("{when} it is then", "then it's settled", "so {place} {when}, agreed?")
QUESTIONS = (
    "what time are you back?", "where are you?", "did you call {person}?",
    "how was work?", "have you seen {thing}?", "is {person} coming?",
    "what do you want for dinner?", "when does {place} open?", "did you pay {thing}?",
    "are you still at {place}?", "how's {person}?", "who's picking up the kids?",
)
ANSWERS = (
    "about 6", "at {place}", "yes this morning", "long day", "it's in the kitchen",
    "no idea", "not yet", "I think so", "on my way", "{person} is fine", "I'll do it",
    "around {when}", "no, I forgot", "yes, all done",
)
REQUESTS = (
    "can you pick up milk on the way home?", "please don't forget {thing}",
    "could you call {person} back?", "take out the bins please", "don't be late {when}",
    "call me when you're there", "can you sort out {thing}?", "remember {thing} {when}",
)
SMALL_TALK = (
    "haha", "lol", "love you", "miss you", "traffic is terrible", "I'm at work",
    "just landed", "the kids are asleep", "running late", "good morning",
    "night night", "so tired today", "thanks!", "sorry, I was in a meeting", "omg",
    "that's hilarious", "😂😂", "❤️", "ok", "on the train", "{person} says hi",
    "it's raining again", "I'm home", "can't wait for {when}", "look at this",
    "sorry about earlier", "thanks for {food} last night", "have a good day",
)


FUNCTION_WORDS = (
    ("i", 35), ("you", 33), ("the", 30), ("and", 28), ("it", 27), ("a", 22), ("to", 21),
    ("that", 18), ("of", 12), ("yeah", 10), ("in", 13), ("we", 12), ("is", 11), ("do", 9),
    ("they", 6), ("but", 8), ("so", 8), ("on", 8), ("have", 8), ("was", 8), ("just", 6),
    ("not", 6), ("for", 6), ("with", 5), ("there", 5), ("can", 5), ("my", 5), ("me", 4),
    ("your", 4), ("it's", 4), ("i'm", 4), ("don't", 3), ("really", 3), ("still", 2),
)
CONTENT_WORDS = (
    "today", "work", "home", "time", "dinner", "kids", "car", "night", "week", "money",
    "bus", "train", "phone", "meeting", "boss", "weather", "rain", "coffee", "tea", "shop",
    "bread", "milk", "school", "homework", "doctor", "appointment", "film", "show", "episode",
    "book", "game", "match", "party", "birthday", "present", "holiday", "flight", "hotel",
    "garden", "dog", "cat", "walk", "run", "gym", "sleep", "tired", "busy", "late", "early",
    "nice", "great", "awful", "funny", "weird", "lovely", "cold", "hot", "hungry", "ready",
    "finished", "started", "called", "texted", "forgot", "remembered", "bought", "cooked",
    "cleaned", "fixed", "broke", "lost", "found", "watched", "read", "played", "won", "paid",
    "traffic", "parking", "laundry", "dishes", "fridge", "oven", "heating", "window", "door",
    "keys", "wallet", "bag", "jacket", "shoes", "hair", "office", "email", "report", "deadline",
)


def _sentence(rng: random.Random) -> str:
    """A free sentence of 3 to 14 words: function words by frequency, content words by Zipf."""
    function_words = [w for w, _ in FUNCTION_WORDS]
    weights = [f for _, f in FUNCTION_WORDS]
    words = [
        rng.choices(function_words, weights)[0]
        if rng.random() < 0.55
        else _content_word(rng)
        for _ in range(rng.randint(3, 14))
    ]
    return " ".join(words) + rng.choice(("", "", ".", "!", " 😂", " x", "..."))


CONTENT_WEIGHTS = [1 / rank for rank in range(1, len(CONTENT_WORDS) + 1)]


def _content_word(rng: random.Random) -> str:
    """An everyday word, frequency 1 / rank; one in twenty a rarer one (a name, a place)."""
    if rng.random() < 0.05:
        return f"{rng.choice(CONTENT_WORDS)}{int(rng.paretovariate(0.7))}"
    return rng.choices(CONTENT_WORDS, CONTENT_WEIGHTS)[0]


def _chatty(rng: random.Random, text: str, share: float = 0.6) -> str:
    """``text``, ``share`` of the time with a free sentence before or after it."""
    if rng.random() >= share:
        return text
    return f"{text} {_sentence(rng)}" if rng.random() < 0.7 else f"{_sentence(rng)}. {text}"


def _zipf(rng: random.Random, items: tuple[str, ...], extra: int) -> str:
    """An item by Zipf's law; past the list, invented names ("Cafe 1234"), so the vocabulary
    of a long history keeps growing."""
    rank = int(rng.paretovariate(1.0))
    if rank <= len(items):
        return items[rank - 1]
    return f"{items[rank % len(items)]} {extra + rank}"


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        place=_zipf(rng, PLACES, 0),
        food=_zipf(rng, FOODS, 0),
        when=rng.choice(WHEN),
        person=_zipf(rng, PEOPLE, 0),
        thing=_zipf(rng, THINGS, 0),
    )


def messages(n: int, chat: str = "couple", seed: int = 0) -> Iterator[tuple[str, str]]:
    """``n`` messages as (speaker, text): proposals and their replies, questions, small talk."""
    rng = random.Random(seed)
    names = [name for name, _ in CHATS[chat]]
    shares = [share for _, share in CHATS[chat]]
    made = 0
    while made < n:
        speaker = rng.choices(names, shares)[0]
        others = [name for name in names if name != speaker]
        other = rng.choice(others)
        roll = rng.random()
        if roll < 0.25:  # a proposal and what follows
            thread = [(speaker, _chatty(rng, _fill(rng, rng.choice(PROPOSALS)), 0.3))]
            reply = rng.random()
            if reply < 0.35:
                thread.append((other, _chatty(rng, _fill(rng, rng.choice(ACCEPT)))))
            elif reply < 0.55:
                thread.append((other, _chatty(rng, _fill(rng, rng.choice(REFUSE)))))
                thread.append((speaker, _chatty(rng, _fill(rng, rng.choice(AFTER_REFUSAL)))))
                if rng.random() < 0.3:
                    thread.append((other, rng.choice(GIVE_IN)))
            elif reply < 0.7:
                thread.append((other, _fill(rng, rng.choice(COUNTER))))
                thread.append((speaker, _fill(rng, rng.choice(ACCEPT + SETTLE))))
            elif reply < 0.8:
                thread.append((other, rng.choice(DEFER)))
        elif roll < 0.45:
            thread = [(speaker, _chatty(rng, _fill(rng, rng.choice(QUESTIONS)), 0.4))]
            if rng.random() < 0.8:
                thread.append((other, _chatty(rng, _fill(rng, rng.choice(ANSWERS)))))
        elif roll < 0.55:
            thread = [(speaker, _chatty(rng, _fill(rng, rng.choice(REQUESTS)), 0.4))]
            thread.append((other, _fill(rng, rng.choice(ACCEPT + REFUSE))))
        else:
            thread = [(speaker, _chatty(rng, _fill(rng, rng.choice(SMALL_TALK))))]
        for item in thread[: n - made]:
            yield item
            made += 1


def _clock(moment: datetime) -> str:
    """Android's US date and 12-hour time: ``12/31/23, 9:05 PM``."""
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.strftime('%y')}, {hour}:{moment:%M} {half}"


def export_lines(n: int, chat: str = "couple", seed: int = 0) -> Iterator[str]:
    """The lines of an Android WhatsApp export holding ``n`` messages (plus a few media and
    system lines, which the reader rejects with a reason)."""
    rng = random.Random(seed + 1)
    moment = datetime(2019, 3, 1, 8, 0)
    yield (
        f"{_clock(moment)} - Messages and calls are end-to-end encrypted. No one outside of "
        "this chat, not even WhatsApp, can read or listen to them. Tap to learn more."
    )
    for speaker, text in messages(n, chat, seed):
        if rng.random() < 0.03:
            moment += timedelta(hours=rng.uniform(6, 14))  # a night
        else:
            moment += timedelta(seconds=60 * 2 ** rng.uniform(0, 7.5))  # a minute to 3 hours
        if rng.random() < 0.01:
            yield f"{_clock(moment)} - {speaker}: <Media omitted>"
        if rng.random() < 0.02:
            text = f"{text}\nand {_fill(rng, rng.choice(SMALL_TALK))}"
        yield f"{_clock(moment)} - {speaker}: {text}"


def write_export(path: Path, n: int, chat: str = "couple", seed: int = 0) -> Path:
    """Write an export of ``n`` messages to ``path`` (UTF-8) and return the path."""
    with path.open("w", encoding="utf-8") as out:
        for line in export_lines(n, chat, seed):
            out.write(line + "\n")
    return path
