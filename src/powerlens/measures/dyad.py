"""The therapeutic dyad: how a helper (therapist, counsellor, coach) uses the power of the role.

The helper holds expert and legitimate power (French & Raven 1959); motivational interviewing
(MI; Miller & Rollnick 2013) asks them to name and reduce that differential by supporting the
client's autonomy. This family codes each helper sentence with behaviours from the MI fidelity
instruments MITI 4.2.1 (Moyers, Manuel & Ernst 2014) and MISC 2.5 (Miller, Moyers, Ernst &
Amrhein 2008): open and closed questions, simple and complex reflections, affirmations,
directive moves (Persuade, Confront, Direct, Warn), autonomy support (Emphasize Autonomy, asking
permission) and advice or information given with or without permission. Client utterances are
coded for refusals (Boundary Check: was the "no" respected?) and for change and sustain talk.

Per session it reports the helper's share of words and turns, the counts and ratios MITI uses,
where the session lands against MITI 4.2.1 thresholds (reflection-to-question ratio 1:1 fair,
2:1 good; complex reflections 40% fair, 50% good) and the MITI 3.1.1 open-question thresholds
(50% fair, 70% good), and one **power-differential index** in [0, 1]: a fixed, untrained mean of
components, each the share of the helper-controlled side of one MI contrast (talk, questions
over reflections, closed over open, simple over complex, directive over autonomy-supporting,
input without permission over all input, pressured refusals over all refusals). A component
with little evidence weighs less (weight n / (n + 2)); one with none is left out.

Reflections are found from reflective stems ("it sounds like", "you feel", "what I'm hearing",
"on the one hand") and from context, as MITI defines a reflection (a statement that captures what
the client said): a short echo of the client's own words, or a second-person statement that
reuses content words from the client's last three turns. Context alone is not trusted in a turn
that gives information, advice or a directive. A fragment that starts with a dash continues the
helper's broken-off turn and keeps its reflection code (counted once). A reflection is complex
when a marker shows added meaning, feeling, a double side or amplification, or when it is long;
one that adds at most one content word to what the client said stays simple.

Known limits: patterns are English and written from the manuals' definitions, not trained; a
transcript without punctuation hides questions; a reflective stem voiced as a question ("You're
not sure?") counts as a reflection, where AnnoMI's coders often heard a question; sarcasm, tone
and non-verbal behaviour are invisible; simple vs complex is close to a coin toss even between
human coders; change and sustain talk are detected without knowing the target behaviour, so
most of it is missed; the index describes one session's talk, never the person, and is a signal
to explore, not a fidelity rating (MITI's global scores need a trained human coder).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from powerlens.language import Tokens
from powerlens.language.rules import Rule, discount, load_rules
from powerlens.lexicons import word_list
from powerlens.measures.base import Options
from powerlens.model import Conversation, MeasureResult, Signal

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
PERMISSION_WINDOW = 2
"""Helper turns after a granted permission (or a client's request) in which input is permitted."""
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

FIDELITY: dict[str, dict[str, Any]] = {
    "reflection_to_question": {"fair": 1.0, "good": 2.0, "instrument": "MITI 4.2.1"},
    "percent_complex_reflections": {"fair": 0.4, "good": 0.5, "instrument": "MITI 4.2.1"},
    "percent_open_questions": {"fair": 0.5, "good": 0.7, "instrument": "MITI 3.1.1"},
}
"""Thresholds from the MITI manuals (4.2.1: Moyers et al. 2014; 3.1.1: Moyers et al. 2010)."""

COMPONENTS = {
    "talk_share": "helper's share of the words spoken",
    "questions_over_reflections": "questions / (questions + reflections)",
    "closed_questions": "closed / all questions",
    "simple_reflections": "simple / all reflections",
    "directive_moves": "directive / (directive + autonomy-supporting) moves",
    "advice_without_permission": "advice given without permission / all advice (information is"
    " neutral in MITI 4.2.1 and left out)",
    "pressured_refusals": "client refusals met with pressure / all client refusals",
}
"""Components of the power-differential index: 1 is the helper-controlled end of each contrast."""


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


def _role_match(name: str, lexicon: str) -> bool:
    words = re.findall(r"[a-z]+", name.lower())
    roles = word_list(f"dyad/{lexicon}")
    return " ".join(words) in roles or bool(words and words[0] in roles and len(words[0]) > 2)


def detect_helper(conversation: Conversation) -> tuple[str | None, str]:
    """Guess who the helper is, and say how: by role name, else by who asks and reflects most."""
    names = conversation.speaker_names()
    if len(names) < 2:
        return None, "fewer than two speakers: no dyad to analyse"
    for name in names:
        role = conversation.speakers.get(name)
        if role is not None and str(role.meta.get("role", "")).lower() in word_list(
            "dyad/helper_names"
        ):
            return name, f"speaker {name!r} is declared with the helper role {role.meta['role']!r}"
    helpers = [n for n in names if _role_match(n, "helper_names")]
    if len(helpers) == 1:
        return helpers[
            0
        ], f"speaker name {helpers[0]!r} is a helper role (therapist, counsellor, ...)"
    clients = [n for n in names if _role_match(n, "client_names")]
    if len(names) == 2 and len(clients) == 1:
        other = next(n for n in names if n != clients[0])
        return other, f"the other speaker, {clients[0]!r}, is named as the client"
    rates: dict[str, tuple[float, int, int]] = {}
    for name in names:
        texts = [u.text for u in conversation.utterances if u.speaker == name]
        moves = sum(1 for t in texts for c in code_helper(t).sentences if c.label != "affirm")
        rates[name] = (moves / max(1, len(texts)), moves, len(texts))
    ranked = sorted(names, key=lambda n: -rates[n][0])
    best, runner = ranked[0], ranked[1]
    if rates[best][0] == rates[runner][0]:
        return None, "no helper role in the names and no speaker asks or reflects more than another"
    return best, (
        f"{best!r} asks and reflects most: {rates[best][1]} questions and reflections in "
        f"{rates[best][2]} utterances, against {rates[runner][1]} in {rates[runner][2]} "
        f"for {runner!r}"
    )


def resolve_helper(conversation: Conversation, named: str | None) -> tuple[str | None, str]:
    """The helper named (matched case-insensitively) if present, else the detected one, with why."""
    if named is not None:
        for name in conversation.speaker_names():
            if name.casefold() == named.casefold():
                return name, f"named with --helper {named!r}"
        found, why = detect_helper(conversation)
        return found, f"{named!r} does not speak here; {why}"
    return detect_helper(conversation)


@dataclass
class DyadPartial:
    """Additive counts for one or more sessions, plus the evidence behind them."""

    counts: Counter[str] = field(default_factory=Counter)
    signals: list[Signal] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    decisions: list[str] = field(default_factory=list)
    helpers: list[str] = field(default_factory=list)


def _signal(
    u_id: str,
    speaker: str,
    target: str | None,
    code: Code,
    label: str | None = None,
    subtype: str | None = None,
) -> Signal:
    return Signal(
        u_id,
        speaker,
        "dyad",
        label or code.label,
        code.span,
        code.score,
        f"rule:{code.rule}",
        target,
        subtype if subtype is not None else code.subtype,
    )


class Dyad:
    """The therapeutic-dyad measure family (map / combine / finalize)."""

    name = "dyad"
    requires: frozenset[str] = frozenset({"helper"})

    def map(self, conversation: Conversation, tokens: Tokens, options: Options) -> DyadPartial:
        partial = DyadPartial()
        helper, why = resolve_helper(conversation, options.helper)
        partial.decisions.append(why)
        partial.helpers.append(helper or "")
        if helper is None:
            return partial
        c = partial.counts
        c["sessions"] += 1
        permitted_for = 0
        previous_helper: HelperCodes | None = None
        last_client: str | None = None
        said: list[str] = []
        previous_speaker: str | None = None
        for utterance, words in zip(conversation.utterances, tokens, strict=True):
            is_helper = utterance.speaker == helper
            role = "helper" if is_helper else "client"
            partial.roles[utterance.speaker] = role
            c[f"{role}_words"] += len(words)
            if utterance.speaker != previous_speaker:
                c[f"{role}_turns"] += 1
            previous_speaker = utterance.speaker
            if not is_helper:
                last_client = utterance.speaker
                said.append(utterance.text)
                codes = code_client(utterance.text)
                labels = {code.label for code in codes}
                if "client_request" in labels:
                    permitted_for = PERMISSION_WINDOW
                asked = previous_helper is not None and any(
                    m.label in ("directive", "advice", "autonomy_support")
                    for m in previous_helper.moves
                )
                for code in self._client_codes(codes, asked):
                    partial.signals.append(_signal(utterance.id, utterance.speaker, helper, code))
                    c[code.label] += 1
                    if code.label == "refusal":
                        partial.refusals.append(
                            {
                                "utterance_id": utterance.id,
                                "by": utterance.speaker,
                                "span": list(code.span),
                                "response_id": None,
                                "respected": None,
                            }
                        )
                if previous_helper is not None and labels & {"refusal"}:
                    permitted_for = 0
                continue
            coded = code_helper(
                utterance.text, " ".join(said[-HEARD_TURNS:]) or None, previous_helper
            )
            self._answer_refusals(partial, utterance.id, coded)
            if any(m.subtype == "permission" for m in coded.moves):
                permitted_for = PERMISSION_WINDOW + 1
            permitted = permitted_for > 0 or any(m.label == "autonomy_support" for m in coded.moves)
            for code in coded.sentences:
                c[code.label] += code.subtype != "continued"
                partial.signals.append(_signal(utterance.id, helper, last_client, code))
            for code in coded.moves:
                if code.label in INPUT_LABELS:
                    label = "advice_with_permission" if permitted else "advice_without_permission"
                    c[label] += 1
                    c[code.label] += 1
                    c["advice_unpermitted"] += code.label == "advice" and not permitted
                    partial.signals.append(
                        _signal(utterance.id, helper, last_client, code, label, code.label)
                    )
                else:
                    c[code.label] += 1
                    if code.subtype == "permission":
                        c["permission_asks"] += 1
                    partial.signals.append(_signal(utterance.id, helper, last_client, code))
            permitted_for = max(0, permitted_for - 1)
            previous_helper = coded
        return partial

    @staticmethod
    def _client_codes(codes: list[Code], asked: bool) -> list[Code]:
        keep = []
        refused = False
        for code in codes:
            if code.label == "client_request":
                continue
            if code.label == "refusal":
                if refused or (code.rule == "refusal.no" and not asked):
                    continue
                refused = True
            keep.append(code)
        return keep

    @staticmethod
    def _answer_refusals(partial: DyadPartial, utterance_id: str, coded: HelperCodes) -> None:
        pressure = [m for m in coded.moves if m.label in ("directive", "advice")]
        for refusal in partial.refusals:
            if refusal["response_id"] is None:
                refusal["response_id"] = utterance_id
                refusal["respected"] = not pressure
                refusal["evidence"] = (
                    f"rule:{pressure[0].rule}"
                    if pressure
                    else "no directive or advice in the reply"
                )
                partial.counts["refusals_respected" if not pressure else "refusals_pressured"] += 1

    def combine(self, a: DyadPartial, b: DyadPartial) -> DyadPartial:
        return DyadPartial(
            counts=a.counts + b.counts,
            signals=a.signals + b.signals,
            refusals=a.refusals + b.refusals,
            roles={**a.roles, **b.roles},
            decisions=a.decisions + b.decisions,
            helpers=a.helpers + b.helpers,
        )

    def finalize(self, partial: DyadPartial) -> MeasureResult:
        section = summarize(partial)
        scores = {}
        if section["index"]["value"] is not None:
            scores["power_differential"] = section["index"]["value"]
        speakers = {name: {"dyad_role": role} for name, role in partial.roles.items()}
        return MeasureResult(
            speakers=speakers, signals=partial.signals, scores=scores, sections={"dyad": section}
        )


def _ratio(x: float, n: float) -> float | None:
    return x / n if n else None


def _level(name: str, value: float | None) -> dict[str, Any]:
    limits = FIDELITY[name]
    level = None
    if value is not None:
        level = (
            "good"
            if value >= limits["good"]
            else "fair"
            if value >= limits["fair"]
            else "below fair"
        )
    return {"value": value, "level": level, **limits}


def power_index(parts: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """The index from ``{component: (helper-side count, total)}``: an evidence-weighted mean."""
    components: dict[str, dict[str, Any]] = {}
    total = weighted = 0.0
    for name, (x, n) in parts.items():
        value = _ratio(x, n)
        weight = 1.0 if name == "talk_share" and n else n / (n + 2) if n else 0.0
        components[name] = {
            "value": value,
            "n": n,
            "weight": round(weight, 4),
            "description": COMPONENTS[name],
        }
        if value is not None:
            total += weight
            weighted += weight * value
    return {
        "value": round(weighted / total, 4) if total else None,
        "components": components,
        "method": "mean of components weighted by n/(n+2) (talk share: 1); fixed, not trained",
    }


def summarize(partial: DyadPartial) -> dict[str, Any]:
    """The ``dyad`` section: counts, ratios, MITI thresholds and the power-differential index."""
    c = partial.counts
    questions = c["open_question"] + c["closed_question"]
    reflections = c["simple_reflection"] + c["complex_reflection"]
    words = c["helper_words"] + c["client_words"]
    turns = c["helper_turns"] + c["client_turns"]
    moves = c["directive"] + c["autonomy_support"]
    refusals = c["refusals_respected"] + c["refusals_pressured"]
    parts = {
        "talk_share": (c["helper_words"], words),
        "questions_over_reflections": (questions, questions + reflections),
        "closed_questions": (c["closed_question"], questions),
        "simple_reflections": (c["simple_reflection"], reflections),
        "directive_moves": (c["directive"], moves),
        "advice_without_permission": (c["advice_unpermitted"], c["advice"]),
        "pressured_refusals": (c["refusals_pressured"], refusals),
    }
    rq = _ratio(reflections, questions)
    return {
        "helper": next((h for h in partial.helpers if h), None),
        "helper_decision": "; ".join(partial.decisions),
        "sessions": c["sessions"],
        "talk": {
            "helper_words": c["helper_words"],
            "client_words": c["client_words"],
            "helper_word_share": _ratio(c["helper_words"], words),
            "helper_turns": c["helper_turns"],
            "client_turns": c["client_turns"],
            "helper_turn_share": _ratio(c["helper_turns"], turns),
        },
        "questions": {
            "open": c["open_question"],
            "closed": c["closed_question"],
            "percent_open": _ratio(c["open_question"], questions),
        },
        "reflections": {
            "simple": c["simple_reflection"],
            "complex": c["complex_reflection"],
            "percent_complex": _ratio(c["complex_reflection"], reflections),
        },
        "reflection_to_question": rq,
        "affirmations": c["affirm"],
        "input": {
            "with_permission": c["advice_with_permission"],
            "without_permission": c["advice_without_permission"],
            "advice": c["advice"],
            "information": c["information"],
        },
        "moves": {
            "directive": c["directive"],
            "autonomy_support": c["autonomy_support"],
            "permission_asks": c["permission_asks"],
        },
        "refusals": {
            "count": refusals,
            "respected": c["refusals_respected"],
            "pressured": c["refusals_pressured"],
            "events": partial.refusals,
        },
        "client_talk": {
            "change": c["change_talk"],
            "sustain": c["sustain_talk"],
            "change_share": _ratio(c["change_talk"], c["change_talk"] + c["sustain_talk"]),
        },
        "fidelity": {
            "reflection_to_question": _level("reflection_to_question", rq),
            "percent_complex_reflections": _level(
                "percent_complex_reflections", _ratio(c["complex_reflection"], reflections)
            ),
            "percent_open_questions": _level(
                "percent_open_questions", _ratio(c["open_question"], questions)
            ),
        },
        "index": power_index(parts),
    }


DYAD = Dyad()
