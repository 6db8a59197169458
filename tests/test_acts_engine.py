"""The speech-act engine reads every text as a slow reference reading of the same rules does.

``language.acts.read`` and ``measures.moves.detect.family_hits`` take shortcuts to be fast:
prefilters that run a rule only where it can match, anchored rules tried at clause starts
only, context checks skipped when their cue words are absent, a normalisation shortcut for
plain text, caches by text. None of them may change a reading. The reference below takes none
of them: every rule's pattern is scanned over the whole text (``finditer``), every context
check runs, every text is normalised the long way, and nothing is cached. It runs the *same*
rule files and the same act logic, so the lead may edit rules and logic freely: this test
compares engine against reference, not against frozen outputs.

Compared, text by text: ``read`` (acts, names, clauses), its topics and marks, and the full
``family_hits``; conversation by conversation: the moves family's signals, per-speaker counts
and sections. The corpus: the challenge suite (utterances and conversations), the everyday and
benign conversations, awkward texts, generated chat (``bench/chat_history.py``) and, when
``../shared/data/casino`` is present, CaSiNo dialogues of the dev half.

A larger sample, one command away::

    python tests/test_acts_engine.py                   # 20,000 chat messages, all of CaSiNo dev
    python tests/test_acts_engine.py --chat 5000 --casino 100
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest

import powerlens.language.acts as acts_module
import powerlens.language.rules as rules_module
import powerlens.measures.moves.detect as detect_module
from powerlens.language import tokenize_conversation
from powerlens.language.acts import Reading, read
from powerlens.language.rules import Rule, Shared
from powerlens.measures import REGISTRY, Options
from powerlens.model import Conversation, Utterance
from powerlens.readers import load

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"

Matches = list[tuple[Rule, tuple[int, int]]]


# --- the reference: every rule scanned everywhere, every check run ----------------------------


def scan_every_rule(rules: tuple[Rule, ...], text: str) -> Matches:
    """What ``rules.find`` means: each rule's pattern scanned over the whole text, in order."""
    return [(r, m.span()) for r in rules for m in r.pattern.finditer(text) if m.end() > m.start()]


def reference_act_matches(text: str) -> tuple[Matches, Matches]:
    """Act and consequence matches with every rule scanned over the whole text (anchored ones
    too: their ``{B}`` / ``{S}`` prefix only matches at a clause start anyway)."""
    anchored, free, consequence_ids = acts_module._act_rules()
    found = scan_every_rule(anchored, text)
    consequences: Matches = []
    for rule, span in scan_every_rule(free, text):
        (consequences if id(rule) in consequence_ids else found).append((rule, span))
    return found, consequences


class EveryCue:
    """``rules.Frames`` with every cue taken as present, so every context check runs."""

    def __init__(self, text: str) -> None:
        self.text = text

    quotes = reporting = hypothetical = negation = joke = True


def reference_is_joke(text: str) -> bool:
    return rules_module.JOKE.search(text) is not None


def reference_shared_find(self: Shared, rules: tuple[Rule, ...], text: str) -> Matches:
    return scan_every_rule(rules, text)


def reference_possible(self: Shared, rules: tuple[Rule, ...], text: str) -> list[int]:
    return list(range(len(rules)))


REFERENCE = {
    (rules_module, "find"): scan_every_rule,
    (acts_module, "_act_matches"): reference_act_matches,
    (rules_module, "frames"): EveryCue,
    (rules_module, "is_joke"): reference_is_joke,
}
"""Engine functions and their reference versions (patched wherever they were imported)."""
METHODS = {
    (Shared, "find"): reference_shared_find,
    (Shared, "possible"): reference_possible,
}
"""Engine methods and their reference versions."""


def _per_text_caches() -> list[Any]:
    """The caches by text of every loaded powerlens module (rule loaders are kept)."""
    found = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("powerlens") or module is None:
            continue
        for value in vars(module).values():
            params = getattr(value, "cache_parameters", None)
            if callable(params) and params()["maxsize"] is not None:
                found.append(value)
    return found


def clear_caches() -> None:
    for cached in _per_text_caches():
        cached.cache_clear()


