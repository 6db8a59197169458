"""Coordination ("Echoes of power") on hand-computed values."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from helpers import conversation
from powerlens.analysis import analyze_conversation
from powerlens.cli import app
from powerlens.corpus import coordination as corpus_coordination
from powerlens.measures import REGISTRY, Options
from powerlens.measures.accommodation import (
    ACCOMMODATION,
    MarkerMatcher,
    Thresholds,
    aggregate,
    combine_counts,
    compare_groups,
    coordination_counts,
    count_pairs,
    load_markers,
    scores,
)
from powerlens.model import Conversation, Speaker, Utterance

# one marker, "the": A's utterances are targets, B replies (reply_to = previous)
# exchanges B->A: (target shows, reply shows) = (1,1) (1,1) (1,0) (0,0) (0,1)
# P(reply | target) = 2/3, P(reply) = 3/5  => coordination = 2/3 - 3/5 = 1/15
TURNS = [
    ("A", "the dog"),
    ("B", "the cat"),
    ("A", "the bird"),
    ("B", "the cow"),
    ("A", "the fish"),
    ("B", "no"),
    ("A", "hello"),
    ("B", "ok"),
    ("A", "hi"),
    ("B", "the end"),
]
ONE = {"article": ["the"]}


def test_accommodation_hand_computed_one_marker() -> None:
    counts = coordination_counts([conversation(*TURNS)], markers=ONE, reply_to_previous=True)
    b = scores(counts, speakers=["B"], targets=["A"]).as_dict()
    assert b["B"]["article"] == pytest.approx(2 / 3 - 3 / 5)
    # A replies to B four times: targets (B) show "the" in 3 (cat, cow, no->0...): B's utts
    # before A's replies are u1 (the), u3 (the), u5 (no), u7 (ok); A's replies u2 (the),
    # u4 (the), u6 (no), u8 (no): P(r|t) = 2/2, P(r) = 2/4 -> only 2 targets show it (< 3)
    assert "A" not in scores(counts, speakers=["A"], targets=["B"]).as_dict()
    relaxed = scores(counts, speakers=["A"], thresholds=Thresholds(target=2)).as_dict()
    assert relaxed["A"]["article"] == pytest.approx(1 - 2 / 4)


def test_accommodation_user_marker_dict_and_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    markers = {"greeting": ["hello", "hi*"], "article": ["the"]}
    matcher = MarkerMatcher(markers)
    assert matcher.names == ("greeting", "article")
    assert matcher.text_mask("Hiya, the world") == 0b11
    assert matcher.text_mask("hello") == 0b01
    path = tmp_path / "m.tsv"
    path.write_text("# mine\ngreeting\thello\narticle\tthe\n", encoding="utf-8")
    assert load_markers(path).as_dict() == {"greeting": ["hello"], "article": ["the"]}
    shipped = load_markers()
    assert shipped.names == (
        "article",
        "auxverb",
        "conj",
        "adverb",
        "ipron",
        "ppron",
        "preps",
        "quant",
    )
    assert "the" in shipped.as_dict()["article"]


def test_accommodation_convokit_mode_contractions() -> None:
    markers = {"aux": ["can", "can't"], "quant": ["all"], "pre": ["anyth*"], "pron": ["i"]}
    tokens = MarkerMatcher(markers, "tokens")
    ck = MarkerMatcher(markers, "convokit")
    # ConvoKit also matches the part before an apostrophe ("i" in "i'm") ...
    assert ck.text_mask("I'm here") == 0b1000
    assert tokens.text_mask("I'm here") == 0
    # ... and a word after an apostrophe once the scan before it has ended ("y'all")
    assert ck.text_mask("y'all") == 0b0010
    assert tokens.text_mask("y'all") == 0
    assert ck.text_mask("Anything?") == tokens.text_mask("Anything?") == 0b0100
    assert ck.text_mask("can't") == tokens.text_mask("can't") == 0b0001
    # non-ASCII letters are word boundaries for ConvoKit, not for powerlens tokens
    assert ck.text_mask("éall") == 0b0010
    assert tokens.text_mask("éall") == 0


def test_accommodation_thresholds_per_pair() -> None:
    counts = count_pairs(
        ["m"],
        ["s", "s", "s", "s"],
        ["t1", "t1", "t1", "t2"],
        [1, 1, 0, 1],
        [1, 1, 1, 1],
    )
    # pooled: P(r|t) = 3/4, P(r) = 3/4 -> 0 (4 targets show m)
    assert scores(counts, thresholds=Thresholds(target=1)).as_dict()["s"]["m"] == 0.0
    # the pair (s, t2) has 1 exchange: dropped by exchanges_pair=2 -> t1 only: 2/3 - 2/3
    pair = scores(counts, thresholds=Thresholds(target=1, exchanges_pair=2)).as_dict()
    assert pair["s"]["m"] == pytest.approx(0.0)
    assert scores(counts, thresholds=Thresholds(target=5)).units == ()
    dyads = scores(counts, focus="pairs", thresholds=Thresholds(target=1)).as_dict()
    assert dyads["s\x1ft1"]["m"] == pytest.approx(2 / 3 - 2 / 3)


def test_accommodation_combine_is_associative() -> None:
    convs = [
        conversation(*TURNS),
        conversation(("A", "the a"), ("C", "the"), ("A", "a"), ("C", "an the")),
        conversation(("C", "the"), ("B", "a the"), ("C", "the")),
    ]
    parts = [coordination_counts([c], reply_to_previous=True) for c in convs]
    left = combine_counts(combine_counts(parts[0], parts[1]), parts[2])
    right = combine_counts(parts[0], combine_counts(parts[1], parts[2]))
    whole = coordination_counts(convs, reply_to_previous=True)
    for merged in (left, right):
        assert merged.speakers == whole.speakers and merged.targets == whole.targets
        for name in ("n", "reply", "target", "both"):
            assert np.array_equal(getattr(merged, name), getattr(whole, name))


def test_accommodation_aggregates_match_the_paper_definitions() -> None:
    nan = np.nan
    values = np.array([[0.1, 0.3], [0.2, nan]])
    agg = aggregate(values)
    assert agg["agg1"] == pytest.approx(0.2)  # only the complete row
    assert agg["agg3"] == pytest.approx((0.2 + 0.2) / 2)
    # agg2 fills the missing marker with its group mean 0.3: row 2 -> (0.2 + 0.3) / 2
    assert agg["agg2"] == pytest.approx((0.2 + 0.25) / 2)
    assert agg["per_marker"] == pytest.approx([0.15, 0.3])


def group_corpus() -> list[Conversation]:
    speakers = {"J": Speaker("J", {"is_justice": True}), "L": Speaker("L", {"is_justice": False})}
    text = ["the a of", "the of", "and the", "a of to", "the", "of a"]
    utterances = tuple(
        Utterance(id=f"u{i}", speaker="J" if i % 2 == 0 else "L", text=t)
        for i, t in enumerate(text * 3)
    )
    return [Conversation(id="c", utterances=utterances, speakers=speakers)]


def test_accommodation_compare_groups_is_seeded() -> None:
    counts = coordination_counts(group_corpus(), reply_to_previous=True)
    groups = {"J": True, "L": False}
    one = compare_groups(counts, groups, n_bootstrap=50, n_permutations=50, seed=3)
    two = compare_groups(counts, groups, n_bootstrap=50, n_permutations=50, seed=3)
    assert one == two
    pairs = [(e["speakers"], e["targets"]) for e in one["directed"]]
    assert pairs == [("false", "false"), ("false", "true"), ("true", "false"), ("true", "true")]


def test_accommodation_cli_json_shape(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(corpus_coordination, "load", lambda path: group_corpus())
    result = CliRunner().invoke(
        app,
        [
            "corpus",
            "coordination",
            "x.jsonl",
            "--group-field",
            "is_justice",
            "--format",
            "json",
            "--reply-to",
            "previous",
            "--bootstrap",
            "20",
            "--seed",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["schema"] == "powerlens.coordination/1"
    entry = next(e for e in data["directed"] if (e["speakers"], e["targets"]) == ("false", "true"))
    assert entry["n_exchanges"] == 9
    assert set(entry["aggregate"]) == {"agg1", "agg2", "agg3"}
    assert set(entry["markers"]["article"]) >= {"score", "ci"}
    assert "p_value" in entry


def test_accommodation_cli_says_reply_links_are_missing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(corpus_coordination, "load", lambda path: group_corpus())
    result = CliRunner().invoke(
        app, ["corpus", "coordination", "x.jsonl", "--group-field", "is_justice"]
    )
    assert result.exit_code == 2
    assert "coordination needs reply_to; this file has none" in result.output
    assert "--reply-to previous" in result.output


def test_accommodation_measure_sections_and_signals() -> None:
    assert REGISTRY["accommodation"] is ACCOMMODATION
    conv = conversation(
        ("A", "I think the plan is on the table and we can do it all"),
        ("B", "Yes, I think the plan on the table is fine and we can do it"),
        *TURNS,
    )
    report = analyze_conversation(conv, [ACCOMMODATION], Options(reply_to_previous=True))
    section = report.sections["accommodation"]
    assert section["n_exchanges"] == 11
    echo = report.signals[0]
    assert (echo.utterance_id, echo.label, echo.source) == ("u1", "echo", "rule:accommodation.echo")
    assert echo.span == (5, 6) and echo.target == "A"
    assert echo.score == pytest.approx(6 / 7)  # 6 of the 7 categories A used
    skipped = analyze_conversation(conversation(*TURNS), [ACCOMMODATION], Options())
    assert skipped.skipped == {"accommodation": "needs reply_to"}
