"""Fuzz (issue 20): every reader, through the CLI, on mutated real inputs with a fixed seed.

Only exit 0, or exit 2 with a PL code; no case over 20 s or 2 GB of peak memory growth.
``POWERLENS_FUZZ_CASES`` sets the cases per format (default 200); thousands are one command
away: ``python scripts/fuzz_readers.py`` (see its docstring).
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from helpers import REPO

_SCRIPT = REPO / "scripts" / "fuzz_readers.py"
_SPEC = importlib.util.spec_from_file_location("fuzz_readers", _SCRIPT)
assert _SPEC is not None and _SPEC.loader is not None
fuzz_readers = importlib.util.module_from_spec(_SPEC)
sys.modules["fuzz_readers"] = fuzz_readers
_SPEC.loader.exec_module(fuzz_readers)

CASES = int(os.environ.get("POWERLENS_FUZZ_CASES", "200"))


def test_fuzz_covers_every_format() -> None:
    from powerlens.readers import formats

    assert set(fuzz_readers.SEEDS) == set(formats())


@pytest.mark.parametrize("fmt", sorted(fuzz_readers.SEEDS))
def test_fuzz_reader_exits_cleanly(fmt: str) -> None:
    results = fuzz_readers.fuzz(fmt, CASES, seed=0, seconds=20, max_gb=2.0, max_lines=2000)
    failures = [(r.name, r.code, r.detail[-400:]) for r in results if not r.ok]
    assert failures == []
    assert len(results) == CASES
    assert {r.code for r in results} <= {0, 2}
    assert max(r.seconds for r in results) < 20
