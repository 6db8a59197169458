"""Rule files with named pieces: the act, topic and consequence rules of ``lexicons/acts/``.

A rule writes ``{YOU}`` or ``{ING_contact}`` and the loader puts the piece in its place, so one
definition of "you", of a verb class or of "a person" serves every rule. Pieces come from
``lexicons/acts/macros.tsv`` and, for verbs, from ``lexicons/acts/verbs.tsv`` (base form,
irregular forms, classes; regular -s, -ing and -ed forms are made by rule).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from powerlens.language.prefilter import alternation, hole, skeletons, structure, whole_group
from powerlens.language.rules import Rule, lazy

MACRO = re.compile(r"\{([A-Z][A-Za-z_]*)\}")
VOWELS = "aeiou"


def _read(resource: str) -> list[tuple[int, list[str]]]:
    """Non-comment lines of a lexicon file, split on tabs, with their line numbers."""
    text = resources.files("powerlens.lexicons").joinpath(resource).read_text(encoding="utf-8")
    return [
        (number, line.split("\t"))
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def regular_forms(base: str) -> dict[str, str]:
    """The -s, -ing and -ed forms of a regular verb ("stop" needs its doubled forms listed)."""
    if base.endswith("ie"):
        ing = base[:-2] + "ying"
    elif base.endswith("e") and not base.endswith(("ee", "ye", "oe")) and base != "be":
        ing = base[:-1] + "ing"
    else:
        ing = base + "ing"
    if base.endswith("e"):
        past = base + "d"
    elif base.endswith("y") and len(base) > 2 and base[-2] not in VOWELS:
        past = base[:-1] + "ied"
    else:
        past = base + "ed"
    if base.endswith(("s", "sh", "ch", "x", "z", "o")):
        third = base + "es"
    elif base.endswith("y") and len(base) > 2 and base[-2] not in VOWELS:
        third = base[:-1] + "ies"
    else:
        third = base + "s"
    return {"s": third, "ing": ing, "ed": past}


@cache
def verbs() -> dict[str, tuple[dict[str, list[str]], frozenset[str]]]:
    """Each verb's forms (``base``, ``s``, ``ing``, ``ed``) and classes, from verbs.tsv."""
    table: dict[str, tuple[dict[str, list[str]], frozenset[str]]] = {}
    for number, fields in _read("acts/verbs.tsv"):
        if len(fields) != 3:
            raise ValueError(f"acts/verbs.tsv:{number}: expected base, forms, classes")
        base, irregular, classes = (f.strip() for f in fields)
        regular = regular_forms(base)
        forms: dict[str, list[str]] = {"base": [base], "s": [], "ing": [], "ed": []}
        listed = [] if irregular in ("", "-") else irregular.split(",")
        for form in listed:
            kind = "ing" if form.endswith("ing") else "s" if form in ("is", "does", "has") else "ed"
            forms[kind].append(form)
        for kind in ("s", "ing", "ed"):
            if not forms[kind]:
                forms[kind].append(regular[kind])
        table[base] = (forms, frozenset(c.strip() for c in classes.split(",")))
    return table


@cache
def word_pieces() -> dict[str, frozenset[str]]:
    """The verb pieces made from verbs.tsv and their words: ``VB``, ``VBS``, ``VBING`` and
    ``VBED`` (every verb's base, -s, -ing and -ed forms), and per class ``VB_<class>``,
    ``ING_<class>``, ``ED_<class>`` and ``ANY_<class>`` (all its forms)."""
    table = verbs()
    pieces: dict[str, frozenset[str]] = {}
    forms = {"VB": "base", "VBS": "s", "VBING": "ing", "VBED": "ed"}
    for name, kind in forms.items():
        pieces[name] = frozenset(w for f, _ in table.values() for w in f[kind])
    classes = sorted({c for _, cs in table.values() for c in cs})
    for cls in classes:
        members = [f for f, cs in table.values() if cls in cs]
        pieces[f"VB_{cls}"] = frozenset(w for f in members for w in f["base"])
        pieces[f"ING_{cls}"] = frozenset(w for f in members for w in f["ing"])
        pieces[f"ED_{cls}"] = frozenset(w for f in members for w in f["ed"])
        pieces[f"ANY_{cls}"] = frozenset(w for f in members for k in f for w in f[k])
    return pieces


