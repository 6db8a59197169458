r"""Prefilters for rule patterns: run a regular expression only where it can match.

A rule file holds dozens of patterns and most utterances match none of them, yet scanning
each pattern over each utterance was the main cost of the rule-based families. Each pattern's
parsed form tells what every match must contain, and one or two scans of the text then name
the patterns worth running (the literal-prefilter idea behind RE2 and Google Code Search:
Cox 2012, "Regular Expression Matching with a Trigram Index"). The patterns themselves, and
so every match and span, are unchanged; ``language.rules.find`` uses this.

- ``needles``: lowercase strings one of which every match contains, found in the folded text
  by one trie-shaped lookahead scan.
- ``first_words``: whole words one of which every match starts with (``\bcould\s+you\b``:
  could), found by one scan for whole words.
- ``word_set``: a word pattern (``\b(?:i|my|mine)\b``, case-insensitive) matches exactly the
  whole words that fold to one of its words, so the word scan yields its matches directly.

The analysis is conservative: anything it does not understand (a category such as ``\w``,
a character range, a back-reference, a non-ASCII letter, inline flags) gives nothing, and a
pattern without needles or first words is always run. ``fold`` maps the text so that a
case-insensitive match of an ASCII literal implies the lowercase literal in the folded text
(``str.lower`` plus the four characters Python's ``re`` also equates with ASCII letters:
İ ı ſ K), and keeps every character's position and word-ness, so the word scan runs on the
folded text (``tests/test_moves_prefilter.py`` checks both over every code point). The only
non-ASCII literals used are caseless punctuation and currency signs (``CASELESS``).

Known limits: relies on the standard library's regular-expression parser (``re._parser``);
if it is missing, every pattern is simply always run.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache, lru_cache
from typing import Any, NamedTuple, overload

try:
    _PARSER: Any = importlib.import_module("re._parser")
    _OPS: Any = importlib.import_module("re._constants")
    _COMPILER: Any = importlib.import_module("re._compiler")
    _REPEATS: tuple[Any, ...] = (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT, _OPS.POSSESSIVE_REPEAT)
except ImportError:  # pragma: no cover - other Python implementations
    _PARSER = _OPS = _COMPILER = None
    _REPEATS = ()

_IGNORECASE = int(re.IGNORECASE)
MAX_STRINGS = 256
"""Largest set of alternative strings tracked for one stretch of a pattern."""
MAX_WORDS = 4096
"""Largest set of first words tracked for one pattern."""

_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
CASELESS = frozenset("£€’‘“”…—–«»")
"""Non-ASCII characters usable in needles: no case, and ``re`` matches them only to themselves."""
WORD = re.compile(r"[a-z0-9_]+")

Strings = frozenset[str]


def fold(text: str) -> str:
    """``text`` lowercased, with the non-ASCII letters ``re`` matches to ASCII made ASCII."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


@cache
def _char(code: int) -> str | None:
    """A pattern literal as it appears in folded text, or None when it cannot be a needle.

    ASCII characters fold to lowercase. Other characters qualify when they have no case and are
    not word characters (emoji, currency signs, dashes, quotation marks): ``re`` matches such
    a literal only to itself, even case-insensitively, and ``fold`` leaves it as it is.
    """
    char = chr(code)
    if char.isascii() or char in CASELESS:
        return char.lower()
    if char.lower() == char == char.upper() and not (char.isalnum() or char == "_"):
        return char
    return None


COMMON = frozenset(
    {
        "i", "you", "your", "u", "ur", "me", "my", "we", "our", "it", "its", "is", "are", "am",
        "was", "be", "to", "the", "a", "an", "and", "or", "of", "in", "on", "at", "for", "with",
        "so", "do", "don't", "not", "no", "yes", "ok", "that", "this", "what", "just", "have",
        "has", "can", "will", "would", "get", "go", "know", "like", "i'm", "it's", "that's",
        "you're",
    }
)
"""Words in nearly every chat: a needle that is one of them (or a first word) filters little,
so it counts as two letters long at most (``_strength``)."""


