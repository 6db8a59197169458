"""MI behaviour detectors: MITI 4.2.1 and MISC 2.5 codes for one helper or client utterance.

The rule-based coders behind the dyad family (``powerlens.measures.dyad``). Each helper sentence
gets at most one code from the MI fidelity instruments MITI 4.2.1 (Moyers, Manuel & Ernst 2014)
and MISC 2.5 (Miller, Moyers, Ernst & Amrhein 2008): open or closed question, simple or complex
reflection, affirmation. Each helper utterance also gets its moves: directive (Persuade,
Confront, Direct, Warn), autonomy support (Emphasize Autonomy, asking permission), advice and
information. Client utterances are coded for refusals, requests, change talk and sustain talk.
The patterns are data (``lexicons/dyad/*.tsv``); this module decides how they combine.

Reflections are found from reflective stems ("it sounds like", "you feel", "what I'm hearing",
"on the one hand") and from context, as MITI defines a reflection (a statement that captures what
the client said): a short echo of the client's own words, or a second-person statement that
reuses content words from the client's last three turns. Context alone is not trusted in a turn
that gives information, advice or a directive. A fragment that starts with a dash continues the
helper's broken-off turn and keeps its reflection code (counted once). A reflection is complex
when a marker shows added meaning, feeling, a double side or amplification, or when it is long;
one that adds at most one content word to what the client said stays simple.

Kept apart from the session bookkeeping so one utterance can be coded, tested and validated on
its own (``powerlens.validation.dyad`` scores these codes against AnnoMI's).

Known limits: patterns are English and written from the manuals' definitions, not trained; a
transcript without punctuation hides questions; a reflective stem voiced as a question ("You're
not sure?") counts as a reflection, where AnnoMI's coders often heard a question; sarcasm, tone
and non-verbal behaviour are invisible; simple vs complex is close to a coin toss even between
human coders; change and sustain talk are detected without knowing the target behaviour, so
most of it is missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from powerlens.language.rules import Rule, discount, load_rules
from powerlens.lexicons import word_list

LEAD = re.compile(
    r"^[^\w']*(?:(?:so|and|but|okay|ok|well|now|yeah|yes|yep|right|alright|all right|um+|uh+|"
    r"er+|hmm+|mm+|mm+-?hmm+|mhm|uh-huh|oh|great|good|sure|then|also|i see|i mean|you know(?=,)|"
    r"thank you|thanks|wow|gotcha|got it|cool|fine|sounds good)\b[^\w']*)*",
    re.IGNORECASE,
)
SO_LEAD = re.compile(r"\bso\b", re.IGNORECASE)
STUTTER = re.compile(r"\b(\w+)(?:-+\s*|\s+)(?=\1\b)|\b\w{1,2}-(?=\w)", re.IGNORECASE)
"""Repeated words and false starts of transcribed speech ("you-you", "I- I", "w-where")."""
SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")
PRONOUN_INVERSION = re.compile(
    r"^(?:do|does|did|is|are|was|were|can|could|would|will|have|has|should)\s+"
    r"(?:you|we|i|they|he|she|it|there|that|this|your|anyone|anything)\b",
    re.IGNORECASE,
)
COMPLEX_MIN_WORDS = 20
"""A reflection this long is taken as complex even without a marker (it adds to what was said)."""
INPUT_LABELS = ("advice", "information")
DASH_START = re.compile(r"^\W*?[-—–]")
DASH_END = re.compile(r"[-—–]\W*$")
"""A transcript's mark of a turn cut off (at the end) or taken up again (at the start)."""
HEARING_STEMS = ("reflection.i_hear", "reflection.what_im_hearing")
"""Reflective stems that start with "what" ("What I'm hearing is ...") and are not questions."""
ASKED_ABOUT = re.compile(
    r"\b(?:what|how|where|when|which|why|(?:do|did|would) you (?:think|feel|say|imagine))\b",
    re.IGNORECASE,
)
"""A question that asks what the client thinks they should do evokes; it does not direct."""
CONTEXT_RULES = {
    "reflection.echo": Rule("reflection.echo", "reflection", "echo", 0.6, re.compile("")),
    "reflection.you_heard": Rule(
        "reflection.you_heard", "reflection", "heard", 0.55, re.compile("")
    ),
}
"""Reflections found from what the client said rather than from a stem (see _context_reflection)."""

WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
SUFFIX = re.compile(r"(?:'s|ing|ed|es|s|ly)$")
SECOND_PERSON = re.compile(r"\byou(?:'re|'ve|'d|'ll|r|rs|rself)?\b(?! know\b)", re.IGNORECASE)
"""The client addressed in the second person ("you know" as a filler left out)."""
HEARD_TURNS = 3
"""A reflection may give back any of the client's last this many turns."""
ECHO_MIN_SHARE = 0.5
"""An echo: at least this share of a short statement's content words are the client's own."""


