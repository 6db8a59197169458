"""Reading budgets (issue 20): nesting, sizes, rows and headers bounded before the work."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import powerlens
from powerlens.cli import app
from powerlens.errors import InputError, UsageError
from powerlens.readers import budgets
from powerlens.readers.jsondoc import profile, too_deep, value_depth

runner = CliRunner()


def nested(depth: int) -> str:
    return "[" * (depth - 1) + "1" + "]" * (depth - 1)


def test_budgets_parse_and_name_the_option() -> None:
    chosen = budgets.parse(["depth=200", "input-mb=1024", "utterance-chars=1_000_000"])
    assert (chosen.depth, chosen.input_bytes, chosen.utterance_chars) == (
        200, 1024 * 2**20, 1_000_000,
    )
    for bad in (["depth"], ["depth=x"], ["colour=3"], ["depth=0"], ["depth=-1"]):
        with pytest.raises(UsageError):
            budgets.parse(bad)
    with budgets.limits(depth=9):
        assert budgets.current().depth == 9
        assert "--limit depth=" in budgets.raise_with("depth", 12)
    assert budgets.current() == budgets.DEFAULTS


def test_depth_profile_skips_strings_and_escapes() -> None:
    data = b'{"a": "[[[[\\"[[", "b": [[{"c": "\\\\"}]]}'
    assert profile(data).max_depth == 4
    assert too_deep(nested(100)) == (99, 64)
    assert too_deep('{"text": "' + "[" * 500 + '"}') is None
    assert value_depth(json.loads(nested(50))) == 49


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(depth=st.integers(1, 3000), limit=st.integers(1, 200))
def test_property_jsonl_nesting_is_rejected_exactly_past_the_limit(
    tmp_path: Path, depth: int, limit: int
) -> None:
    path = tmp_path / "rows.jsonl"
    row = '{"speaker": "A", "text": "hi", "meta": {"x": ' + nested(depth) + "}}"
    path.write_text('{"speaker": "B", "text": "ok"}\n' + row + "\n", encoding="utf-8")
    with budgets.limits(depth=limit):
        [conv] = powerlens.load(path)
    total = depth + 1 if depth > 1 else 2  # the row object, "meta", then the arrays
    if total > limit:
        assert len(conv.utterances) == 1
        assert conv.rejected[0].reason.startswith("[PL115] JSON nested")
    else:
        assert len(conv.utterances) == 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(depth=st.integers(1, 2000), limit=st.integers(3, 200))
def test_property_whole_file_nesting_is_an_error_past_the_limit(
    tmp_path: Path, depth: int, limit: int
) -> None:
    path = tmp_path / "result.json"
    message = {"id": 1, "type": "message", "date_unixtime": "1", "from": "A", "text": "hi"}
    data = json.dumps({"name": "C", "type": "personal_chat", "messages": [message]})
    path.write_text(data[:-1] + ', "extra": ' + nested(depth) + "}", encoding="utf-8")
    with budgets.limits(depth=limit):
        if depth > limit:
            with pytest.raises(InputError) as caught:
                powerlens.load(path, format="telegram")
            assert caught.value.code == "PL115"
        else:
            [conv] = powerlens.load(path, format="telegram")
            assert [u.text for u in conv.utterances] == ["hi"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 3000), limit=st.integers(1, 3000))
def test_property_utterance_characters_are_bounded_in_every_reader(
    tmp_path: Path, size: int, limit: int
) -> None:
    plain = tmp_path / "chat.txt"
    plain.write_text(f"Ann: hello\nBo: {'x' * size}\n", encoding="utf-8")
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps({"speaker": "A", "text": "hello"}) + "\n"
        + json.dumps({"speaker": "B", "text": "x" * size}) + "\n",
        encoding="utf-8",
    )
    with budgets.limits(utterance_chars=max(limit, 5)):
        for path in (plain, rows):
            [conv] = powerlens.load(path)
            kept = size <= max(limit, 5)
            assert len(conv.utterances) == (2 if kept else 1)
            assert conv.read_count == 2
            if not kept:
                assert conv.rejected[-1].reason.startswith(f"[PL113] utterance has {size:,}")


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_no_recursion_error_in_any_json_reader(tmp_path: Path, depth: int) -> None:
    """Issue 20: JSONL, ConvoKit and Slack raised RecursionError on deep JSON."""
    deep = nested(depth)
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text('{"speaker": "A", "text": "x"}\n{"speaker": ' + deep + "}\n" + deep + "\n")
    [conv] = powerlens.load(jsonl)
    assert [r.reason[:15] for r in conv.rejected] == ["[PL115] JSON ne"] * 2
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "utterances.jsonl").write_text('{"id": "1", "speaker": "s", "text": "x"}\n')
    (corpus / "speakers.json").write_text('{"s": ' + deep + "}")
    with pytest.raises(InputError) as caught:
        powerlens.load(corpus)
    assert caught.value.code == "PL115"
    channel = tmp_path / "slack" / "general"
    channel.mkdir(parents=True)
    (channel / "2024-01-01.json").write_text('[{"user": "U1", "ts": "1", "text": ' + deep + "}]")
    with pytest.raises(InputError) as caught:
        powerlens.load(channel)
    assert caught.value.code == "PL115"
    csv = tmp_path / "rows.csv"
    csv.write_text(f"speaker,text,meta.x\nA,hi,\"{deep}\"\n")
    if depth < 100_000:
        [conv] = powerlens.load(csv)
        assert conv.utterances[0].meta["x"] == deep  # kept as text, not parsed
    else:  # over the csv module's own field limit: a rejected row, a clean error
        with pytest.raises(InputError) as caught:
            powerlens.load(csv)
        assert caught.value.code == "PL122"


def test_parquet_bomb_is_refused_before_the_strings_are_built(tmp_path: Path) -> None:
    """Issue 20: a 1.4 KB Parquet file expanding to 32 MiB ran for minutes."""
    path = tmp_path / "bomb.parquet"
    rows = 4096
    table = pa.table({
        "speaker": pa.array(["A"] * rows),
        "text": pa.DictionaryArray.from_arrays(
            pa.array([0] * rows, type=pa.int32()), pa.array(["x" * 65536])
        ),
    })
    pq.write_table(table, path, compression="zstd")
    assert path.stat().st_size < 20_000
    started = time.perf_counter()
    with budgets.limits(decompressed_mb=32), pytest.raises(InputError) as caught:
        powerlens.load(path)
    assert caught.value.code == "PL108"
    assert time.perf_counter() - started < 5  # refused from the dictionary sizes, not built
    with budgets.limits(rows=100), pytest.raises(InputError) as caught:
        powerlens.load(path)
    assert caught.value.code == "PL109"


def test_long_email_header_is_rejected_before_parsing(tmp_path: Path) -> None:
    """Issue 20: a 1 MB From header cost the address parser 80 s."""
    path = tmp_path / "m.mbox"
    long_from = "From: " + "a" * 1_000_000 + "\n"
    good = "From: Ann <ann@example.org>\nSubject: plan\nMessage-ID: <1@x>\n\nShall we go?\n"
    path.write_text(
        "From x@y Mon Jan  1 10:00:00 2024\n" + long_from + "Subject: hi\n\nbody\n"
        "From x@y Mon Jan  1 10:05:00 2024\n" + good,
        encoding="utf-8",
    )
    started = time.perf_counter()
    [conv] = powerlens.load(path)
    assert time.perf_counter() - started < 5
    assert [u.text for u in conv.utterances] == ["Shall we go?"]
    assert conv.rejected[0].reason.startswith("[PL114] header From has 1,000,000 characters")


def test_cli_total_input_limit_is_early_and_names_the_option(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("Ann: hi\nBo: yo\n" * 100_000, encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(path), "--limit", "input-mb=0.5"])
    assert result.exit_code == 2
    assert "PL107" in result.stderr and "--limit input-mb=" in result.stderr
    result = runner.invoke(app, ["analyze", str(path), "--limit", "depth=x"])
    assert result.exit_code == 2 and "PL200" in result.stderr


def test_cli_limit_raises_a_budget(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("Ann: hello there\nBo: " + "word " * 30_000 + "\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 0
    [conversation] = json.loads(result.stdout)["conversations"]
    assert conversation["counts"]["read"] == 2 and conversation["counts"]["analysed"] == 1
    result = runner.invoke(
        app, ["analyze", str(path), "--format", "json", "--limit", "utterance-chars=200000"]
    )
    [conversation] = json.loads(result.stdout)["conversations"]
    assert conversation["counts"]["analysed"] == 2
