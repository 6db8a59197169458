"""The streamed JSON writer gives exactly the standard library's text (issue 15).

``json_report.write`` encodes the long lists one element at a time with orjson and falls back
to ``json`` wherever the two could differ; these tests hold its text to
``json.dumps(_clean(to_dict(report)), ensure_ascii=False, indent=2)`` on values chosen to
differ.
"""

from __future__ import annotations

import io
import json
import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

import powerlens
from helpers import EXAMPLES, conversation
from powerlens.model import ConversationReport, Report, Signal
from powerlens.report import json_report, write


def reference(report: Report) -> str:
    return json.dumps(
        json_report._clean(json_report.to_dict(report)), ensure_ascii=False, indent=2
    )


def report_with(section: object, n_signals: int = 3) -> Report:
    conv = conversation(*[("A" if i % 2 else "B", f"turn {i} \u2028 \ud83d\ude00") for i in range(40)])
    signals = [
        Signal(f"u{i % 40}", "A", "talk", "x", (0, 3), 1 / (i + 1) ** 5, "rule:t", None, None)
        for i in range(n_signals)
    ]
    return Report(
        [
            ConversationReport(
                conversation=conv,
                speakers={"A": {"n": 1}, "B": {}},
                signals=signals,
                scores={"tiny": 1e-7, "nan": math.nan, "inf": -math.inf},
                sections={"extra": section},
                findings=[],
                measures=["talk"],
                skipped={},
            )
        ]
    )


TRICKY = {
    "small": [1e-05, 1.5e-07, 0.0001, 5e-324, -2.5e-05],
    "large": [1e16, 1.2345678901234568e17, 2**63, 2**64 + 1, -(2**70)],
    "not_finite": [math.nan, math.inf, -math.inf],
    "keys": {3: "int key", 2.5: "float key", True: "bool key", None: "none key"},
    "surrogate": "lone \ud800 surrogate",
    "counter": Counter({"a": 2, "b": 1}),
    "tuple": (1, (2, 3)),
    "text_like_numbers": "0.00001 and 3e-5 in a string",
    "empty": [[], {}, [[]], {"a": {}}],
    "long": [{"i": i, "v": i / 7} for i in range(100)],
    "nested": {"a": {"b": {"c": {"d": [1e-9, {"e": 2**65}]}}}},
}


def test_report_json_write_matches_json_dumps_on_tricky_values() -> None:
    for n_signals in (0, 3, 100):
        report = report_with(TRICKY, n_signals)
        assert json_report.render(report) == reference(report)


def test_report_json_write_matches_json_dumps_on_examples() -> None:
    for path in sorted(EXAMPLES.iterdir()):
        report = powerlens.analyze(powerlens.load(path))
        assert json_report.render(report) == reference(report)
    assert json_report.render(Report([])) == reference(Report([]))


def test_report_write_ends_with_a_newline_only_when_asked() -> None:
    report = report_with({"a": 1})
    for format in ("json", "md", "terminal"):
        plain, ended = io.StringIO(), io.StringIO()
        write(report, format, plain)
        write(report, format, ended, newline=True)
        assert plain.getvalue() == powerlens.render(report, format)
        assert ended.getvalue().rstrip("\n") == plain.getvalue().rstrip("\n")
        assert ended.getvalue().endswith("\n")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: st.lists(children, max_size=40)
    | st.dictionaries(st.text(max_size=5) | st.integers(), children, max_size=6),
    max_leaves=60,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_report_json_write_matches_json_dumps_on_any_value(value: object) -> None:
    report = report_with(value)
    assert json_report.render(report) == reference(report)
