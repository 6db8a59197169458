"""Work per message stays flat as one conversation grows (issue 15): no quadratic step.

Not a timed test. It counts the Python lines each step executes (``sys.settrace`` line and call
events: a loop's every pass is one) for a generated family chat of ``SMALL`` and of ``LARGE``
messages, and asserts that the count per message at ``LARGE`` is at most ``MAX_GROWTH`` times
the count at ``SMALL``. A step that scans the whole conversation for each message (the
issue's ``measures/moves/structures.py``: 1.47x here before the fix) fails. Steps: reading
the export, tokenising, every measure family (with a helper and reply links, so that all
run), the findings, and every report format.

Known limit: work inside one C call (``list.index``, a list built from a range, a regex over
the whole text) is invisible to line counts; ``bench/long_chat.py`` measures time, and its
growth ratio catches what this test cannot.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import pytest

import powerlens
from helpers import REPO
from powerlens.analysis import analyze_conversation, resolve_measures
from powerlens.findings import derive
from powerlens.language import tokenize_conversation
from powerlens.measures import REGISTRY, Options
from powerlens.model import Conversation, Report
from powerlens.report import RENDERERS, render

SMALL, LARGE = 250, 2000
MAX_GROWTH = 1.25
"""Largest allowed ratio of work per message at ``LARGE`` to that at ``SMALL``."""


def chat_history() -> ModuleType:
    """``bench/chat_history.py``, the benchmark's generator of realistic long chats."""
    spec = importlib.util.spec_from_file_location("chat_history", REPO / "bench" / "chat_history.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def line_events(work: Callable[[], Any]) -> int:
    """The number of Python lines (and calls) ``work`` executes."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return trace

    sys.settrace(trace)
    try:
        work()
    finally:
        sys.settrace(None)
    return count


def work_per_message(path: Path) -> dict[str, float]:
    """Line events per message of each step of ``analyze`` on one export."""
    counts: dict[str, int] = {}
    loaded: list[Conversation] = []
    counts["read"] = line_events(lambda: loaded.extend(powerlens.load(path)))
    [conversation] = loaded
    options = Options(helper=conversation.utterances[0].speaker, reply_to_previous=True)
    counts["tokenize"] = line_events(lambda: tokenize_conversation(conversation))
    tokens = tokenize_conversation(conversation)
    for name, measure in REGISTRY.items():
        counts[name] = line_events(
            lambda m=measure: m.finalize(m.map(conversation, tokens, options))  # type: ignore[misc]
        )
    report = analyze_conversation(conversation, resolve_measures(None), options)
    assert not report.skipped, report.skipped  # every family ran
    counts["findings"] = line_events(lambda: derive(report))
    for format in RENDERERS:
        counts[f"render {format}"] = line_events(
            lambda f=format: render(Report([report]), f)  # type: ignore[misc]
        )
    return {step: n / len(conversation.utterances) for step, n in counts.items()}


@pytest.fixture(scope="module")
def growth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[float, float]]:
    generator = chat_history()
    folder = tmp_path_factory.mktemp("long_chat")
    # warm-up: rules and models are compiled on first use, once per process
    warm = generator.write_export(folder / "warm.txt", 60, "family", 1)
    analyze_conversation(powerlens.load(warm)[0], resolve_measures(None), Options(helper="Mum"))
    small, large = (
        work_per_message(generator.write_export(folder / f"family-{n}.txt", n, "family"))
        for n in (SMALL, LARGE)
    )
    return {step: (small[step], large[step]) for step in small}


def test_scaling_work_per_message_is_flat_for_every_step(
    growth: dict[str, tuple[float, float]],
) -> None:
    assert {"read", "findings", *REGISTRY, *(f"render {f}" for f in RENDERERS)} <= set(growth)
    grew = {
        step: f"{large / small:.2f}x ({small:.0f} -> {large:.0f} lines per message)"
        for step, (small, large) in growth.items()
        if large > MAX_GROWTH * small
    }
    assert not grew, f"work per message grows with the length of the chat: {grew}"


def test_scaling_line_events_see_a_quadratic_loop() -> None:
    # the check itself: a loop over everything before each item grows with the length
    def quadratic(n: int) -> None:
        seen: list[int] = []
        for i in range(n):
            if any(j == -1 for j in seen):
                break
            seen.append(i)

    small = line_events(lambda: quadratic(SMALL)) / SMALL
    large = line_events(lambda: quadratic(LARGE)) / LARGE
    assert large > MAX_GROWTH * small


def test_repeated_texts_share_one_token_list() -> None:
    """Tokenising a chat tokenises each distinct text once: repeats share the list."""
    from powerlens.language import tokenize

    calls = 0

    def counting(text: str) -> list[str]:
        nonlocal calls
        calls += 1
        return tokenize(text)

    texts = ["ok", "love you", "ok", "Ok", "love you", "ok"]
    module = importlib.import_module("powerlens.language.tokenize")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "tokenize", counting)
        tokens = module.tokenize_conversation(texts)
    assert tokens == [["ok"], ["love", "you"], ["ok"], ["ok"], ["love", "you"], ["ok"]]
    assert calls == 3
    assert tokens[0] is tokens[2] is tokens[5] and tokens[0] is not tokens[3]


def test_analysis_pauses_the_collector_and_restores_it() -> None:
    """The cyclic collector is off while a conversation is analysed, and back on after."""
    import gc

    from powerlens.analysis import collector_paused

    seen: list[bool] = []
    with collector_paused():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # (left as the caller had it)
    finally:
        gc.enable()
