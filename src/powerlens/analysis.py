"""``analyze``: run the measure families over conversations and gather one report.

Each conversation is tokenised once; every measure family maps it, and the finalized
results are merged into the per-speaker table, the signal list, the scores and the
extra sections of that conversation's report.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from powerlens.errors import MissingRequirementError, UsageError
from powerlens.findings import derive
from powerlens.language import tokenize_conversation
from powerlens.measures import REGISTRY, Measure, Options, missing_requirements
from powerlens.model import Conversation, ConversationReport, Report
from powerlens.systemic import systemic_section


def resolve_measures(names: Sequence[str] | None) -> list[Measure[Any]]:
    """The measures to run: all registered ones, or those named (unknown names are an error)."""
    if names is None:
        return list(REGISTRY.values())
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise UsageError(
            f"unknown measure(s): {', '.join(unknown)}.",
            fix=f"choose from: {', '.join(REGISTRY)}",
        )
    return [REGISTRY[n] for n in names]


def analyze_conversation(
    conversation: Conversation,
    measures: Sequence[Measure[Any]],
    options: Options,
    *,
    explicit: bool = False,
    step: Callable[[str], None] | None = None,
) -> ConversationReport:
    """Run ``measures`` on one conversation.

    A measure whose requirements are unmet is skipped with the reason recorded, or, when the
    caller named it explicitly, raises ``MissingRequirementError``. ``step`` (for a progress
    display) is called with each measure's name once it is done or skipped, then with
    ``"findings"``: ``len(measures) + 1`` calls in all.
    """
    with collector_paused():
        return _analyze_conversation(conversation, measures, options, explicit, step)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration (and back on after, if it was on).

    Analysing a long history makes millions of long-lived objects (turns, hits, signals), and
    each full collection walks all of them: on a 64k-message chat the collector took a fifth
    of the run, and found about a hundred objects in cycles at the end. Reference counting
    still frees everything else at once, and the next collection after this takes the cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyze_conversation(
    conversation: Conversation,
    measures: Sequence[Measure[Any]],
    options: Options,
    explicit: bool,
    step: Callable[[str], None] | None,
) -> ConversationReport:
    tokens = tokenize_conversation(conversation)
    report = ConversationReport(
        conversation=conversation,
        speakers={name: {} for name in conversation.speaker_names()},
        signals=[],
        scores={},
        sections={},
        findings=[],
        measures=[],
        skipped={},
    )
    for measure in measures:
        missing = missing_requirements(measure.requires, conversation, options)
        if missing:
            reason = f"needs {', '.join(missing)}"
            if explicit:
                raise MissingRequirementError(
                    f"{measure.name} {reason}, which "
                    f"{conversation.source or conversation.id} lacks.",
                    fix=_requirement_fix(missing),
                )
            report.skipped[measure.name] = reason
            if step is not None:
                step(measure.name)
            continue
        result = measure.finalize(measure.map(conversation, tokens, options))
        for speaker, fields in result.speakers.items():
            report.speakers.setdefault(speaker, {}).update(fields)
        report.signals.extend(result.signals)
        report.scores.update(result.scores)
        report.sections.update(result.sections)
        report.measures.append(measure.name)
        if step is not None:
            step(measure.name)
    if options.declarations:
        report.sections["systemic"] = systemic_section(dict(options.declarations), report.speakers)
    report.findings = derive(report)
    if step is not None:
        step("findings")
    return report


def analyze(
    conversations: Iterable[Conversation],
    *,
    measures: Sequence[str] | None = None,
    options: Options | None = None,
    progress: Callable[[Conversation], None] | None = None,
) -> Report:
    """Analyse conversations with the named measure families (default: all that apply)."""
    chosen = resolve_measures(measures)
    opts = options or Options()
    reports = []
    for conversation in conversations:
        reports.append(
            analyze_conversation(conversation, chosen, opts, explicit=measures is not None)
        )
        if progress is not None:
            progress(conversation)
    return Report(conversations=reports)


def _requirement_fix(missing: list[str]) -> str:
    fixes = {
        "timestamps": "use a format with times (VTT, SRT, timestamped transcript)",
        "reply_to": "pass --reply-to previous to treat each turn as a reply to the one before",
        "helper": "name the helper with --helper NAME",
    }
    return "; ".join(fixes[m] for m in missing)
