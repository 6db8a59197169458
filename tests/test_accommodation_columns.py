"""Coordination counted over columns equals the measure's per-utterance map, count for count."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from helpers import conversation
from powerlens.language import tokenize_conversation
from powerlens.measures import Options, fold
from powerlens.measures.accommodation import (
    ACCOMMODATION,
    CoordinationCounts,
    MarkerMatcher,
    UtteranceColumns,
    combine_counts,
    coordinate,
    count_pairs,
    row_means,
)
from powerlens.measures.accommodation.scores import _bootstrap, aggregate, permutation_p
from powerlens.model import Conversation, Utterance

MARKERS = {
    "article": ["the", "a", "an"],
    "aux": ["can", "can't", "don't", "is", "let's"],
    "ppron": ["i", "you", "we", "y'all", "i'm"],
    "quick": ["quick*", "anyth*"],
    "conj": ["and", "but", "so"],
}
TRICKY = [
    "I'm sure we can't, y'all.",
    "Don’t you see? The quick fox… and ‘tis so",
    "'tis the end of it'",
    "İstanbul İs the city; K the Kelvin sign",
    "café and naïve über ΣΟΦΙΑΣ σοφία",
    "ﬁne\u00a0the\u2028and\tyou\nwe\x1cso",
    "",
    "   ",
    "the-the_the a'b ''the'' let's Let’s",
    "quickly, anything! Anyway... QUICK",
    "so.and,but;the:a",
    "9am the 10a.m. the_end snake_case_i",
]


def _utterance(uid: str, speaker: str, text: str, reply: str | None) -> Utterance:
    return Utterance(id=uid, speaker=speaker, text=text, reply_to=reply)


def tricky_conversations(seed: int = 0) -> list[Conversation]:
    """Reply trees with missing targets, self-replies, duplicate ids and tricky text."""
    rng = random.Random(seed)
    out = []
    for c in range(12):
        cast = ["ann", "bob", "cy", "dé"][: rng.randint(1, 4)]
        ids: list[str] = []
        utterances = []
        linked = c % 4 != 3
        for i in range(rng.randint(1, 25)):
            uid = f"c{c}u{i}" if rng.random() > 0.1 or not ids else rng.choice(ids)
            reply = None
            if linked and i:
                reply = rng.choice([*ids, "missing", uid, f"c{c}u{i + 3}"])
            words = [rng.choice(TRICKY) for _ in range(rng.randint(1, 3))]
            utterances.append(_utterance(uid, rng.choice(cast), " ".join(words), reply))
            ids.append(uid)
        out.append(Conversation(id=f"c{c}", utterances=tuple(utterances)))
    return out


def _by_map(convs: list[Conversation], options: Options) -> tuple[Any, list[list[Any]]]:
    partials, echoes = [], []
    for conv in convs:
        partial = ACCOMMODATION.map(conv, tokenize_conversation(conv), options)
        partials.append(partial)
        echoes.append(partial.echoes)
    return fold(ACCOMMODATION, partials).counts, echoes


def _same(a: CoordinationCounts, b: CoordinationCounts) -> None:
    assert a.markers == b.markers and a.speakers == b.speakers and a.targets == b.targets
    for name in ("n", "reply", "target", "both"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert getattr(a, name).shape == getattr(b, name).shape, name


@pytest.mark.parametrize("mode", ["tokens", "convokit"])
@pytest.mark.parametrize("previous", [False, True])
def test_coordination_columns_match_map_on_tricky_text(mode: str, previous: bool) -> None:
    convs = tricky_conversations()
    options = Options(reply_to_previous=previous, extra={"markers": MARKERS, "marker_mode": mode})
    # the measure skips conversations without reply links unless told to reply to the previous
    ran = [c for c in convs if previous or c.has_reply_links()]
    counts, echoes = _by_map(ran, options)
    columns = UtteranceColumns()
    for conv in ran:
        columns.add(conv)
    done = coordinate(columns, MarkerMatcher(MARKERS, mode), reply_to_previous=previous)
    _same(done.counts, counts)
    assert done.echoes == echoes
    assert counts.n_exchanges >= 20 and sum(map(len, echoes)) >= 1


def test_coordination_columns_hand_computed_counts() -> None:
    conv = Conversation(
        id="c",
        utterances=(
            _utterance("1", "A", "the dog", None),
            _utterance("2", "B", "the cat", "1"),  # "1" is C's below (the last with that id)
            _utterance("3", "B", "no", "2"),  # a reply to oneself is no exchange
            _utterance("4", "A", "the end", "9"),  # no utterance "9": no exchange
            _utterance("5", "A", "a cow", "3"),  # A->B: neither shows "the"
            _utterance("1", "C", "hello", None),
            _utterance("7", "B", "the the", "1"),  # B->C: the reply shows "the"
        ),
    )
    columns = UtteranceColumns()
    columns.add(conv)
    done = coordinate(columns, MarkerMatcher({"article": ["the"]}))
    counts = done.counts
    assert counts.speakers == ("A", "B") and counts.targets == ("B", "C")
    assert counts.n.tolist() == [1, 2]
    assert counts.reply.tolist() == [[0], [2]]
    assert counts.target.tolist() == [[0], [0]]
    assert counts.both.tolist() == [[0], [0]]
    by_map = ACCOMMODATION.map(
        conv, tokenize_conversation(conv), Options(extra={"markers": {"article": ["the"]}})
    )
    _same(counts, by_map.counts)


def test_coordination_columns_echo_signal_fields() -> None:
    conv = conversation(
        ("A", "I think the plan is on the table and we can do it all"),
        ("B", "Yes, I think the plan on the table is fine and we can do it"),
        ("A", "the"),
    )
    columns = UtteranceColumns()
    columns.add(conv)
    done = coordinate(columns, MarkerMatcher(), reply_to_previous=True)
    [[echo]] = done.echoes
    assert (echo.utterance_id, echo.speaker, echo.target) == ("u1", "B", "A")
    assert echo.span == (5, 6)  # "I", the first word showing an echoed marker
    assert echo.score == pytest.approx(6 / 7)
    assert echo.subtype.split("+")[0] == "article" and echo.subtype.count("+") == 5
    partial = ACCOMMODATION.map(conv, tokenize_conversation(conv), Options(reply_to_previous=True))
    assert partial.echoes == [echo]


@pytest.mark.parametrize("mode", ["tokens", "convokit"])
def test_coordination_markers_masks_match_text_mask(mode: str) -> None:
    rng = random.Random(1)
    pieces = [*TRICKY, "the", "The", "AND", "can't", "i'm", "quickest", "a\tb", "x\r\ny"]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(400)]
    bulk = MarkerMatcher(MARKERS, mode).masks(texts)
    one = MarkerMatcher(MARKERS, mode)
    assert bulk.tolist() == [one.text_mask(t) for t in texts]
    assert bulk.any()


def test_coordination_markers_whitespace_entry_reads_whole_texts() -> None:
    # ConvoKit's scanner can run across a space when a word after an apostrophe goes on
    markers = {"odd": ["a 'b*"], "article": ["the"]}
    matcher = MarkerMatcher(markers, "convokit")
    assert not matcher.splits_on_whitespace
    texts = ["a 'bc the", "x a 'b", "a", "the b"]
    assert matcher.masks(texts).tolist() == [0b11, 0b01, 0b00, 0b10]


def test_coordination_columns_combine_counts_sorted_sums() -> None:
    a = count_pairs(["m"], ["b", "a", "b"], ["a", "b", "c"], [1, 0, 1], [1, 1, 0])
    b = count_pairs(["m"], ["a", "c"], ["b", "a"], [1, 1], [0, 1])
    merged = combine_counts(a, b)
    assert list(zip(merged.speakers, merged.targets, strict=True)) == [
        ("a", "b"),
        ("b", "a"),
        ("b", "c"),
        ("c", "a"),
    ]
    assert merged.n.tolist() == [2, 1, 1, 1]
    assert merged.reply.tolist() == [[1], [1], [1], [1]]
    assert merged.target.tolist() == [[1], [1], [0], [1]]


def test_coordination_scores_bootstrap_resamples_by_indices() -> None:
    # issue 17: each resample is n row indices drawn with replacement, counted per row; the
    # aggregates equal those computed from the resampled rows themselves, in blocks or not
    values = np.random.default_rng(5).normal(size=(3000, 3))
    values[::7, 1] = np.nan
    values[::11, 2] = np.nan
    got = _bootstrap(values, 1000, np.random.default_rng(11))  # blocks of 333 resamples
    rng = np.random.default_rng(11)
    for b in range(1000):
        rows = values[rng.integers(0, 3000, 3000, dtype=np.int32)]
        expected = aggregate(rows)
        assert got["per_marker"][b] == pytest.approx(expected["per_marker"], rel=1e-9)
        for name in ("agg1", "agg2", "agg3"):
            assert got[name][b] == pytest.approx(expected[name], rel=1e-9), name


def test_coordination_scores_permutation_p_draws_subsets_of_the_smaller_side() -> None:
    # issue 17: a permutation is a uniformly random subset of the smaller side's size; the
    # p-value equals the one from permuting the pooled values with the same draws
    rng = np.random.default_rng(2)
    x, y = rng.normal(0.3, 1, 40), rng.normal(0, 1, 90)
    x[3] = np.nan
    got = permutation_p(x, y, 500, np.random.default_rng(9))
    draws = np.random.default_rng(9)
    xs, ys = x[~np.isnan(x)], y
    pooled = np.concatenate([xs, ys])
    observed = abs(xs.mean() - ys.mean())
    hits = 0
    for _ in range(500):
        chosen = np.zeros(len(pooled), bool)
        chosen[draws.choice(len(pooled), len(xs), replace=False, shuffle=False)] = True
        hits += abs(pooled[chosen].mean() - pooled[~chosen].mean()) >= observed - 1e-12
    assert got == (hits + 1) / 501
    assert got < 0.2


@pytest.mark.parametrize("k", [3, 8, 12])
def test_accommodation_row_means_equal_numpy_row_by_row(k: int) -> None:
    values = np.random.default_rng(k).normal(size=(3000, k))
    values[np.random.default_rng(k + 1).random(values.shape) < 0.3] = np.nan
    got = row_means(values)
    for row, mean in zip(values, got, strict=True):
        present = ~np.isnan(row)
        assert (mean == row[present].mean()) if present.any() else np.isnan(mean)