def _strength(strings: Strings) -> int:
    """How well a needle set filters: the length of its shortest string, taking a common word
    (``COMMON``, with surrounding spaces or punctuation) as two letters long at most."""
    return min(min(len(s), 2) if s.strip(" ,.!?") in COMMON else len(s) for s in strings)


def _best(candidates: Iterable[Strings | None]) -> Strings | None:
    """The most selective needle set: the strongest (``_strength``), then fewest strings."""
    usable = [c for c in candidates if c and "" not in c]
    return max(usable, key=lambda c: (_strength(c), -len(c)), default=None)


def _concat(left: Strings, right: Strings) -> Strings | None:
    if len(left) * len(right) > MAX_STRINGS:
        return None
    return frozenset(a + b for a in left for b in right)


def _sequence(items: Sequence[Any]) -> tuple[Strings | None, Strings | None]:
    """(exact strings the sequence can match, or None; needles every match contains, or None).

    Adjacent items with finite string sets are joined into longer literals; zero-width items
    (anchors, lookarounds) join too, since they consume nothing.
    """
    exact, candidates = _required(items)
    return exact, _best(candidates)


def _required(items: Sequence[Any]) -> tuple[Strings | None, list[Strings]]:
    """(exact strings the sequence can match, or None; every set of strings found one of which
    each match contains: the literal runs, and what its parts require)."""
    piece = _PIECE_LISTS.get(id(items)) is items
    if piece and id(items) in _REQUIRED:
        return _REQUIRED[id(items)]
    found = _required_of(items)
    if piece:
        _REQUIRED[id(items)] = found
    return found


def _required_of(items: Sequence[Any]) -> tuple[Strings | None, list[Strings]]:
    run: Strings = frozenset({""})
    exact = True
    candidates: list[Strings | None] = []
    for op, av in _literal_runs(items):
        strings, needles, head = _node(op, av)
        joined = _concat(run, strings) if strings is not None else None
        if joined is not None:
            run = joined
            continue
        exact = False
        # A repeat that must match at least once starts and ends with its body.
        extended = _concat(run, head) if head is not None else None
        candidates += [run, extended, needles]
        run = strings or head or frozenset({""})
    candidates.append(run)
    return (run if exact else None), [c for c in candidates if c and "" not in c]


RUN = object()
"""A stretch of adjacent literals, joined into one item before the analysis (``_literal_runs``)."""


def _literal_runs(items: Sequence[Any]) -> list[tuple[Any, Any]]:
    """The items with each stretch of adjacent needle literals joined into one ``RUN`` item
    (the same strings as joining them one by one, built once)."""
    joined: list[tuple[Any, Any]] = []
    for op, av in items:
        char = _char(av) if op is _OPS.LITERAL else None
        if char is None:
            joined.append((op, av))
        elif joined and joined[-1][0] is RUN:
            joined[-1] = (RUN, joined[-1][1] + char)
        else:
            joined.append((RUN, char))
    return joined


def _node(op: Any, av: Any) -> tuple[Strings | None, Strings | None, Strings | None]:
    """(exact strings, needles, strings a match must start and end with) for one parsed item."""
    if op is RUN:
        run: Strings = frozenset({av})
        return run, run, None
    if op is _OPS.LITERAL:
        char = _char(av)
        one = None if char is None else frozenset({char})
        return one, one, None
    if op is _OPS.IN:
        chars = [_char(a) if o is _OPS.LITERAL else None for o, a in av]
        if any(c is None for c in chars):
            return None, None, None
        return frozenset(c for c in chars if c), frozenset(c for c in chars if c), None
    if op in (_OPS.AT, _OPS.ASSERT, _OPS.ASSERT_NOT):
        return frozenset({""}), None, None
    if op is _OPS.SUBPATTERN and not av[1] and not av[2]:  # a group without inline flags
        strings, found = _sequence(av[3])
        return strings, found, None
    if op is _OPS.BRANCH:
        results = [_sequence(alternative) for alternative in av[1]]
        return _union([s for s, _ in results], MAX_STRINGS), _union([n for _, n in results]), None
    if op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT):
        low, high, body = av
        strings, found = _sequence(body)
        if low == high == 1:
            return strings, found, None
        if low == 0 and high == 1 and strings is not None:
            return strings | {""}, None, None
        if low >= 1:
            return None, found, strings
    return None, None, None