def _alternation(words: frozenset[str]) -> str:
    """``words`` as one group that matches like their longest-first alternation.

    The group is shaped like a trie (``prefilter.alternation``): where several words match at
    a place they are all prefixes of the text there, so both forms try them longest first, and
    a pattern matches the same text either way; the trie only tries the words that share the
    letters read so far, not all thousand of them in turn.
    """
    return "(?:" + alternation(words) + ")"


@cache
def _raw() -> dict[str, str]:
    """Every named piece as written: macros.tsv plus the verb pieces made from verbs.tsv."""
    raw: dict[str, str] = {}
    for number, fields in _read("acts/macros.tsv"):
        if len(fields) != 2:
            raise ValueError(f"acts/macros.tsv:{number}: expected name<TAB>pattern")
        raw[fields[0].strip()] = fields[1].strip()
    for name, words in word_pieces().items():
        raw[name] = _alternation(words)
    return raw


@cache
def macros() -> dict[str, str]:
    """Every named piece, expanded: macros.tsv plus the verb pieces made from verbs.tsv."""
    raw = _raw()
    expanded: dict[str, str] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> str:
        if name in expanded:
            return expanded[name]
        if name not in raw:
            raise ValueError(f"unknown piece {{{name}}}")
        if name in seen:
            raise ValueError(f"piece {{{name}}} refers to itself")
        value = MACRO.sub(lambda m: resolve(m.group(1), (*seen, name)), raw[name])
        expanded[name] = value
        return value

    for name in raw:
        resolve(name, ())
    return expanded


def expand(pattern: str) -> str:
    """``pattern`` with every ``{NAME}`` replaced by its piece."""
    table = macros()

    def piece(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in table:
            raise ValueError(f"unknown piece {{{name}}}")
        return table[name]

    return MACRO.sub(piece, pattern)


HOLES = 0xE000
"""Private-use characters stand for pieces in a pattern's skeleton (``skeleton``)."""


@cache
def _hole_of() -> dict[str, str]:
    """A character for each piece that is one group: the skeleton of a pattern puts it in the
    piece's place, and ``prefilter`` parses the piece once for every pattern using it."""
    table = macros()
    holes = {}
    for number, name in enumerate(sorted(table)):
        if whole_group(table[name]):
            holes[name] = chr(HOLES + number)
            hole(holes[name], table[name])
    return holes


def skeleton(pattern: str) -> str:
    """``pattern`` with its pieces expanded, except that each piece that is one group is left
    as its hole character (``_hole_of``)."""
    holes, raw = _hole_of(), _raw()

    def piece(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in raw:
            raise ValueError(f"unknown piece {{{name}}}")
        return holes.get(name) or skeleton(raw[name])

    return MACRO.sub(piece, pattern)


def top_level_alternatives(pattern: str) -> list[str]:
    """The branches of ``pattern``'s outermost alternation (one branch when it has none)."""
    bars = [i for i, char, depth in structure(pattern) if char == "|" and depth == 0]
    starts = [0, *(i + 1 for i in bars)]
    ends = [*bars, len(pattern)]
    return [pattern[a:b] for a, b in zip(starts, ends, strict=True)]


ANCHORS = ("{S}", "{B}")


@cache
def anchored(resource: str) -> frozenset[str]:
    """Names of the rules in ``resource`` that can only match at a clause start ({S} or {B}
    before every branch), so a reader may try them only there."""
    names = set()
    for _, fields in _read(resource):
        name, pattern = fields[0], fields[-1]
        if all(b.startswith(ANCHORS) for b in top_level_alternatives(pattern)):
            names.add(name)
    return frozenset(names)


@cache
def load(resource: str) -> tuple[Rule, ...]:
    """Rules from ``lexicons/<resource>``: ``name, label, [subtype,] score, pattern`` per line.

    Files with four columns have no subtype. Patterns may use the named pieces.
    """
    rules = []
    for number, fields in _read(resource):
        if len(fields) == 4:
            name, label, score, pattern = fields
            subtype: str | None = None
        elif len(fields) == 5:
            name, label, sub, score, pattern = fields
            subtype = None if sub in ("", "-") else sub
        else:
            raise ValueError(f"{resource}:{number}: expected 4 or 5 tab-separated fields")
        try:
            source = expand(pattern)
            skeletons(source, skeleton(pattern))
            compiled = lazy(source, re.IGNORECASE, f"{resource}:{number}")
        except (re.error, ValueError) as error:
            raise ValueError(f"{resource}:{number}: bad pattern: {error}") from None
        rules.append(Rule(name, label, subtype, float(score), compiled))
    return tuple(rules)
