"""Accommodation: linguistic style coordination ("Echoes of power").

Danescu-Niculescu-Mizil, Lee, Pang & Kleinberg, "Echoes of power: Language effects and power
differences in social interaction", WWW 2012; computed as ConvoKit's ``Coordination``
transformer computes it, so numbers can be compared one to one.

- An *exchange* is a target utterance and a reply to it by another speaker (``reply_to``, or
  the utterance before when ``reply_to_previous`` is set). Replies to oneself are not counted.
- Coordination of speaker ``s`` towards targets ``T`` on marker ``m`` is
  ``P(s's reply shows m | the target utterance shows m) - P(s's reply shows m)``, counted over
  the exchanges in which ``s`` replies to someone in ``T`` (the targets are pooled, ConvoKit's
  ``focus="speakers"``).
- Thresholds (ConvoKit's defaults): a marker is scored for a speaker only when at least
  ``target`` = 3 of the target utterances show it, the speaker has at least one exchange, and
  (optional) minimum counts per speaker and per (speaker, target) pair are met. A speaker
  with no scored marker is left out.
- Aggregates over the speakers of a group (the paper's three): ``agg1`` averages only speakers
  scored on every marker; ``agg2`` fills a speaker's missing markers with the group's mean for
  that marker (undefined when a marker has no scored speaker); ``agg3`` averages each
  speaker's mean over the markers they have. Per-marker scores average the speakers scored on
  that marker.
- Group comparison: bootstrap confidence intervals resample speakers (seeded); the p-value is a
  two-sided permutation test (seeded) of the difference between the per-speaker means of one
  direction and of the reverse direction (A towards B against B towards A).

Markers are the eight function-word categories of the paper (``lexicons/coordination_
markers.json``; any other set can be passed as a path or a dict). Two matching modes:

- ``"tokens"`` (default): powerlens tokens (Unicode letters, curly apostrophes read as
  straight ones, contractions are one token); a token shows a category when it equals an
  entry, or starts with an entry that ends in ``*``.
- ``"convokit"``: ConvoKit's character scanner reproduced exactly: only ``[a-z0-9_]`` are word
  characters, entries also match the part of a contraction before the apostrophe ("can" in
  "can't"), a word after an apostrophe starts a new match only when the scan of the word
  before it has ended, and prefix entries match anywhere a word starts.

Module layout: ``coordination_markers`` (marker sets and the matcher), ``coordination_columns``
(pair counts, and ``coordinate``: counts and echoes of many conversations at once over
columns, which ``coordination_counts`` and the corpus engine use), ``coordination_scores``
(scores, aggregates, group comparison); this module re-exports them and holds the measure,
whose ``map`` counts one conversation utterance by utterance (the reference the bulk path is
tested against).

Known limits: function words carry style, not content; short utterances show few markers, so
scores need many exchanges to settle (thresholds and intervals say how many there were).
Coordination is a group tendency, never a verdict on one person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from powerlens.language import Tokens
from powerlens.measures.accommodation.columns import (
    ECHO_MIN_MARKERS,
    ECHO_MIN_SHARE,
    MAX_ECHO_SIGNALS,
    Coordinated,
    CoordinationCounts,
    UtteranceColumns,
    combine_counts,
    coordinate,
    count_pairs,
    speaker_counts,
)
from powerlens.measures.accommodation.markers import (
    MarkerMatcher,
    MarkerSet,
    MarkerSpec,
    Mode,
    load_markers,
    mask_matrix,
)
from powerlens.measures.accommodation.scores import (
    SCHEMA,
    Scores,
    Thresholds,
    _unit_means,
    aggregate,
    compare_groups,
    group_label,
    permutation_p,
    scores,
    speaker_groups,
)
from powerlens.measures.accommodation.turns import (
    NO_TURNS,
    UNIT_SEP,
    Turns,
    from_options,
    speaker_of,
)
from powerlens.measures.base import Options
from powerlens.model import Conversation, MeasureResult, Signal

__all__ = [
    "ACCOMMODATION",
    "ECHO_MIN_MARKERS",
    "ECHO_MIN_SHARE",
    "MAX_ECHO_SIGNALS",
    "NO_TURNS",
    "SCHEMA",
    "UNIT_SEP",
    "Accommodation",
    "AccommodationPartial",
    "Coordinated",
    "CoordinationCounts",
    "MarkerMatcher",
    "MarkerSet",
    "MarkerSpec",
    "Mode",
    "Scores",
    "Thresholds",
    "Turns",
    "UtteranceColumns",
    "aggregate",
    "combine_counts",
    "compare_groups",
    "coordinate",
    "coordination_counts",
    "count_pairs",
    "exchanges",
    "group_label",
    "load_markers",
    "mask_matrix",
    "permutation_p",
    "row_means",
    "scores",
    "speaker_groups",
    "speaker_counts",
    "speaker_of",
]


def exchanges(conversation: Conversation, reply_to_previous: bool = False) -> list[tuple[int, int]]:
    """``(reply index, target index)`` pairs of a conversation, replies to oneself included."""
    utterances = conversation.utterances
    if conversation.has_reply_links():
        index = {u.id: i for i, u in enumerate(utterances)}
        return [
            (i, index[u.reply_to])
            for i, u in enumerate(utterances)
            if u.reply_to is not None and u.reply_to in index
        ]
    if reply_to_previous:
        return [(i, i - 1) for i in range(1, len(utterances))]
    return []


def coordination_counts(
    conversations: Iterable[Conversation],
    *,
    markers: MarkerSpec | MarkerSet | MarkerMatcher | None = None,
    mode: Mode = "tokens",
    reply_to_previous: bool = False,
    turns: Turns = NO_TURNS,
) -> CoordinationCounts:
    """Pair counts over many conversations, tagged and counted in bulk over columns, per
    directed pair of units (``turns``: see ``powerlens.measures.accommodation.turns``)."""
    matcher = markers if isinstance(markers, MarkerMatcher) else MarkerMatcher(markers, mode)
    columns = UtteranceColumns()
    for conversation in conversations:
        if conversation.utterances:
            columns.add(conversation, turns)
    return coordinate(
        columns, matcher, reply_to_previous=reply_to_previous, echoes=False, turns=turns
    ).counts


@dataclass
class AccommodationPartial:
    """Pair counts plus the exchanges where a reply echoed most of the target's markers."""

    counts: CoordinationCounts
    echoes: list[Signal] = field(default_factory=list)
    target_threshold: int = Thresholds.target
    """Target utterances showing a marker for it to be scored (``Thresholds.target``)."""


