#!/usr/bin/env bash
# The README's test command: install the test dependencies, then run the whole suite
# (which includes ruff and mypy, and the real-data validation floors when ../shared/data exists).
set -euo pipefail
pip install -q -e ".[test]"
python -m pytest
