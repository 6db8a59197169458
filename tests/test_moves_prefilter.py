"""The rule prefilter (``language.prefilter``) behind ``rules.find`` in moves and deference.

It may only skip patterns that cannot match: ``find`` must give exactly what scanning every
pattern gives, on awkward text too (case, dotless i, Kelvin sign, long s, quotes, underscores),
and the context checks (``rules.discount``) must give what they gave before their per-text
cue checks.
"""

from __future__ import annotations

import re
import sys
from importlib import resources

import pytest

from powerlens.language import rules as checks
from powerlens.language.lexicon import load as load_acts
from powerlens.language.prefilter import (
    alternation,
    first_words,
    fold,
    needles,
    word_set,
)
from powerlens.language.rules import Rule, find, load_rules
from powerlens.measures.deference import rules as deference_rules

CI = re.IGNORECASE


def naive(rules: tuple[Rule, ...], text: str) -> list[tuple[Rule, tuple[int, int]]]:
    """What ``find`` did before the prefilter: every pattern scanned in rule order."""
    return [(r, m.span()) for r in rules for m in r.pattern.finditer(text) if m.end() > m.start()]


def rule_sets() -> dict[str, tuple[Rule, ...]]:
    lexicons = resources.files("powerlens.lexicons")
    files = [
        f"{folder}/{p.name}"
        for folder in ("moves", "tactics", "dyad")
        for p in lexicons.joinpath(folder).iterdir()
        if p.name.endswith(".tsv") and p.name not in ("control.tsv", "sequence.tsv")
    ]
    sets = {name: load_rules(name) for name in files}
    sets["deference"] = deference_rules()
    for name in (
        "acts/acts.tsv",
        "acts/about.tsv",
        "acts/consequences.tsv",
        "acts/markers.tsv",
        "moves/sequence.tsv",
    ):
        sets[name] = load_acts(name)
    return sets


TEXTS = [
    "Thank you, I'd appreciate it if you could send the file. Do it now!",
    "THANK YOU. I'D APPRECIATE IT. YOU WILL DO AS YOU'RE TOLD OR ELSE.",
    "Ok fine, I'll go. Let's book the train, or else we'll miss it.",
    "She said: 'you are not allowed to see them' and I don't want to.",
    "No. I won't. Stop it. \u201cYou need to leave\u201d, he wrote.",
    "th\u0131s \u0131s m\u0131ne, i\u017f it? \u212aeep it up and you'll regret it",
    "\u0130 don't care what you think; my_bad your_choice whatever_",
    "could\u00a0you maybe help?  Well, in fact the point is we can both decide.",
    "By the way, btw, sorry\u2014my bad. Good morning!! hi HI Hi hI",
    "I\u2019m not sure\u2026 I\u2019ve decided to quit, it\u2019s my choice. \u00a340 is too expensive",
    "",
    "kind of sort of, kinda. not at all! absolutely not. nah",
]


@pytest.mark.parametrize("name", sorted(rule_sets()))
def test_moves_prefilter_find_equals_scanning_every_rule(name: str) -> None:
    rules = rule_sets()[name]
    for text in TEXTS:
        assert list(find(rules, text)) == naive(rules, text), text


def test_moves_prefilter_find_word_rule_spans() -> None:
    rules = deference_rules()
    text = "Could you help? I mean, thank you."
    found = [(r.name, text[a:b], (a, b)) for r, (a, b) in find(rules, text)]
    assert ("gratitude.thank", "thank", (24, 29)) in found
    assert ("first_person_start.start", "I", (16, 17)) in found
    assert ("counterfactual_modal.you", "Could you", (0, 9)) in found
    assert ("second_person.inner", "you", (6, 9)) in found


def test_moves_prefilter_needles_join_literals() -> None:
    assert needles(re.compile(r"\bor else\b", CI)) == {"or else"}
    assert needles(re.compile(r"\b(?:keep|say) (?:it|that) up\b", CI)) == {
        "keep it up",
        "keep that up",
        "say it up",
        "say that up",
    }
    assert needles(re.compile(r"\w+ing", CI)) == {"ing"}
    assert needles(re.compile(r"\d+", CI)) is None