@contextmanager
def reference_engine() -> Iterator[None]:
    """Inside: the reference reading (caches emptied on the way in and out)."""
    with ExitStack() as stack:
        for (module, name), replacement in REFERENCE.items():
            original = getattr(module, name)
            for loaded_name, loaded in list(sys.modules.items()):
                if loaded_name.startswith("powerlens") and loaded is not None:
                    for attr, value in list(vars(loaded).items()):
                        if value is original:
                            stack.enter_context(mock.patch.object(loaded, attr, replacement))
        for (owner, name), replacement in METHODS.items():
            stack.enter_context(mock.patch.object(owner, name, replacement))
        clear_caches()
        try:
            yield
        finally:
            clear_caches()


# --- what is compared ---------------------------------------------------------------------------


def text_reading(text: str) -> tuple[Reading, tuple[Any, ...], frozenset[str], dict[str, Any]]:
    reading = read(text)
    return reading, reading.topics, reading.marks, detect_module.family_hits(text)


def conversation_reading(conversation: Conversation) -> Any:
    moves = REGISTRY["moves"]
    tokens = tokenize_conversation(conversation)
    result = moves.finalize(moves.map(conversation, tokens, Options()))
    return result.signals, result.speakers, result.sections


def differences(texts: list[str], conversations: list[Conversation]) -> tuple[list[str], list[str]]:
    """The texts and conversation ids whose engine reading differs from the reference."""
    clear_caches()
    fast_texts = [text_reading(t) for t in texts]
    fast_conversations = [conversation_reading(c) for c in conversations]
    with reference_engine():
        slow_texts = [text_reading(t) for t in texts]
        slow_conversations = [conversation_reading(c) for c in conversations]
    bad_texts = [t for t, a, b in zip(texts, fast_texts, slow_texts, strict=True) if a != b]
    bad_conversations = [
        c.id
        for c, a, b in zip(conversations, fast_conversations, slow_conversations, strict=True)
        if a != b
    ]
    return bad_texts, bad_conversations


# --- the corpus ---------------------------------------------------------------------------------

AWKWARD = [
    "",
    "   ",
    "Thank you, I'd appreciate it if you could send the file. Do it now!",
    "THANK YOU. I'D APPRECIATE IT. YOU WILL DO AS YOU'RE TOLD OR ELSE.",
    "She said: 'you are not allowed to see them' and I don't want to.",
    "No. I won't. Stop it. \u201cYou need to leave\u201d, he wrote.",
    "th\u0131s \u0131s m\u0131ne, i\u017f it? \u212aeep it up and you'll regret it",
    "\u0130 don't care what you think; my_bad your_choice whatever_",
    "I\u2019m not sure\u2026 I\u2019ve decided to quit, it\u2019s my choice. \u00a340 is too expensive",
    "wya send me ur loc rn lol",
    "ur not seeing priya again. if u go im taking ur car keys \U0001f621",
    "pleaseee sooo sorry \u2764\ufe0f love you xx",
    "where are you at where are you at home?? where are you",
    "Don't - don't you dare. lol jk \U0001f602",
    "if you ever talk to Jake again I'll leave, end of discussion",
    "ok ok ok.. fine!!! whatever. then I'm selling your guitar",
    "no\nno\nNO. \u2014 stop \u2014 stop it *now*",
    "Send me a pic. Of the room. Now. And the receipt from Tesco",
    "we could go Sat or Sun? up to you \U0001f44d",
    "I'll ring Mum, you're not going, that's final",
    "(you must be home by 10) \u2026 or else",
    "ILL do it tmrw, ill be fine, was ill last week",
]