def _stem(word: str) -> str:
    return SUFFIX.sub("", word) if len(word) > 5 else word


def content_words(text: str) -> frozenset[str]:
    """The stemmed content words of ``text`` (function words and fillers left out)."""
    stop = word_list("dyad/function_words")
    return frozenset(
        _stem(w)
        for w in WORD.findall(text.lower().replace("’", "'"))
        if w not in stop and len(w) > 2
    )


def _rules(name: str) -> tuple[Rule, ...]:
    return load_rules(f"dyad/{name}.tsv")


@dataclass(frozen=True)
class Code:
    """One coded behaviour: label, subtype, span into the utterance, score and rule name."""

    label: str
    span: tuple[int, int]
    score: float
    rule: str
    subtype: str | None = None


def _first(rules: tuple[Rule, ...], text: str, label: str | None = None) -> Rule | None:
    for rule in rules:
        if (label is None or rule.label == label) and rule.pattern.search(text):
            return rule
    return None


def _sentences(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in SENTENCE.finditer(text) if m.group().strip()]


def _heard_share(body: str, heard: frozenset[str]) -> tuple[int, int]:
    """(content words of ``body`` the client just said, content words of ``body``)."""
    said = content_words(body)
    return len(said & heard), len(said)


def _context_reflection(body: str, heard: frozenset[str]) -> Rule | None:
    """A reflection known from context, not from a stem: the helper gives back the client's words.

    MITI 4.2.1 / MISC 2.5: a reflection is a statement that captures what the client said. A
    short statement made mostly of the client's own content words (an echo) is one, and so is a
    second-person statement about the client that reuses words the client just said.
    """
    shared, total = _heard_share(body, heard)
    if not shared:
        return None
    if total <= 4 and shared / total >= ECHO_MIN_SHARE:
        return CONTEXT_RULES["reflection.echo"]
    if SECOND_PERSON.search(body):
        return CONTEXT_RULES["reflection.you_heard"]
    return None


def _reflection_code(
    reflection: Rule, raw: str, body: str, span: tuple[int, int], heard: frozenset[str]
) -> Code:
    """Simple or complex: complex when a marker or the length shows the reflection adds meaning.

    MITI 4.2.1: a simple reflection adds little or no meaning to what the client said, so one
    that brings at most one content word the client did not just say stays simple unless it is
    double-sided.
    """
    markers = [r for r in _rules("reflections") if r.label == "complex" and r.pattern.search(raw)]
    if heard and len(content_words(body) - heard) <= 1:
        markers = [m for m in markers if m.subtype == "double_sided"]
    if markers:
        best = max(markers, key=lambda r: r.score)
        rule = f"{reflection.name}+{best.name}"
        return Code("complex_reflection", span, best.score, rule, best.subtype)
    if len(body.split()) >= COMPLEX_MIN_WORDS:
        return Code("complex_reflection", span, 0.6, f"{reflection.name}+complex.length", "length")
    return Code("simple_reflection", span, reflection.score, reflection.name)


def _sentence_code(
    text: str, start: int, end: int, has_input: bool, heard: frozenset[str] = frozenset()
) -> Code | None:
    """The question, reflection or affirmation code of one helper sentence, if any."""
    raw = text[start:end]
    lead = LEAD.match(raw)
    lead_len = lead.end() if lead else 0
    body = STUTTER.sub("", raw[lead_len:]).strip()
    if not body:
        return None
    span = (start + lead_len, start + lead_len + len(raw[lead_len:].rstrip()))
    asked = body.endswith("?")
    bodies = [body, f"so {body}"] if lead and SO_LEAD.search(lead.group()) else [body]
    question = _first(_rules("questions"), body)
    reflection = next(
        (r for b in bodies if (r := _first(_rules("reflections"), b, "reflection"))), None
    )
    affirm = _first(_rules("reflections"), body, "affirm")
    if (
        question is not None
        and (asked or PRONOUN_INVERSION.search(body) or question.name.startswith("question.open"))
        and not (reflection is not None and not asked and reflection.name in HEARING_STEMS)
    ):
        return Code(question.label, span, question.score, question.name, question.subtype)
    if affirm is not None and not asked:
        return Code("affirm", span, affirm.score, affirm.name)
    if reflection is None and not asked and not has_input:
        reflection = _context_reflection(body, heard)
    if reflection is not None and not has_input:
        return _reflection_code(reflection, raw, body, span, heard)
    if asked:
        return Code("closed_question", span, 0.5, "question.declarative", "declarative")
    return None