def test_moves_prefilter_word_set_only_for_plain_word_patterns() -> None:
    assert word_set(re.compile(r"\b(?:i|my|mine)\b", CI)) == {"i", "my", "mine"}
    assert word_set(re.compile(r"\bapologi[sz]e\b", CI)) == {"apologise", "apologize"}
    assert word_set(re.compile(r"\b(?:i|my)\b")) is None  # case-sensitive
    assert word_set(re.compile(r"\b(?:so(?= what))\b", CI)) is None  # a lookahead narrows it
    assert word_set(re.compile(r"\bby\s+the\b", CI)) is None


def test_moves_prefilter_first_words() -> None:
    assert first_words(re.compile(r"\b(?:can|will)\s+you\b", CI)) == {"can", "will"}
    assert first_words(re.compile(r"\bby\s+the\s+way\b|\bbtw\b", CI)) == {"by", "btw"}
    assert first_words(re.compile(r"(?<![\w'])(?:sort\s+of|so)(?![\w'])", CI)) == {"sort", "so"}
    assert first_words(re.compile(r"you\b", CI)) is None  # may start inside a word
    assert first_words(re.compile(r"\byou", CI)) is None  # may stop inside a word


def test_moves_prefilter_alternation_prefers_the_longest_entry() -> None:
    body = alternation(["kind", "kind of", "kin"], space=r"\s+")
    pattern = re.compile(rf"\b(?:{body})\b")
    assert [m.group() for m in pattern.finditer("kind  of kin kind")] == ["kind  of", "kin", "kind"]


def test_moves_prefilter_fold_agrees_with_re_ignorecase() -> None:
    """The prefilter's premises, over every code point: a character matches an ASCII word
    character case-insensitively exactly when it folds to it, and folding keeps each
    character one character and a word character or not."""
    ascii_word = "abcdefghijklmnopqrstuvwxyz0123456789_"
    any_ascii_word = re.compile("[a-z0-9_]", CI)
    word = re.compile(r"\w")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        folded = fold(char)
        assert len(folded) == 1, hex(code)
        assert bool(word.match(char)) == bool(word.match(folded)), hex(code)
        if any_ascii_word.fullmatch(char):
            assert folded in ascii_word and re.fullmatch(folded, char, CI), hex(code)
        else:
            assert folded not in ascii_word, hex(code)
    assert fold("ΣΑΣ ΣΑΣ") == "σας σας"  # context-dependent lowering keeps the length too


def reference_discount(text: str, start: int) -> str | None:
    """``rules.discount`` as it was before the per-text cue checks (the same regexes)."""
    before = text[:start]
    quoted = (
        sum(before.count(q) for q in '"“”«»') % 2 == 1
        or before.count("‘") > before.count("’")
        or re.search(r"[:,]\s*'[^']*$", before) is not None
    )
    if quoted or checks.REPORTING.search(text[max(0, start - 40) : start]):
        return "reported"
    sentence_start = max(text.rfind(c, 0, start) for c in ".?!")
    if checks.HYPOTHETICAL.search(text[sentence_start + 1 : start]):
        return "hypothetical"
    if checks.NEGATION.search(checks.clause_before(text, start)):
        return "negated"
    return None


def test_moves_prefilter_discount_same_at_every_position() -> None:
    texts = [
        *TEXTS,
        'She said "or else" and I laughed. If I said you were useless, imagine that.',
        "I would never threaten you, but cannot promise. Cannotx. snot, knot, annoy",
        "He told me: 'you will regret it'. Suppose we go? As if! Nobody came.",
        "\u2018quoted\u2019 and \u00abguillemets\u00bb then \u201ccurly\u201d, she went 'fine'",
    ]
    for text in texts:
        for start in range(len(text) + 1):
            assert checks.discount(text, start) == reference_discount(text, start), (text, start)
