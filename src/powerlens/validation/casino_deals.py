"""A rough reader of the item split a CaSiNo chat message states ("I'll take 2 food, you get
all the water"), used only to score the decision reading (``validation.casino``).

Each sentence is read left to right. A *side marker* says whose share follows: the speaker's
("I get / I'll take / I need / give me / for me / we take") or the partner's ("you get / you
can have / I can give you / for you"). A *quantity* is a number (digits 0-3, "zero" to
"three", "a", "no", "none", "both"), "all (of) (the)" or a bare "the" (all three), before
"food", "water", "firewood" / "wood" / "fire", possibly with "packages of", "extra" (but "the
extra water" states no number). A quantity takes the side of the last marker before it in the
sentence, or of the first one after it ("2 food and 1 water for me"). "The rest" / "everything
else" gives the side every item not otherwise mentioned. The partner's share of an item is
turned into the speaker's (3 minus it). A later statement about the same item overrides an
earlier one.

Known limits: rough by design. Negated markers ("you don't need water") and bare items in a
list ("the firewood and food": only the first counts) are not read; "I have 2 water" (owning)
and "I need 2 water" (asking) both read as the speaker's share. A message *matches* a deal when
it states the speaker's share of at least ``MIN_ITEMS`` items and each equals the deal's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

ITEMS = ("Food", "Water", "Firewood")
ITEM_OF = {"food": "Food", "water": "Water", "firewood": "Firewood", "wood": "Firewood"}
PER_ITEM = 3
MIN_ITEMS = 2
NUMBER = {
    "0": 0, "zero": 0, "none": 0, "no": 0,
    "1": 1, "one": 1, "a": 1, "an": 1, "single": 1,
    "2": 2, "two": 2, "both": 2,
    "3": 3, "three": 3, "all": 3, "the": 3,
}  # fmt: skip
_MODAL = (
    r"(?:'ll|'d|\s+will|\s+would|\s+can|\s+could|\s+should|\s+shall|\s+might|\s+may|"
    r"\s+(?:am|are|'m|'re)\s+going\s+to|\s+get\s+to|\s+need\s+to|\s+want\s+to|"
    r"\s+would\s+like\s+to)?"
)
_VERB = (
    r"(?:\s+(?:really|just|only|also|then|definitely|probably))?\s+"
    r"(?:get|take|keep|have|receive|need|want|use|getting|taking|keeping|having|receiving)\b"
)
_GIVE = r"\b(?:give|gives|giving|leave|leaving|let|send|offer)\s+"
SIDE = re.compile(
    rf"{_GIVE}(?P<s1>me|us)\b|{_GIVE}(?P<o1>you|u|ya)\b"
    rf"|\b(?P<s2>i|we){_MODAL}{_VERB}"
    r"|\b(?P<s3>ill|id|im|i'm|we're)\s+(?:take|get|keep|taking|getting|keeping)\b"
    rf"|\b(?P<o2>you|u|ya){_MODAL}{_VERB}"
    r"|\b(?:for|to)\s+(?:(?P<s4>me|us|myself|mine)|(?P<o3>you|u|yours|yourself))\b",
    re.IGNORECASE,
)
QUANTITY = re.compile(
    r"\b(?P<q>\d|zero|none|no|one|an?|single|two|both|three|"
    r"all(?:\s+of)?(?:\s+(?:the|my|your))?(?:\s+(?:3|three))?|the)"
    r"(?P<mod>(?:\s+(?:extra|additional|more|packages?|packs?|bundles?|units?|of|my|your|the))*)"
    r"\s+(?P<item>food|water|firewood|wood|fire)s?\b"
    r"|\b(?P<rest>the\s+rest|everything\s+else|the\s+remaining|the\s+others|"
    r"what(?:'s|\s+is)\s+left|whatever\s+is\s+left)\b",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[.!?;\n]+")
_MORE = re.compile(r"extra|additional|more", re.IGNORECASE)
_REST = ("rest", 0)


def _quantity(match: re.Match[str]) -> tuple[str, int] | None:
    """(item, number) of a quantity match, ``_REST`` for "the rest", None when no number."""
    if match["rest"]:
        return _REST
    word = match["q"].lower().split()[0]
    item = match["item"].lower()
    if word == "the" and _MORE.search(match["mod"] or ""):
        return None  # "the extra water": no number stated
    if item == "fire" and word in ("the", "all", "a", "an", "no"):
        return None  # "the fire", "a fire": the campfire, not the package
    number = NUMBER.get(word)
    if number is None or number > PER_ITEM:
        return None
    return ITEM_OF.get(item, "Firewood"), number


def allocation(text: str) -> dict[str, int]:
    """The speaker's share (0-3) of each item the text states, as far as it states it."""
    shares: dict[str, int] = {}
    rest: bool | None = None
    for sentence in SENTENCE.split(text):
        events: list[tuple[int, bool | tuple[str, int]]] = []
        for m in SIDE.finditer(sentence):
            events.append((m.start(), bool(m["s1"] or m["s2"] or m["s3"] or m["s4"])))
        for m in QUANTITY.finditer(sentence):
            found = _quantity(m)
            if found is not None:
                events.append((m.start(), found))
        mine: bool | None = None
        pending: list[tuple[str, int]] = []
        for _, event in sorted(events, key=lambda e: e[0]):
            if isinstance(event, bool):
                mine = event
                for quantity in pending:
                    rest = _put(shares, quantity, mine, rest)
                pending = []
            elif mine is None:
                pending.append(event)
            else:
                rest = _put(shares, event, mine, rest)
    if rest is not None:
        for item in ITEMS:
            shares.setdefault(item, PER_ITEM if rest else 0)
    return shares


def _put(
    shares: dict[str, int], quantity: tuple[str, int], mine: bool, rest: bool | None
) -> bool | None:
    """Record one quantity for the speaker (``mine``) or the partner; returns the rest's side."""
    if quantity == _REST:
        return mine
    item, number = quantity
    shares[item] = number if mine else PER_ITEM - number
    return rest


def matches(text: str, share: Mapping[str, int | str]) -> bool:
    """True when ``text`` states at least ``MIN_ITEMS`` items, each as in ``share`` (the
    speaker's share of the deal)."""
    stated = allocation(text)
    return len(stated) >= MIN_ITEMS and all(int(share[k]) == v for k, v in stated.items())
