"""Chat text in a standard spelling, with every character traced back to the original.

People type "wya send me ur loc rn"; the act rules are written for "where are you at send me
your location right now". ``normalize`` rewrites chat spellings (``lexicons/acts/chat.tsv``),
straightens curly apostrophes and squeezes letters typed three or more times ("sooo",
"pleaseee"), writes ``@name`` for a person's first name ("you're not seeing priya again" →
"you're not seeing @name again"; ``lexicons/people/first_names.txt``, or a capitalised word
inside a sentence), and keeps, for each character of the new text, where it came from, so a span
found in the normalised text maps back to a span of the original (spaCy's rule: evidence is a
view into the text the user gave).

Known limits: a capitalised brand or place inside a sentence ("we met at Tesco") can be taken
for a name (words after "in", "at", "from" are not); a lowercase name missing from the list is
read as an ordinary word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
ASCII_STRETCHED = re.compile(r"([A-Za-z])\1\1")
"""``STRETCHED`` for ASCII text, where a letter is A-Z or a-z (found three times as fast)."""
CURLY = str.maketrans({"’": "'", "‘": "'"})
NAME = "@name"
ILL_MEANS_SICK = frozenset(
    [
        "i'm",
        "im",
        "am",
        "was",
        "were",
        "been",
        "be",
        "being",
        "feel",
        "feels",
        "felt",
        "feeling",
        "so",
        "very",
        "really",
        "is",
        "are",
        "get",
        "got",
        "getting",
        "fell",
        "seriously",
        "quite",
        "too",
        "terminally",
        "mentally",
        "an",
    ]
)
"""Words before "ill" that make it the adjective; elsewhere chat "ill" is "i'll"."""
PLACE_WORDS = frozenset({"in", "at", "from", "near", "into", "via", "of", "on", "the", "@name"})
NOT_NAMES = frozenset(
    [
        "i",
        "i'm",
        "i'll",
        "i've",
        "i'd",
        "ok",
        "okay",
        "god",
        "jesus",
        "christ",
        "lord",
        "mr",
        "mrs",
        "ms",
        "dr",
        "mum",
        "mom",
        "dad",
        "mummy",
        "mommy",
        "daddy",
        "nan",
        "nana",
        "gran",
        "granny",
        "grandma",
        "grandpa",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "christmas",
        "xmas",
        "easter",
        "halloween",
        "english",
        "british",
        "american",
        "french",
        "german",
        "spanish",
        "italian",
        "chinese",
        "indian",
        "irish",
        "scottish",
        "welsh",
        "uk",
        "us",
        "usa",
        "tv",
        "omg",
        "lol",
        "lmao",
        "wtf",
        "covid",
        "hr",
        "ceo",
    ]
)


@cache
def first_names() -> frozenset[str]:
    """First names from ``lexicons/people/first_names.txt``."""
    text = resources.files("powerlens.lexicons").joinpath("people/first_names.txt")
    lines = text.read_text("utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def _is_name(text: str, word: str, start: int, previous: str) -> bool:
    """A person's first name: on the list, or capitalised inside a sentence (not a place)."""
    lower = word.lower()
    if lower in NOT_NAMES or "'" in word:
        return False
    if lower in first_names():
        return True
    if not (word[0].isupper() and word[1:].islower() and len(word) > 1):
        return False
    before = text[max(0, start - 8) : start].rstrip()
    at_start = not before or before[-1] in ".!?\n:;"
    return not at_start and previous not in PLACE_WORDS


@cache
def chat_spellings() -> dict[str, str]:
    """The chat spelling → standard form table from ``lexicons/acts/chat.tsv``."""
    text = resources.files("powerlens.lexicons").joinpath("acts/chat.tsv").read_text("utf-8")
    table: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        chat, sep, standard = line.partition("\t")
        if not sep or not standard.strip():
            raise ValueError(f"acts/chat.tsv:{number}: expected 'chat<TAB>standard'")
        table[chat.strip().lower()] = standard.strip()
    return table


@dataclass(frozen=True, slots=True)
class Normalized:
    """The normalised ``text`` and, per character, its ``starts`` / ``ends`` in the original.

    ``starts`` and ``ends`` are empty when nothing changed length (the spans are the same).
    """

    text: str
    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()
    names: tuple[tuple[int, int], ...] = ()
    """Spans, in the original text, of the words written as ``@name``."""

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``text[start:end]`` came from."""
        if not self.starts or end <= start:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _squeeze(word: str) -> str:
    """A word with letters typed three or more times shortened: to one letter at the end of the
    word ("sooo" → "so", "pleaseee" → "please"), to two inside it ("goood" → "good")."""
    return STRETCHED.sub(lambda m: m.group(1) if m.end() == len(word) else m.group(1) * 2, word)


MID_CAPITAL = re.compile(r"[^.!?\n:;\s]\s+[A-Z][a-z]")
"""A capitalised word inside a sentence: a possible name."""


def _plain(text: str) -> bool:
    """Nothing in ``text`` for ``normalize`` to rewrite (the common case, checked cheaply)."""
    stretched = ASCII_STRETCHED if text.isascii() else STRETCHED
    if stretched.search(text) or MID_CAPITAL.search(text):
        return False
    words = set(WORD.findall(text.lower()))
    return not (words & chat_spellings().keys() or words & first_names() or "ill" in words)


@lru_cache(maxsize=65536)
def normalize(text: str) -> Normalized:
    """``text`` with chat spellings rewritten; identical spans when nothing needed rewriting."""
    straight = text.translate(CURLY) if ("’" in text or "‘" in text) else text
    if _plain(straight):
        return Normalized(straight)
    table = chat_spellings()
    pieces: list[tuple[int, int, str]] = []  # (start, end, replacement) in the original
    names: list[tuple[int, int]] = []
    previous = ""
    for match in WORD.finditer(straight):
        word = match.group()
        squeezed = _squeeze(word) if STRETCHED.search(word) else word
        lower = squeezed.lower()
        replacement = table.get(lower)
        if lower == "ill" and previous not in ILL_MEANS_SICK:  # chat "ill do it" is "i'll"
            replacement = "i'll"
        stem = squeezed[:-2] if squeezed.lower().endswith("'s") else squeezed
        if replacement is None and _is_name(straight, stem, match.start(), previous):
            replacement = NAME + squeezed[len(stem) :]
            names.append((match.start(), match.start() + len(stem)))
        if replacement is None and squeezed != word:
            replacement = squeezed
        if replacement is not None and replacement != word:
            pieces.append((match.start(), match.end(), replacement))
        previous = replacement or lower
    if not pieces:
        return Normalized(straight)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for start, end, replacement in pieces:
        out.append(straight[position:start])
        starts.extend(range(position, start))
        ends.extend(range(position + 1, start + 1))
        out.append(replacement)
        starts.extend([start] * len(replacement))
        ends.extend([end] * len(replacement))
        position = end
    out.append(straight[position:])
    starts.extend(range(position, len(straight)))
    ends.extend(range(position + 1, len(straight) + 1))
    return Normalized("".join(out), tuple(starts), tuple(ends), tuple(names))