def _moves(text: str) -> list[Code]:
    """Directive, advice, information and autonomy-support codes in a helper utterance."""
    codes = []
    for rule in _rules("moves"):
        for match in rule.pattern.finditer(text):
            if match.end() == match.start() or discount(text, match.start()) is not None:
                continue
            if rule.label in ("directive", *INPUT_LABELS) and _asked_about(text, match.start()):
                continue
            codes.append(Code(rule.label, match.span(), rule.score, rule.name, rule.subtype))
    return _distinct(codes)


def _distinct(codes: list[Code]) -> list[Code]:
    """Codes without the later ones that overlap an earlier code of the same label (one phrase
    found by two rules counts once)."""
    kept: list[Code] = []
    for code in codes:
        if not any(
            k.label == code.label and k.span[0] < code.span[1] and code.span[0] < k.span[1]
            for k in kept
        ):
            kept.append(code)
    return kept


def _asked_about(text: str, start: int) -> bool:
    """The match sits in a question asking for the client's view ("What do you think you should
    do?"): in MI terms a question that evokes, not advice or a directive."""
    for s, e in _sentences(text):
        if s <= start < e:
            return text[s:e].rstrip().endswith("?") and bool(ASKED_ABOUT.search(text, s, start))
    return False


@dataclass(frozen=True)
class HelperCodes:
    """Everything coded in one helper utterance, and its main behaviour as AnnoMI names it."""

    sentences: tuple[Code, ...]
    moves: tuple[Code, ...]
    main: str
    """``question``, ``reflection``, ``therapist_input`` or ``other`` (the last one coded)."""
    broken_off: bool = False
    """The utterance ends in a dash: the speaker was cut off and may go on in their next turn."""


def _continued(text: str, start: int, end: int, before: HelperCodes | None) -> Code | None:
    """The code a fragment ("-and it's hard-") inherits from the broken-off turn it continues.

    MITI codes one reflection however often a backchannel ("Mm-hmm") cuts across it; the
    inherited code carries the subtype ``continued`` and is not counted a second time.
    """
    if before is None or not before.broken_off or not DASH_START.match(text):
        return None
    last = before.sentences[-1] if before.sentences else None
    if last is None or not last.label.endswith("reflection"):
        return None
    span = (start, start + len(text[start:end].rstrip()))
    return Code(last.label, span, last.score, f"{last.rule}+continued", "continued")


def code_helper(
    text: str, previous: str | None = None, before: HelperCodes | None = None
) -> HelperCodes:
    """Code one helper utterance by sentence and move.

    ``previous`` is what the client said just before (``Dyad`` passes the client's last
    ``HEARD_TURNS`` turns; a reflection gives it back); ``before`` is the helper's own previous
    turn, which a fragment starting with a dash continues.
    """
    moves = _moves(text)
    informing = any(m.label in ("directive", *INPUT_LABELS) for m in moves)
    heard = content_words(previous) if previous and not informing else frozenset()
    sentence_codes: list[Code] = []
    main = "other"
    sentences = _sentences(text)
    for start, end in sentences:
        has_input = any(
            start <= m.span[0] < end for m in moves if m.label in ("directive", *INPUT_LABELS)
        )
        code = _sentence_code(text, start, end, has_input, heard)
        if code is None and not has_input and not sentence_codes and start == sentences[0][0]:
            code = _continued(text, start, end, before)
        if code is not None:
            sentence_codes.append(code)
        if code is not None and code.label != "affirm":
            main = "question" if code.label.endswith("question") else "reflection"
        elif has_input:
            main = "therapist_input"
    return HelperCodes(tuple(sentence_codes), tuple(moves), main, bool(DASH_END.search(text)))


def code_client(text: str) -> list[Code]:
    """Refusal, change-talk and sustain-talk codes in one client utterance."""
    codes = []
    for rule in _rules("client"):
        for match in rule.pattern.finditer(text):
            if match.end() > match.start() and (
                rule.name == "refusal.no" or discount(text, match.start()) is None
            ):
                codes.append(Code(rule.label, match.span(), rule.score, rule.name, rule.subtype))
    return _distinct(codes)


def client_talk_type(text: str) -> str:
    """``change``, ``sustain`` or ``neutral`` for one client utterance (AnnoMI's labels)."""
    labels = {c.label for c in code_client(text)}
    change, sustain = "change_talk" in labels, "sustain_talk" in labels
    if change == sustain:
        return "neutral"
    return "change" if change else "sustain"
