"""Property (issue 15): any text a format allows survives write -> read with nothing lost."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import powerlens
from format_writers import WRITERS

SPEAKERS = st.sampled_from(["Ann", "Bo", "Cy Park", "Dee O'Neil", "Zoë"])
CHARACTERS = st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp"))
ASCII = st.characters(min_codepoint=32, max_codepoint=126)


def lines(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=1, max_size=30).map(
        lambda t: " ".join(t.split())
    ).filter(bool)


def texts(case: str) -> st.SearchStrategy[str]:
    """Multi-line Unicode text where the format carries line breaks, else one line."""
    _, allows = WRITERS[case]
    line = lines(ASCII if case == "mbox" else CHARACTERS)
    if allows("a\nb"):
        return st.lists(line, min_size=1, max_size=3).map("\n".join)
    return line


@pytest.mark.parametrize("case", sorted(WRITERS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_roundtrip_keeps_every_turn(case: str, data: st.DataObject) -> None:
    write, allows = WRITERS[case]
    turns = data.draw(st.lists(st.tuples(SPEAKERS, texts(case)), min_size=1, max_size=6))
    assume(all(allows(text) for _, text in turns))
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), turns)
        conversations = powerlens.load(path)
    read = [(u.speaker, u.text) for c in conversations for u in c.utterances]
    assert read == turns
    assert sum(c.read_count for c in conversations) == len(turns)
    assert [r for c in conversations for r in c.rejected] == []
