"""The case file keeps each report as JSON: the stored report renders exactly like a fresh one."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import powerlens
from helpers import EXAMPLES
from powerlens.measures import Options
from powerlens.model import Report
from powerlens.practices import PRACTICES, guide, to_markdown
from powerlens.report.html import (
    chart_section,
    findings_section,
    speaker_table,
    transcript_section,
)
from powerlens.systemic import load_declarations
from powerlens.web import Settings, create_app
from powerlens.web.codec import (
    conversation_from_json,
    conversation_to_json,
    report_from_json,
    report_to_json,
)
from powerlens.web.security import CSP

SECTIONS = (speaker_table, chart_section, findings_section, transcript_section)


def options_for(names: list[str], tmp_path: Path) -> list[Options]:
    declared = tmp_path / "declarations.toml"
    declared.write_text(
        f'[people."{names[0]}"]\nincome_share = 0.7\nmanages_money = true\n'
        f'[people."{names[1]}"]\nincome_share = 0.3\n',
        encoding="utf-8",
    )
    return [
        Options(reply_to_previous=True),
        Options(helper=names[0], reply_to_previous=False),
        Options(reply_to_previous=True, declarations=dict(load_declarations(declared))),
    ]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir()))
def test_web_store_report_round_trip_renders_the_same(example: str, tmp_path: Path) -> None:
    for conversation in powerlens.load(EXAMPLES / example):
        for options in options_for(conversation.speaker_names(), tmp_path):
            fresh = powerlens.analyze([conversation], options=options).conversations[0]
            kept = report_from_json(
                report_to_json(fresh), conversation_from_json(conversation_to_json(conversation))
            )
            assert kept.conversation == conversation
            assert kept.findings == fresh.findings and kept.signals == fresh.signals
            for fmt in ("html", "md", "json", "terminal"):
                assert powerlens.render(Report([kept]), fmt) == powerlens.render(
                    Report([fresh]), fmt
                ), fmt
            for section in SECTIONS:
                assert section(kept) == section(fresh), section.__name__
            for practice in PRACTICES:
                assert to_markdown(guide(practice, kept)) == to_markdown(guide(practice, fresh))


def test_web_unexpected_fault_is_a_short_page_with_the_security_headers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(Settings(data_dir=tmp_path))

    def broken() -> list[object]:
        raise RuntimeError("/secret/path in a message")

    monkeypatch.setattr(app.state.store, "cases", broken)
    client = TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "RuntimeError" in response.text
    assert "/secret/path" not in response.text and "Traceback" not in response.text
    assert response.headers["content-security-policy"] == CSP