_HOLES: dict[int, str] = {}
"""Hole characters of pattern skeletons, and the piece of pattern each stands for."""
_SKELETONS: dict[str, str] = {}
"""Patterns with a skeleton: the same text, with some one-group pieces left as holes."""


def hole(char: str, piece: str) -> None:
    """Let ``char`` stand for ``piece`` (one group, no capturing groups) in skeletons."""
    _HOLES[ord(char)] = piece


def skeletons(source: str, skeleton: str) -> None:
    """Parse ``source`` from ``skeleton`` (its text with holes): each piece is parsed once,
    however many patterns use it, and its analysis is shared (``_lists``, ``_required``)."""
    if skeleton != source:
        _SKELETONS[source] = skeleton


def structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """``(index, char, depth)`` for each bracket and bar of ``pattern`` that is regex syntax (not
    escaped, not in a character class); ``depth`` is the group nesting after the character."""
    depth = 0
    escaped = in_class = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[char]
            yield index, char, depth


def whole_group(piece: str) -> bool:
    """True when ``piece`` is one non-capturing group, ``(?:...)``, with no capturing group in
    it (so it can stand in a pattern as one item)."""
    if not piece.startswith("(?:") or _PARSER is None:
        return False
    closed = next((i for i, char, depth in structure(piece) if char == ")" and depth == 0), -1)
    if closed != len(piece) - 1:
        return False
    try:
        return bool(_PARSER.parse(piece).state.groups == 1)
    except Exception:  # noqa: BLE001 - a bad piece is reported by the pattern that uses it
        return False


@cache
def _piece(piece: str, flags: int) -> tuple[Any, Any]:
    """A piece as one parsed item, a non-capturing group shared by every skeleton that holds
    it (the parser drops the group around the piece's body; it is put back)."""
    body = _PARSER.parse(piece, flags)
    _SHARED_TREES.add(id(body))
    return _OPS.SUBPATTERN, (None, 0, 0, body)


_SHARED_TREES: set[int] = set()
"""Identities of the parsed pieces' bodies (kept alive by ``_piece``'s cache)."""


def _fill(sub: Any, flags: int) -> bool:
    """Put each hole's piece in place in a parsed skeleton; False if a hole sits where a piece
    cannot go (in a character class)."""
    data = sub.data
    for index, (op, av) in enumerate(data):
        if op is _OPS.LITERAL and av in _HOLES:
            data[index] = _piece(_HOLES[av], flags)
        elif op in (_OPS.LITERAL, _OPS.NOT_LITERAL):
            if av in _HOLES:
                return False
        elif op is _OPS.IN:
            if any(a in _HOLES for o, a in av if o is _OPS.LITERAL):
                return False
        elif op is _OPS.SUBPATTERN:
            if not _fill(av[3], flags):
                return False
        elif op is _OPS.BRANCH:
            if not all(_fill(alternative, flags) for alternative in av[1]):
                return False
        elif op in _REPEATS:
            if not _fill(av[2], flags):
                return False
        elif op is _OPS.ASSERT or op is _OPS.ASSERT_NOT:
            if not _fill(av[1], flags):
                return False
        elif op is _OPS.ATOMIC_GROUP and not _fill(av, flags):
            return False
    return True


@lru_cache(maxsize=16)
def parsed(source: str, flags: int) -> Any:
    """``re``'s parse of a pattern, read as if without ``IGNORECASE`` (which changes nothing in
    the parse but the flags it records), or None without ``re._parser``. Raises ``re.error``
    for bad syntax. Kept: the analyses below and ``on_folded`` all start from it.

    A pattern with a skeleton (``skeletons``) is parsed from it, its pieces put in place: the
    same tree in meaning, without parsing a thousand-verb piece again for every rule.
    """
    if _PARSER is None:
        return None
    flags = int(flags) & ~_IGNORECASE  # (plain numbers: flag enums are slow to combine)
    skeleton = _SKELETONS.get(source)
    if skeleton is not None:
        tree = _PARSER.parse(skeleton, flags)
        if _fill(tree, flags):
            return tree
    return _PARSER.parse(source, flags)


