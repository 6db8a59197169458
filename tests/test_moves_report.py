"""The moves family through analyze() and the JSON contract, validated against the schema."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

from helpers import REPO
from powerlens.analysis import analyze
from powerlens.readers import load
from powerlens.report.json_report import to_dict


def test_moves_report_matches_schema_and_contract(write) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "chat.txt",
        "Dad: Give me your phone. Now.\n"
        "Mia: No, I'm not comfortable with that.\n"
        "Dad: Okay, fair enough. Let's talk about it after dinner.\n"
        "Mia: Sounds good.\n",
    )
    report = to_dict(analyze(load(path), measures=["moves"]))
    schema = json.loads(
        resources.files("powerlens").joinpath("schema/report-1.json").read_text(encoding="utf-8")
    )
    jsonschema.validate(report, schema)
    (conv,) = report["conversations"]
    over = [s for s in conv["signals"] if s["label"] == "power_over"]
    assert [s["subtype"] for s in over] == ["monitoring"]
    assert over[0]["source"] == "rule:acts.directive.command_list+about.device"
    assert over[0]["span"] == [0, 18]  # "Give me your phone"
    assert over[0]["target"] == "Mia"
    assert conv["boundaries"] == [
        {
            "refusal": "chat:2",
            "by": "Mia",
            "response": "respected",
            "response_utterances": ["chat:3"],
            "capitulated": False,
        }
    ]
    assert conv["proposals"] == [
        # the demand counts as Dad's plan too: Mia refused it, and Dad's next plan was taken up
        {
            "utterance_id": "chat:1",
            "by": "Dad",
            "outcome": "rejected",
            "settled_by": "chat:2",
            "kind": "demand",
        },
        {
            "utterance_id": "chat:3",
            "by": "Dad",
            "outcome": "accepted",
            "settled_by": "chat:4",
            "kind": "proposal",
        },
    ]
    assert conv["decision"] == {
        "plan_of": "Dad",
        "evidence": ["chat:3", "chat:4"],
        "settled": "accepted",
    }
    assert conv["speakers"]["Mia"]["boundary_respect_rate"] == 1.0
    assert conv["speakers"]["Dad"]["power_over"] == 1
    assert conv["speakers"]["Dad"]["power_with"] == 1


def test_moves_report_benign_files_read() -> None:
    files = sorted((REPO / "tests" / "data" / "benign").glob("*.txt"))
    assert len(files) >= 15
    assert all(len(load(f)[0].utterances) >= 9 for f in files)