def row_means(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The mean of each row's non-NaN values, as ``row[~np.isnan(row)].mean()`` gives it to
    the last bit (rows sharing a pattern of present values are averaged together; NaN for a
    row with none)."""
    present = ~np.isnan(values)
    out = np.full(len(values), np.nan)
    if not values.size:
        return out
    pattern = present.astype(np.int64) @ (1 << np.arange(values.shape[1], dtype=np.int64))
    for key in set(pattern.tolist()):
        rows = np.flatnonzero(pattern == key)
        columns = np.flatnonzero(present[rows[0]])
        if len(columns):
            out[rows] = np.ascontiguousarray(values[np.ix_(rows, columns)]).mean(axis=1)
    return out


class Accommodation:
    """The accommodation measure family (map / combine / finalize)."""

    name = "accommodation"
    requires: frozenset[str] = frozenset({"reply_to"})

    def __init__(self) -> None:
        self._matchers: dict[tuple[int, str], tuple[object, MarkerMatcher]] = {}

    def clear_caches(self) -> None:
        """Forget the matchers (and the words they tagged) kept between conversations."""
        self._matchers.clear()

    def matcher(self, options: Options) -> MarkerMatcher:
        """The marker matcher of ``options`` (``extra['markers']``, ``extra['marker_mode']``)."""
        spec = options.extra.get("markers")
        mode = options.extra.get("marker_mode", "tokens")
        key = (id(spec), mode)
        if key not in self._matchers:
            self._matchers[key] = (spec, MarkerMatcher(spec, mode))
        return self._matchers[key][1]

    def map(
        self, conversation: Conversation, tokens: Tokens, options: Options
    ) -> AccommodationPartial:
        matcher = self.matcher(options)
        utterances = conversation.utterances
        if matcher.mode == "tokens":
            masks = [matcher.tokens_mask(words) for words in tokens]
        else:
            masks = [matcher.text_mask(u.text) for u in utterances]
        pairs = [
            (i, j)
            for i, j in exchanges(conversation, options.reply_to_previous)
            if utterances[i].speaker != utterances[j].speaker
        ]
        counts = count_pairs(
            matcher.names,
            [utterances[i].speaker for i, _ in pairs],
            [utterances[j].speaker for _, j in pairs],
            [masks[i] for i, _ in pairs],
            [masks[j] for _, j in pairs],
        )
        echoes = []
        for i, j in pairs:
            shown = masks[j]
            echoed = masks[i] & shown
            n_echoed, n_shown = echoed.bit_count(), shown.bit_count()
            if n_echoed >= ECHO_MIN_MARKERS and n_echoed / n_shown >= ECHO_MIN_SHARE:
                reply = utterances[i]
                names = [m for b, m in enumerate(matcher.names) if echoed >> b & 1]
                echoes.append(
                    Signal(
                        utterance_id=reply.id,
                        speaker=reply.speaker,
                        target=utterances[j].speaker,
                        family=self.name,
                        label="echo",
                        span=matcher.first_span(reply.text, echoed),
                        score=n_echoed / n_shown,
                        source="rule:accommodation.echo",
                        subtype="+".join(names),
                    )
                )
        echoes.sort(key=lambda s: -s.score)
        return AccommodationPartial(counts, echoes[:MAX_ECHO_SIGNALS])

    def turns(self, options: Options) -> Turns:
        """The turn and unit choices of ``options`` (``extra['coordination']``)."""
        return from_options(options.extra)

    def combine(self, a: AccommodationPartial, b: AccommodationPartial) -> AccommodationPartial:
        merged = sorted(a.echoes + b.echoes, key=lambda s: -s.score)[:MAX_ECHO_SIGNALS]
        return AccommodationPartial(
            combine_counts(a.counts, b.counts), merged, a.target_threshold
        )

    def finalize(self, partial: AccommodationPartial) -> MeasureResult:
        """Scores per speaker and per dyad (units of a split count under their speaker)."""
        counts = speaker_counts(partial.counts)
        thresholds = Thresholds(target=partial.target_threshold)
        pairs = scores(counts, focus="pairs", thresholds=thresholds)
        markers = counts.markers
        dyads = []
        for unit, row, n, mean in zip(
            pairs.units,
            pairs.values.tolist(),
            pairs.n_exchanges.tolist(),
            row_means(pairs.values).tolist(),
            strict=True,
        ):
            speaker, target = unit.split("\x1f")
            dyads.append(
                {
                    "speaker": speaker,
                    "target": target,
                    "n_exchanges": n,
                    "markers": {
                        m: None if v != v else v for m, v in zip(markers, row, strict=True)
                    },
                    "aggregate": mean,
                }
            )
        speakers: dict[str, dict[str, Any]] = {}
        for key, focus in (
            ("coordination_given", "speakers"),
            ("coordination_received", "targets"),
        ):
            result = scores(counts, focus=focus, thresholds=thresholds)  # type: ignore[arg-type]
            for unit, mean in zip(result.units, _unit_means(result), strict=True):
                speakers.setdefault(unit, {})[key] = float(mean)
        section = {
            "markers": list(counts.markers),
            "thresholds": vars(thresholds).copy(),
            "n_exchanges": counts.n_exchanges,
            "dyads": dyads,
        }
        return MeasureResult(
            speakers=speakers, signals=list(partial.echoes), sections={"accommodation": section}
        )


ACCOMMODATION = Accommodation()