@lru_cache(maxsize=16)
def _parse(pattern: re.Pattern[str]) -> list[Any] | None:
    """The parsed pattern as plain lists and tuples (kept: each analysis below reads it)."""
    try:
        tree = parsed(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unparsable pattern just gets no prefilter
        return None
    return None if tree is None else _lists(tree)


_LISTS: dict[int, list[Any]] = {}
"""``_lists`` of the parsed pieces (by identity of their ``SubPattern``)."""
_PIECE_LISTS: dict[int, list[Any]] = {}
"""The same lists, by their own identity."""
_REQUIRED: dict[int, tuple[Strings | None, list[Strings]]] = {}
"""``_required`` of the pieces' lists (by identity)."""


def _lists(sub: Any) -> list[Any]:
    """A parse with every ``SubPattern`` made a plain list (quicker to walk); a piece's list
    is made once and shared."""
    shared = id(sub) in _SHARED_TREES
    if shared and id(sub) in _LISTS:
        return _LISTS[id(sub)]
    out = []
    for op, av in sub.data:
        if op is _OPS.SUBPATTERN:
            av = (av[0], av[1], av[2], _lists(av[3]))
        elif op is _OPS.BRANCH:
            av = (av[0], [_lists(alternative) for alternative in av[1]])
        elif op in _REPEATS:
            av = (av[0], av[1], _lists(av[2]))
        elif op is _OPS.ASSERT or op is _OPS.ASSERT_NOT:
            av = (av[0], _lists(av[1]))
        elif op is _OPS.ATOMIC_GROUP:
            av = _lists(av)
        elif op is _OPS.GROUPREF_EXISTS:
            av = (av[0], _lists(av[1]), None if av[2] is None else _lists(av[2]))
        out.append((op, av))
    if shared:
        _LISTS[id(sub)] = _PIECE_LISTS[id(out)] = out
    return out


def needles(pattern: re.Pattern[str]) -> Strings | None:
    """Lowercase strings one of which every match of ``pattern`` contains (None: no such set)."""
    items = _parse(pattern)
    return None if items is None else _sequence(items)[1]


def word_set(pattern: re.Pattern[str]) -> Strings | None:
    """The words of a word pattern (``\\b(?:word|word...)\\b``, case-insensitive), else None.

    Such a pattern matches exactly the whole words (maximal ``\\w`` runs) that fold to one of
    its words: each match starts and ends at a word boundary and holds only word characters.
    """
    items = _parse(pattern)
    flags = pattern.flags
    if items is None or not flags & re.IGNORECASE or flags & (re.ASCII | re.LOCALE):
        return None
    boundary = (_OPS.AT, _OPS.AT_BOUNDARY)
    if len(items) < 3 or items[0] != boundary or items[-1] != boundary:
        return None
    words = _sequence(items[1:-1])[0]
    if not words or not all(WORD.fullmatch(w) for w in words) or _asserts(items[1:-1]):
        return None
    return words


def _asserts(items: Sequence[Any]) -> bool:
    """True when the parsed items hold an anchor or lookaround (which would narrow the words)."""
    for op, av in items:
        if op in (_OPS.AT, _OPS.ASSERT, _OPS.ASSERT_NOT):
            return True
        if op is _OPS.SUBPATTERN:
            parts = [av[3]]
        elif op is _OPS.BRANCH:
            parts = av[1]
        elif op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT):
            parts = [av[2]]
        else:
            parts = []
        if any(_asserts(part) for part in parts):
            return True
    return False


