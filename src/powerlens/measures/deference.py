"""Deference: the politeness strategies of Danescu-Niculescu-Mizil et al. (ACL 2013).

"A computational approach to politeness with application to social factors" (Danescu-Niculescu-
Mizil, Sudhof, Jurafsky, Leskovec & Potts, 2013) lists the strategies people use to soften or
sharpen a request: gratitude, deference ("great question"), greetings, positive and negative
lexicon, apologising, "please" (inside a sentence or opening it), indirect "by the way", direct
questions and direct starts ("So..."), counterfactual ("could you") and indicative ("can you")
modals, first-person start / singular / plural, second person / second-person start, hedges and
factuality ("in fact"). Each becomes a signal with its character span, and a small logistic
model (``models/politeness.json``, trained by ``scripts/train_politeness.py`` on the Stanford
Politeness Corpus) turns strategies plus word unigrams and bigrams into a politeness score in
[0, 1] per utterance. Per speaker: mean politeness, the share of utterances using each strategy,
hedges and apologies.

Definitions and known limits:
- No dependency parser. Sentence-position strategies use a punctuation sentence splitter;
  the paper's parse-based "Hedges" (a hedge verb with a subject) is folded into the one
  hedge-word strategy, and its "by the way" and "in fact" tests become phrase matches.
- Strategies in reported or quoted speech ("she wrote 'please fix it'") are not counted as the
  speaker's own: the shared ``discount`` check drops them. Gratitude and apologies that are
  negated or hypothetical ("I'm not sorry", "if I said sorry") are dropped too; other
  strategies keep negated matches (a hedge is a hedge in "I don't think so").
- The word lists are compact lists written for this project (see their headers), not the
  Liu & Hu opinion lexicon the paper used.
- The model was trained on two-sentence requests from Wikipedia and Stack Exchange; scores of
  long or non-request utterances (chat, speech) are less reliable. A score is a signal of how
  polite text reads to annotators, never a judgement of a person.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import repeat
from typing import Any

from powerlens.language import Tokens, tokenize
from powerlens.language.prefilter import alternation
from powerlens.language.rules import Rule, discount, find, frames, is_reported, load_rules
from powerlens.lexicons import word_list
from powerlens.measures.base import Options
from powerlens.model import Conversation, MeasureResult, Signal

FAMILY = "deference"
MODEL_NAME = "politeness-lr"

STRATEGIES = (
    "gratitude",
    "deference",
    "greeting",
    "positive_lexicon",
    "negative_lexicon",
    "apologizing",
    "please",
    "please_start",
    "indirect_btw",
    "direct_question",
    "direct_start",
    "counterfactual_modal",
    "indicative_modal",
    "first_person_start",
    "first_person",
    "first_person_plural",
    "second_person",
    "second_person_start",
    "hedges",
    "factuality",
)
"""The strategy labels, in the order the paper's Table 3 presents them (roughly)."""

WORD_LIST_STRATEGIES = {
    "hedges": "politeness/hedges",
    "positive_lexicon": "politeness/positive",
    "negative_lexicon": "politeness/negative",
}
ACTS = frozenset({"gratitude", "apologizing"})
"""Strategies that are acts of the speaker: dropped when negated or hypothetical too."""

TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
SENTENCE_BREAK = re.compile(r"[.!?]|\n")


@dataclass(frozen=True)
class StrategyHit:
    """One politeness strategy found in a text: its label, span and the rule that fired."""

    label: str
    span: tuple[int, int]
    rule: str


def _phrase_pattern(entries: frozenset[str]) -> re.Pattern[str]:
    """One regex matching any entry as whole words (several-word entries as phrases).

    At each position the longest entry that matches wins. Lowercase ASCII entries written
    with single spaces are merged into a trie (``prefilter.alternation``): the same matches as
    the plain longest-first alternation, without trying every entry at every position.
    """
    if all(e.isascii() and e == e.lower() and " ".join(e.split()) == e for e in entries):
        body = alternation(entries, space=r"\s+")
    else:
        alternatives = sorted(entries, key=len, reverse=True)
        body = "|".join(r"\s+".join(re.escape(w) for w in e.split()) for e in alternatives)
    return re.compile(rf"(?<![\w'’])(?:{body})(?![\w'’])", re.IGNORECASE)


@cache
def _word_list_rules() -> tuple[Rule, ...]:
    return tuple(
        Rule(f"{label}.lexicon", label, None, 1.0, _phrase_pattern(word_list(name)))
        for label, name in WORD_LIST_STRATEGIES.items()
    )