@cache
def _chat_module() -> ModuleType | None:
    path = ROOT / "bench" / "chat_history.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("powerlens_bench_chat_history", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chat_conversations(n: int, seed: int) -> list[Conversation]:
    """Generated chat: ``n`` messages of a couple and ``n // 2`` of a family."""
    module = _chat_module()
    if module is None:
        return []
    found = []
    for chat, count in (("couple", n), ("family", n // 2)):
        pairs = list(module.messages(count, chat, seed))
        found.append(
            Conversation(
                id=f"chat-{chat}-{seed}",
                utterances=tuple(Utterance(str(i), s, t) for i, (s, t) in enumerate(pairs)),
            )
        )
    return found


def suite_conversations() -> list[Conversation]:
    """Challenge conversations, everyday and benign talk, the examples (files this repo holds)."""
    found: list[Conversation] = []
    folders = [DATA / "challenge" / "conversations", DATA / "everyday", DATA / "benign"]
    for folder in folders:
        for path in sorted(folder.glob("*.txt")):
            found += load(path)
    return found


def challenge_utterances() -> list[str]:
    lines = (DATA / "challenge" / "utterances.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [text for row in rows for text in (row["text"], row.get("context") or "") if text]


def casino_conversations(count: int | None) -> list[Conversation]:
    """CaSiNo dialogues of the dev half (the first ``count``, or all), if the data is here."""
    from powerlens.validation import casino, data_root

    root = data_root()
    dialogues = casino.load(root) if root is not None else None
    if dialogues is None:
        return []
    dev = casino.split(dialogues)["dev"]
    return [casino.conversation(d) for d in (dev if count is None else dev[:count])]


def _texts(conversations: list[Conversation]) -> list[str]:
    return [u.text for c in conversations for u in c.utterances]


# --- tests ------------------------------------------------------------------------------------


def test_reference_engine_replaces_every_shortcut_wherever_it_was_imported() -> None:
    originals = [getattr(module, name) for module, name in REFERENCE]
    with reference_engine():
        for name, module in list(sys.modules.items()):
            if name.startswith("powerlens") and module is not None:
                assert not [a for a, v in vars(module).items() if any(v is o for o in originals)]
        assert detect_module.find is scan_every_rule
    assert detect_module.find is not scan_every_rule


def test_engine_reads_the_challenge_suite_and_awkward_text_as_the_reference() -> None:
    texts = list(dict.fromkeys(AWKWARD + challenge_utterances()))
    bad, _ = differences(texts, [])
    assert bad == []


def test_engine_reads_conversations_as_the_reference() -> None:
    conversations = suite_conversations() + chat_conversations(400, seed=3)
    bad_texts, bad_conversations = differences(
        list(dict.fromkeys(_texts(conversations))), conversations
    )
    assert bad_texts == []
    assert bad_conversations == []


def test_engine_reads_casino_as_the_reference() -> None:
    conversations = casino_conversations(25)
    if not conversations:
        pytest.skip("shared data (../shared/data/casino) is absent; set POWERLENS_DATA")
    bad_texts, bad_conversations = differences(
        list(dict.fromkeys(_texts(conversations))), conversations
    )
    assert bad_texts == []
    assert bad_conversations == []


def _longest_first(pattern: str) -> str:
    """``pattern`` with each verb piece written as the longest-first alternation of its words."""
    from powerlens.language import lexicon

    pieces = lexicon.word_pieces()
    table = lexicon.macros()
    for name in sorted(pieces, key=lambda n: -len(table[n])):
        words = sorted(pieces[name], key=lambda w: (-len(w), w))
        pattern = pattern.replace(table[name], "(?:" + "|".join(re.escape(w) for w in words) + ")")
    return pattern


def test_find_gives_every_rule_files_matches_on_the_corpus() -> None:
    """``rules.find`` (prefilter, words, folded patterns) against scanning every rule, for
    every rule file the project reads (moves, speech acts, tactics, dyad, politeness), on the
    challenge utterances, awkward text and generated chat."""
    sys.path.insert(0, str(TESTS))
    from test_moves_prefilter import rule_sets

    texts = list(dict.fromkeys(AWKWARD + challenge_utterances()))
    texts += [u.text for c in chat_conversations(150, seed=9) for u in c.utterances]
    texts += ["we and us and our, I my mine me: we? Us! OUR ours", "you you YOU your yours u"]
    for name, rules in sorted(rule_sets().items()):
        for text in texts:
            assert list(rules_module.find(rules, text)) == scan_every_rule(rules, text), (name, text)


def test_trie_shaped_verb_pieces_match_as_longest_first_alternations() -> None:
    """The verb pieces are tries (fast to match); every rule that uses them matches what it
    matches with each piece written as the longest-first alternation of the same words."""
    from powerlens.language.lexicon import load
    from powerlens.language.normalize import normalize

    texts = [normalize(t).text for t in dict.fromkeys(AWKWARD + challenge_utterances())][:400]
    names = ("acts.tsv", "about.tsv", "consequences.tsv", "markers.tsv")
    rules = [r for name in names for r in load(f"acts/{name}")] + list(load("moves/sequence.tsv"))
    patterns = [acts_module.CONDITION, acts_module.AGAINST] + [r.pattern for r in rules]
    compared = 0
    for pattern in patterns:
        flat = _longest_first(pattern.pattern)
        if flat == pattern.pattern:
            continue
        compared += 1
        longest = re.compile(flat, pattern.flags)
        for text in texts:
            spans = [m.span() for m in pattern.finditer(text)]
            assert spans == [m.span() for m in longest.finditer(text)], (pattern.pattern, text)
    assert compared >= 20


def test_folded_text_keeps_what_case_insensitive_patterns_see() -> None:
    """The premises of ``prefilter.on_folded`` (a lowercase pattern run without IGNORECASE on
    ``fold(text)`` matches as the pattern run case-insensitively on the text), over every code
    point: folding keeps whether a character is a word, space or digit character; a character
    folds to an ASCII character only if it matches it case-insensitively; and a character that
    folds to an uncased one is that character."""
    import sys as system

    from powerlens.language.prefilter import fold

    classes = [re.compile(r"\w"), re.compile(r"\s"), re.compile(r"\d")]
    for code in range(system.maxunicode + 1):
        char = chr(code)
        folded = fold(char)
        assert len(folded) == 1, hex(code)
        for cls in classes:
            assert bool(cls.match(char)) == bool(cls.match(folded)), hex(code)
        if folded.isascii():
            assert re.fullmatch(re.escape(folded), char, re.IGNORECASE), hex(code)
        elif folded.lower() == folded == folded.upper():
            assert folded == char, hex(code)


def test_folded_patterns_only_for_lowercase_case_insensitive_patterns() -> None:
    from powerlens.language.prefilter import on_folded

    assert on_folded(re.compile(r"\bsend me (?:a|the) photo\b|£\d+", re.I)) is not None
    assert on_folded(re.compile(r"[\U0001F300-\U0001FAFF]+|[a-z]'s", re.I)) is not None
    assert on_folded(re.compile(r"\bSend\b", re.I)) is None  # an uppercase letter
    assert on_folded(re.compile(r"[A-Z]", re.I)) is None
    assert on_folded(re.compile(r"caf\u00e9", re.I)) is None  # a cased non-ASCII letter
    assert on_folded(re.compile(r"(a)\1", re.I)) is None  # a back-reference
    assert on_folded(re.compile(r"a(?-i:b)", re.I)) is None  # inline flags
    assert on_folded(re.compile(r"send")) is None  # case-sensitive already


def test_quick_forms_of_engine_regexes_find_what_the_originals_find() -> None:
    """``normalize.ASCII_STRETCHED`` (ASCII text) and ``acts.FOLDED_STARTS`` (folded text) are
    faster forms of ``STRETCHED`` and ``STARTS``: the same answers on the corpus and on
    awkward strings."""
    from powerlens.language import normalize as normalizer
    from powerlens.language.prefilter import fold

    texts = [*AWKWARD, *challenge_utterances(), "aaa AAA aAa xxY nooo!!! zZZz", "o lol l w where"]
    texts += [u.text for c in chat_conversations(300, seed=5) for u in c.utterances]
    for text in texts:
        folded = fold(text)
        ends = [m.end() for m in acts_module.STARTS.finditer(text)]
        assert ends == [m.end() for m in acts_module.FOLDED_STARTS.finditer(folded)], text
        if text.isascii():
            found = normalizer.STRETCHED.search(text) is not None
            assert found == (normalizer.ASCII_STRETCHED.search(text) is not None), text


# --- the larger sample ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="engine vs reference on a larger sample")
    parser.add_argument("--chat", type=int, default=20_000, help="generated couple messages")
    parser.add_argument("--casino", type=int, default=None, help="CaSiNo dev dialogues (all)")
    args = parser.parse_args()
    conversations = (
        suite_conversations()
        + chat_conversations(args.chat, seed=7)
        + casino_conversations(args.casino)
    )
    texts = list(dict.fromkeys(AWKWARD + challenge_utterances() + _texts(conversations)))
    bad_texts, bad_conversations = differences(texts, conversations)
    print(f"{len(texts):,} distinct texts, {len(conversations):,} conversations")
    print(f"differing texts: {len(bad_texts)}; differing conversations: {len(bad_conversations)}")
    for text in bad_texts[:20]:
        print("  text:", repr(text))
    for cid in bad_conversations[:20]:
        print("  conversation:", cid)
    sys.exit(1 if bad_texts or bad_conversations else 0)


if __name__ == "__main__":
    main()