def first_words(pattern: re.Pattern[str]) -> Strings | None:
    r"""Words one of which begins every match of ``pattern`` as a whole word, else None.

    Found by walking the parsed pattern from a word boundary (``\b`` or a lookbehind that
    excludes ``\w``) through word characters up to a boundary, a lookahead that excludes
    ``\w``, or a run of non-word characters such as ``\s+``. ``\bcould\s+you\b`` gives
    {could}; anything the walk does not understand gives None.
    """
    items = _parse(pattern)
    if items is None or pattern.flags & (re.ASCII | re.LOCALE):
        return None
    return _first(items, frozenset({""}), guarded=False)


def _first(items: list[Any], read: Strings, guarded: bool) -> Strings | None:
    """First words of matches of ``items``, given the word characters ``read`` so far."""
    started = "" not in read
    for i, (op, av) in enumerate(items):
        rest = items[i + 1 :]
        if op is _OPS.AT and av is _OPS.AT_BOUNDARY:
            if started:
                return read
            guarded = True
        elif op is _OPS.ASSERT_NOT and _excludes_word(av[1]):
            if av[0] == 1:  # (?!\w...): the word ends here
                return read if started else None
            if started:
                return None
            guarded = True
        elif op is _OPS.LITERAL or op is _OPS.IN:
            kind, chars = _chars(op, av)
            if kind == "word" and guarded and chars is not None:
                joined = _concat(read, chars)
                if joined is None:
                    return None
                read, started = joined, True
            elif kind == "gap" and started:
                return read
            else:
                return None
        elif op is _OPS.SUBPATTERN and not av[1] and not av[2]:
            return _first([*av[3], *rest], read, guarded)
        elif op is _OPS.BRANCH:
            return _union([_first([*alt, *rest], read, guarded) for alt in av[1]], MAX_WORDS)
        elif op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT):
            low, high, body = av
            if low == high == 1:
                return _first([*body, *rest], read, guarded)
            if low == 0 and high == 1:
                skipped, taken = _first(rest, read, guarded), _first([*body, *rest], read, guarded)
                return _union([skipped, taken], MAX_WORDS)
            gap = len(body) == 1 and _chars(*body[0])[0] == "gap"
            return read if low >= 1 and gap and started else None
        else:
            return None
    return None  # the match may end inside a longer word


def _shortest(strings: Strings) -> int:
    return min(map(len, strings))


def _union(parts: list[Strings | None], limit: int | None = None) -> Strings | None:
    """The union of the sets, or None if one is None or it grows past ``limit``."""
    if any(p is None for p in parts):
        return None
    union: Strings = frozenset().union(*(p for p in parts if p is not None))
    return union if limit is None or len(union) <= limit else None


def _excludes_word(items: Any) -> bool:
    r"""A lookaround body that is one class containing ``\w`` (as in ``(?<![\w'])``)."""
    if len(items) != 1 or items[0][0] is not _OPS.IN:
        return False
    members = items[0][1]
    return (_OPS.CATEGORY, _OPS.CATEGORY_WORD) in members and _OPS.NEGATE not in [
        o for o, _ in members
    ]


def _chars(op: Any, av: Any) -> tuple[str, Strings | None]:
    """("word", the characters) for word characters, ("gap", None) for non-word ones."""
    members = [(op, av)] if op is _OPS.LITERAL else list(av) if op is _OPS.IN else []
    gap_categories = (_OPS.CATEGORY_SPACE, _OPS.CATEGORY_NOT_WORD)
    chars = []
    for o, a in members:
        if o is _OPS.LITERAL and _char(a) is not None:
            chars.append(chr(a).lower())
        elif not (o is _OPS.CATEGORY and a in gap_categories):
            return "other", None
    if members and all(WORD.fullmatch(c) for c in chars) and len(chars) == len(members):
        return "word", frozenset(chars)
    if members and not any(WORD.fullmatch(c) for c in chars):
        return "gap", None
    return "other", None