@cache
def rules() -> tuple[Rule, ...]:
    """Every strategy rule: the TSV patterns plus one rule per word list."""
    return load_rules("politeness/strategies.tsv") + _word_list_rules()


def sentence_positions(text: str) -> dict[int, int]:
    """Map from each word's start offset to its index within its sentence (0 = first word).

    A sentence ends at ``.``, ``!``, ``?`` or a line break between two words.
    """
    positions: dict[int, int] = {}
    index = 0
    breaks = [m.start() for m in SENTENCE_BREAK.finditer(text)]  # never inside a word
    next_break = 0
    for match in TOKEN.finditer(text):
        start = match.start()
        if next_break < len(breaks) and breaks[next_break] < start:
            index = 0
            while next_break < len(breaks) and breaks[next_break] < start:
                next_break += 1
        positions[start] = index
        index += 1
    return positions


POSITIONAL = frozenset({"start", "inner", "lead2"})
"""Rule subtypes that depend on a word's place in its sentence (``_position_ok``)."""


def _position_ok(position: str | None, index: int | None) -> bool:
    if position == "start":
        return index == 0
    if position == "inner":
        return index is None or index > 0
    if position == "lead2":
        return index is not None and index <= 1
    return True


def strategies(text: str) -> list[StrategyHit]:
    """The politeness strategies in ``text``, each with its span, in text order."""
    positions: dict[int, int] | None = None  # computed for the first positional rule
    may_be_reported: bool | None = None
    hits = []
    for rule, (start, end) in find(rules(), text):
        if rule.subtype in POSITIONAL:
            if positions is None:
                positions = sentence_positions(text)
            if not _position_ok(rule.subtype, positions.get(start)):
                continue
        # Reported speech drops every strategy; negated or hypothetical ones drop only acts.
        if rule.label in ACTS:
            if discount(text, start) is not None:
                continue
        else:
            if may_be_reported is None:
                cues = frames(text)
                may_be_reported = cues.quotes or cues.reporting
            if may_be_reported and is_reported(text, start):
                continue
        hits.append(StrategyHit(rule.label, (start, end), rule.name))
    hits.sort(key=lambda h: (h.span, h.label))
    return hits


def features(
    text: str, hits: list[StrategyHit] | None = None, words: list[str] | None = None
) -> list[str]:
    """The model's feature names for ``text``: strategies, word unigrams and bigrams.

    ``words`` are the text's tokens when already at hand (``tokenize(text)`` otherwise).
    """
    return sorted(_feature_set(text, hits, words))


def _feature_set(text: str, hits: list[StrategyHit] | None, words: list[str] | None) -> set[str]:
    found = strategies(text) if hits is None else hits
    if words is None:
        words = tokenize(text)
    names = {"s:" + h.label for h in found}
    names.update(["w:" + w for w in words])
    names.update([f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)])
    return names


@dataclass(frozen=True)
class PolitenessModel:
    """A logistic model over binary features: P(polite) = sigmoid(bias + sum of weights)."""

    name: str
    bias: float
    weights: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)

    def logit(self, names: list[str]) -> float:
        """The model's log-odds for a set of feature names."""
        return self.bias + sum(map(self.weights.get, names, repeat(0.0)))

    def score(
        self, text: str, hits: list[StrategyHit] | None = None, words: list[str] | None = None
    ) -> float:
        """The politeness score of ``text`` in [0, 1] (0.5 is the model's boundary)."""
        # A feature the model lacks adds 0.0: summing only the known ones, in the same sorted
        # order as ``logit``, gives the same score.
        known = sorted(_feature_set(text, hits, words) & self.weights.keys())
        z = self.bias + sum(map(self.weights.__getitem__, known))
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolitenessModel:
        """Build a model from the JSON structure ``scripts/train_politeness.py`` writes."""
        names, values = data["features"], data["weights"]
        if len(names) != len(values):
            raise ValueError("politeness model: features and weights differ in length")
        return cls(
            name=str(data.get("name", MODEL_NAME)),
            bias=float(data["bias"]),
            weights={str(n): float(v) for n, v in zip(names, values, strict=True)},
            meta={k: v for k, v in data.items() if k not in ("features", "weights", "bias")},
        )


@cache
def load_model() -> PolitenessModel:
    """The shipped politeness model (``powerlens/models/politeness.json``), read once."""
    text = resources.files("powerlens").joinpath("models/politeness.json").read_text("utf-8")
    return PolitenessModel.from_dict(json.loads(text))


