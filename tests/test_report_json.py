"""The JSON report contract: shape, schema validity and stability."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

import powerlens
from helpers import EXAMPLES
from powerlens.report.json_report import SCHEMA


def schema() -> dict:  # type: ignore[type-arg]
    return json.loads(resources.files("powerlens").joinpath("schema/report-1.json").read_text())


def example_report() -> dict:  # type: ignore[type-arg]
    conversations = powerlens.load(EXAMPLES / "couple_disagreement.txt", context=["family"])
    return json.loads(powerlens.render(powerlens.analyze(conversations), "json"))


def test_report_json_validates_against_schema() -> None:
    jsonschema.validate(example_report(), schema())


def test_report_json_core_fields() -> None:
    data = example_report()
    assert data["schema"] == SCHEMA == "powerlens.report/1"
    [conv] = data["conversations"]
    assert conv["context"] == ["family"]
    assert conv["counts"] == {
        "read": 14,
        "analysed": 13,
        "rejected": [{"line": 1, "reason": "header line before the first utterance"}],
    }
    first = conv["utterances"][0]
    assert set(first) == {"id", "index", "speaker", "text", "start", "end", "reply_to"}
    assert (first["index"], first["speaker"], first["start"]) == (0, "Alex", 2.0)
    required = {
        "words",
        "turns",
        "word_share",
        "seconds",
        "time_share",
        "longest_monologue_words",
        "interruptions_made",
        "interruptions_received",
        "questions_asked",
        "questions_answered",
    }
    assert required <= set(conv["speakers"]["Jo"])
    for key in ("signals", "scores", "findings"):
        assert key in conv


def test_report_json_signal_spans_index_into_text() -> None:
    data = example_report()
    [conv] = data["conversations"]
    texts = {u["id"]: u["text"] for u in conv["utterances"]}
    assert conv["signals"], "the example has at least one interruption"
    for signal in conv["signals"]:
        start, end = signal["span"]
        assert 0 <= start <= end <= len(texts[signal["utterance_id"]])


def test_report_json_several_files_give_several_conversations(write) -> None:  # type: ignore[no-untyped-def]
    a = powerlens.load(write("a.txt", "Ann: hi\nBen: hello\n"))
    b = powerlens.load(write("b.txt", "Cy: yo\n"))
    data = json.loads(powerlens.render(powerlens.analyze(a + b), "json"))
    assert [c["id"] for c in data["conversations"]] == ["a", "b"]
    jsonschema.validate(data, schema())