def alternation(words: Iterable[str], space: str = r"\ ") -> str:
    """``words`` as one regex alternation shaped like a trie, longer words tried first.

    At each position it matches the longest word that matches there, like a longest-first
    alternation, without trying every word in turn. A space in a word becomes ``space``.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        parts = [
            (space if char == " " else re.escape(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if "" in node:
            parts.append("")  # a word ending here, tried after every longer one
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return emit(trie)


NEEDLE_CHARS = 8
"""Needles are cut to their first eight characters: a match still holds one of them, almost
no text holds one that would not have held the whole needle, and the scan (a trie of all of
them) is a fraction of the size to build and quicker to run."""
TOKEN = re.compile(r"\w+")
"""Whole words: maximal runs of word characters (what ``\\b...\\b`` delimits)."""


class Branch(NamedTuple):
    """What every match of one top-level branch of a pattern needs."""

    first: Strings | None
    """Words one of which begins every match (None: unknown)."""
    needles: Strings | None
    """Strings one of which every match contains (None: unknown)."""


class Analysis(NamedTuple):
    """What a prefilter knows about one pattern."""

    words: Strings | None
    """A word pattern's words (its matches are exactly these whole words), else None."""
    branches: tuple[Branch, ...] | None
    """The needs of each top-level branch; None when some branch needs nothing known."""
    case_free: bool = False
    """The pattern can run on folded text without ``IGNORECASE`` (``on_folded``)."""


def _cut(strings: Strings) -> Strings:
    """A needle set with each needle cut to ``NEEDLE_CHARS`` characters."""
    return frozenset(s[:NEEDLE_CHARS] for s in strings)


def _alternatives(items: list[Any]) -> list[list[Any]]:
    """The top-level branches of a parsed pattern, each with the prefix they share (the parser
    factors a common prefix out of ``\\bfoo|\\bbar``), or the whole pattern as one branch."""
    if len(items) == 1 and items[0][0] is _OPS.SUBPATTERN:
        av = items[0][1]
        if not av[1] and not av[2]:
            return _alternatives(list(av[3]))
    if items and items[-1][0] is _OPS.BRANCH:
        return [[*items[:-1], *alternative] for alternative in items[-1][1][1]]
    return [items]


@cache
def analyse(pattern: re.Pattern[str]) -> Analysis:
    """Word set, or per top-level branch first words and needles, from one parse (which is
    not kept: parse trees are large, and kept alive they would slow every full garbage
    collection of the process)."""
    items = _parse(pattern)
    if items is None:
        return Analysis(None, None)
    flags = pattern.flags
    case_free = bool(flags & re.IGNORECASE) and not flags & (re.ASCII | re.LOCALE)
    case_free = case_free and _case_free(items)
    words = word_set(pattern)
    if words is not None:
        return Analysis(words, None, case_free)
    branches = []
    for alternative in _alternatives(items):
        first = None
        if not pattern.flags & (re.ASCII | re.LOCALE):
            first = _first(alternative, frozenset({""}), guarded=False)
        found = _best(_cut(c) for c in _required(alternative)[1])
        if first is None and found is None:
            return Analysis(None, None, case_free)
        branches.append(Branch(first, found))
    return Analysis(None, tuple(branches), case_free)


def _same_folded(char: str) -> bool:
    """A pattern character that matches, case-insensitively, exactly the characters that
    ``fold`` makes it: a lowercase ASCII character, or one without case."""
    if char.isascii():
        return not char.isupper()
    return char.lower() == char == char.upper()


def _case_free(node: Any) -> bool:
    """True when a parsed pattern's characters all pass ``_same_folded`` and it uses no inline
    flags and no back-references (whose case-insensitive comparison folding would not keep)."""
    if isinstance(node, list):
        return all(_case_free(item) for item in node)
    op, av = node
    if op in (_OPS.LITERAL, _OPS.NOT_LITERAL):
        return _same_folded(chr(av))
    if op is _OPS.RANGE:
        low, high = av
        return high - low < 65536 and all(_same_folded(chr(c)) for c in range(low, high + 1))
    if op is _OPS.IN:
        return all(_case_free(member) for member in av)
    if op is _OPS.SUBPATTERN:
        return not av[1] and not av[2] and _case_free(av[3])
    if op is _OPS.BRANCH:
        return all(_case_free(alternative) for alternative in av[1])
    if op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT, _OPS.POSSESSIVE_REPEAT):
        return _case_free(av[2])
    if op in (_OPS.ASSERT, _OPS.ASSERT_NOT):
        return _case_free(av[1])
    if op is _OPS.ATOMIC_GROUP:
        return _case_free(av)
    return op in (_OPS.AT, _OPS.CATEGORY, _OPS.ANY, _OPS.NEGATE)


