"""Names from the data (speakers, groups, columns, contexts) print as written in every terminal table:
never read as rich markup, never able to steer the terminal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from powerlens.commands.corpus import coordination_table
from powerlens.commands.corpus_run import compare_table
from powerlens.commands.profile import print_profile
from powerlens.profiles import ContextProfile, Profile

HOSTILE = "[bold red]x[/] \x1b]0;title\x07\u202egroup"


def _render(table: Table) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None).print(table)
    return buffer.getvalue()


def test_compare_table_prints_group_labels_as_written() -> None:
    result: dict[str, Any] = {
        "group": "[role]",
        "groups": [HOSTILE, "plain"],
        "columns": [
            {
                "column": "[/]share",
                "groups": {HOSTILE: {"mean": 0.5, "ci": [0.4, 0.6], "n": 3}, "plain": None},
                "difference": None,
            }
        ],
    }
    text = _render(compare_table(result))
    assert "[bold red]x[/]" in text and "[/]share" in text and "[role]" in text
    assert "\x1b" not in text and "\u202e" not in text


def test_coordination_table_prints_group_labels_as_written() -> None:
    marker = {"score": 0.01, "ci": [0.0, 0.02]}
    result: dict[str, Any] = {
        "group_field": "[is_justice]",
        "thresholds": {"target": 3},
        "turns": {"unit": "[b]speaker", "boundaries": ["[/]"]},
        "n_bootstrap": 10,
        "n_permutations": 10,
        "markers": ["article"],
        "directed": [
            {
                "speakers": HOSTILE,
                "targets": "[/x]",
                "markers": {"article": marker},
                "aggregate_ci": {name: None for name in ("agg1", "agg2", "agg3")},
                "aggregate": {name: 0.01 for name in ("agg1", "agg2", "agg3")},
                "n_exchanges": 4,
                "n_speakers": 2,
                "p_value": None,
            }
        ],
    }
    text = _render(coordination_table(result))
    assert "[bold red]x[/]" in text and "[/x]" in text and "[is_justice]" in text
    assert "[b]speaker" in text
    assert "\x1b" not in text


def test_profile_prints_person_and_contexts_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    contexts = [ContextProfile(HOSTILE, 2, {"talk_share": 0.5}), ContextProfile("[/]", 1, {})]
    print_profile(Profile("[b]Sam\x1b[2J", contexts, [f"{HOSTILE} differs"]))
    text = capsys.readouterr().out
    assert "[b]Sam" in text and "[bold red]x[/]" in text and "[/] (1)" in text
    assert "\x1b" not in text and "\u202e" not in text