@dataclass
class SpeakerTally:
    """Additive politeness counts for one speaker."""

    utterances: int = 0
    score_sum: float = 0.0
    strategy_utterances: dict[str, int] = field(default_factory=dict)
    hedges: int = 0
    apologies: int = 0

    def add(self, other: SpeakerTally) -> None:
        self.utterances += other.utterances
        self.score_sum += other.score_sum
        self.hedges += other.hedges
        self.apologies += other.apologies
        for label, n in other.strategy_utterances.items():
            self.strategy_utterances[label] = self.strategy_utterances.get(label, 0) + n


@dataclass
class DeferencePartial:
    """Politeness counts for one or more conversations, plus the signals behind them."""

    speakers: dict[str, SpeakerTally] = field(default_factory=dict)
    signals: list[Signal] = field(default_factory=list)
    utterances: list[dict[str, Any]] = field(default_factory=list)


REPEATED_LENGTH = 80
"""Messages up to this many characters are scored once per conversation (repeats reuse it)."""


@cache
def _rule_source(rule: str) -> str:
    return f"rule:politeness.{rule}"


class Deference:
    """The deference measure family (map / combine / finalize)."""

    name = FAMILY
    requires: frozenset[str] = frozenset()

    def map(self, conversation: Conversation, tokens: Tokens, options: Options) -> DeferencePartial:
        model = load_model()
        partial = DeferencePartial()
        source = f"model:{model.name}"
        # Chats repeat short messages ("ok", "haha", "love you"): each is scored once.
        seen: dict[str, tuple[list[str], list[StrategyHit], float]] = {}
        for utterance, words in zip(conversation.utterances, tokens, strict=True):
            tally = partial.speakers.setdefault(utterance.speaker, SpeakerTally())
            if not words:
                continue
            text = utterance.text
            known = seen.get(text)
            if known is not None and known[0] == words:
                _, hits, score = known
            else:
                hits = strategies(text)
                score = model.score(text, hits, words)
                if len(text) <= REPEATED_LENGTH:
                    seen[text] = (words, hits, score)
            tally.utterances += 1
            tally.score_sum += score
            for label in {h.label for h in hits}:
                tally.strategy_utterances[label] = tally.strategy_utterances.get(label, 0) + 1
            for hit in hits:
                tally.hedges += hit.label == "hedges"
                tally.apologies += hit.label == "apologizing"
                partial.signals.append(
                    Signal(
                        utterance_id=utterance.id,
                        speaker=utterance.speaker,
                        family=FAMILY,
                        label=hit.label,
                        span=hit.span,
                        score=1.0,
                        source=_rule_source(hit.rule),
                    )
                )
            partial.signals.append(
                Signal(
                    utterance_id=utterance.id,
                    speaker=utterance.speaker,
                    family=FAMILY,
                    label="politeness",
                    span=(0, len(utterance.text)),
                    score=score,
                    source=source,
                )
            )
            partial.utterances.append(
                {"utterance_id": utterance.id, "speaker": utterance.speaker, "politeness": score}
            )
        return partial

    def combine(self, a: DeferencePartial, b: DeferencePartial) -> DeferencePartial:
        merged = DeferencePartial(
            signals=a.signals + b.signals, utterances=a.utterances + b.utterances
        )
        for source in (a, b):
            for name, tally in source.speakers.items():
                merged.speakers.setdefault(name, SpeakerTally()).add(tally)
        return merged

    def finalize(self, partial: DeferencePartial) -> MeasureResult:
        speakers: dict[str, dict[str, Any]] = {}
        for name, t in partial.speakers.items():
            n = t.utterances
            speakers[name] = {
                "politeness_mean": t.score_sum / n if n else None,
                "politeness_utterances": n,
                "politeness_strategies": {
                    label: t.strategy_utterances.get(label, 0) / n for label in STRATEGIES
                }
                if n
                else {},
                "hedges": t.hedges,
                "apologies": t.apologies,
            }
        total = sum(t.utterances for t in partial.speakers.values())
        scores = {}
        if total:
            scores["politeness_mean"] = sum(t.score_sum for t in partial.speakers.values()) / total
        model = load_model()
        section = {
            "model": {"name": model.name, "trained_on": model.meta.get("trained_on", "")},
            "utterances": partial.utterances,
        }
        return MeasureResult(
            speakers=speakers, signals=partial.signals, scores=scores, sections={FAMILY: section}
        )


DEFERENCE = Deference()