@cache
def on_folded(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` without ``IGNORECASE``, to run on ``fold(text)``: the same matches at the same
    places, found faster (case-sensitive literals let ``re`` skip alternatives at a glance).

    Only for case-insensitive patterns written in lowercase (``_case_free``); None otherwise.
    Folding keeps each character's place and whether it is a word, space or digit character,
    and a character matches a lowercase ASCII letter case-insensitively exactly when it folds
    to it (``tests/test_moves_prefilter.py`` checks both over every code point).
    """
    if not analyse(pattern).case_free:
        return None
    flags = int(pattern.flags) & ~_IGNORECASE
    try:  # compiled from the parse (kept if it was made a moment ago), not parsed again
        return _COMPILER.compile(parsed(pattern.pattern, pattern.flags), flags)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - the public route gives the same pattern
        return re.compile(pattern.pattern, flags)


class Found(NamedTuple):
    """What one reading of a text finds, for any prefilter that shares the scan."""

    folded: str
    """The text, folded (``fold``)."""
    needles: frozenset[str]
    """The longest needle of the scan at each place where one starts."""
    at: dict[str, list[int]]
    """Each whole word of the folded text, with where it starts."""


class Scan:
    """One reading of a text for every prefilter built on it: the text folded, its needles
    found by one scan (a lookahead over a trie of all of them), its words by another."""

    def __init__(self, needles: Iterable[str]) -> None:
        self.needles = frozenset(needles)
        self.regex = re.compile(f"(?=({alternation(self.needles)}))") if self.needles else None

    def read(self, text: str) -> Found:
        folded = fold(text)
        found = frozenset(self.regex.findall(folded)) if self.regex is not None else frozenset()
        at: dict[str, list[int]] = {}
        # Folding keeps each character's place and word-ness: places carry over.
        for match in TOKEN.finditer(folded):
            at.setdefault(match.group(), []).append(match.start())
        return Found(folded, found, at)


@overload
def needles_of(patterns: Iterable[re.Pattern[str]]) -> set[str]: ...


@overload
def needles_of(patterns: Iterable[re.Pattern[str]], every: bool) -> set[str] | None: ...


def needles_of(patterns: Iterable[re.Pattern[str]], every: bool = False) -> set[str] | None:
    """The needles the prefilters of these patterns look for (to build a shared ``Scan``).

    With ``every``, None unless every match of every pattern holds one of them (a pattern
    whose branches all have needles; a word pattern counts by its words).
    """
    found: set[str] = set()
    for pattern in patterns:
        analysis = analyse(pattern)
        if every and analysis.words is not None:
            found.update(_cut(analysis.words))
            continue
        branches = analysis.branches or ()
        if every and (not branches or any(b.needles is None for b in branches)):
            return None
        for branch in branches:
            found.update(branch.needles or ())
    return found


class Prefilter:
    """Which of a sequence of patterns can match a text, found in two scans of it.

    A word pattern's matches come straight from the text's words. Another pattern is run only
    if the substring scan found one of its needles (of those it has) and the text holds one
    of its first words (of those it has), and then only where those words start; a pattern
    with neither needles nor first words is always run.

    Several prefilters can share one ``Scan`` (``scan``), so that a text is read once for all.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]], scan: Scan | None = None) -> None:
        word_patterns: dict[str, list[int]] = {}
        word_triggers: dict[str, list[int]] = {}  # patterns with first words and no needles
        by_needle: dict[str, set[int]] = {}
        always: set[int] = set()
        self.first_of: dict[int, Strings] = {}
        """The first words of the patterns that have both first words and needles."""
        for index, pattern in enumerate(patterns):
            analysis = analyse(pattern)
            if analysis.words is not None:
                for word in analysis.words:
                    word_patterns.setdefault(word, []).append(index)
                continue
            first, found = _pattern_needs(analysis)
            if found is not None:
                for needle in found:
                    by_needle.setdefault(needle, set()).add(index)
                if first is not None:
                    self.first_of[index] = first
            elif first is not None:
                for word in first:
                    word_triggers.setdefault(word, []).append(index)
            else:
                always.add(index)
        self.always = frozenset(always)
        self.has_first = frozenset(self.first_of)
        self.by_needle = {needle: frozenset(found) for needle, found in by_needle.items()}
        self.scan = scan if scan is not None else Scan(by_needle)
        missing = by_needle.keys() - self.scan.needles
        if missing:
            raise ValueError(f"the shared scan lacks {len(missing)} needles, e.g. {min(missing)!r}")
        self.closure: dict[str, frozenset[int]] = {}
        """For each needle the scan reported: the patterns whose needles it starts with."""
        self.word_index: dict[str, tuple[list[int], list[int]]] = {
            word: (word_patterns.get(word, []), word_triggers.get(word, []))
            for word in word_patterns.keys() | word_triggers.keys()
        }
        """For each word: the word patterns that hold it (their matches), and the patterns
        without needles it lets through (where it starts)."""

    def _patterns(self, needle: str) -> frozenset[int]:
        # The scan reports the longest needle at each position; the shorter needles that are
        # its prefixes occur there too.
        found = self.closure.get(needle)
        if found is None:
            found = frozenset().union(
                *(self.by_needle.get(needle[:k], ()) for k in range(1, len(needle) + 1))
            )
            self.closure[needle] = found
        return found

    def select(self, text: str, found: Found | None = None) -> Selection:
        """What the scans of ``text`` (or what a shared scan ``found`` in it) say about each
        pattern (a pattern in none of the three parts of the answer cannot match)."""
        if found is None:
            found = self.scan.read(text)
        at = found.at
        spans: dict[int, list[tuple[int, int]]] = {}
        starts: dict[int, list[int]] = {}
        for word, places in at.items():  # (the text's words are few: look each one up)
            entry = self.word_index.get(word)
            if entry is None:
                continue
            matched, triggered = entry
            if matched:
                length = len(word)
                for index in matched:
                    spans.setdefault(index, []).extend((start, start + length) for start in places)
            for index in triggered:
                starts.setdefault(index, []).extend(places)
        passed: set[int] = set().union(*map(self._patterns, found.needles))
        chosen = set(self.always)
        chosen |= passed - self.has_first
        present = frozenset(at)
        for index in passed & self.has_first:
            words = self.first_of[index] & present
            if words:
                starts[index] = [place for word in words for place in at[word]]
        for places in starts.values():
            places.sort()
        for found_spans in spans.values():  # (several words of one pattern: back in order)
            found_spans.sort()
        selected = chosen.union(spans, starts)
        return Selection(spans, starts, chosen, found.folded, selected)


def _pattern_needs(analysis: Analysis) -> tuple[Strings | None, Strings | None]:
    """(first words of every match, or None; needles of every match, or None) from the needs
    of the pattern's branches."""
    if analysis.branches is None:
        return None, None
    return (
        _union([b.first for b in analysis.branches]),
        _union([b.needles for b in analysis.branches]),
    )


class Selection(NamedTuple):
    """A prefilter's answer for one text."""

    spans: dict[int, list[tuple[int, int]]]
    """Word patterns: their match spans, in order."""
    starts: dict[int, list[int]]
    """Patterns whose every branch has first words: where those words start (in branches whose
    needles occur), the only places a match can; in order, perhaps repeated."""
    candidates: set[int]
    """Other patterns that may match anywhere."""
    folded: str
    """The text, folded (``fold``)."""
    selected: set[int]
    """Every pattern in one of the three parts."""
