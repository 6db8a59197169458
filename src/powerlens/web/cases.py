"""Cases as the pages see them: the case number in an address, and stored reports, parsed.

A case number is checked before it reaches SQLite (whose integers stop at 2**63 - 1: a
30-digit number raised ``OverflowError``, a 500). Reports are stored as JSON with the case
(``codec``); ``Reports`` parses one on first use and keeps the last few.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from powerlens.model import ConversationReport
from powerlens.web.codec import conversation_from_json, report_from_json
from powerlens.web.store import CaseStore

CASE_ID = re.compile(r"[1-9][0-9]{0,17}")
"""A case number as it may appear in an address (SQLite integers stop at 2**63 - 1)."""


def case_number(text: str) -> int | None:
    """The case id in an address, or None when it cannot be one."""
    return int(text) if CASE_ID.fullmatch(text) else None


def count(text: str) -> int:
    """A small count from a query parameter (0 when absent or not a number)."""
    return int(text) if text.isdigit() and len(text) < 7 else 0


class Reports:
    """The stored reports of cases, parsed on first use and kept in a small cache."""

    def __init__(self, store: CaseStore, size: int = 16) -> None:
        self.store, self.size = store, size
        self._cache: OrderedDict[int, ConversationReport] = OrderedDict()
        self._lock = threading.Lock()

    def drop(self, case_id: int) -> None:
        """Forget a case's parsed report (it changed, or the case was deleted)."""
        with self._lock:
            self._cache.pop(case_id, None)

    def get(self, case_id: int) -> ConversationReport | None:
        """The case's stored report, or None when it has none (or no such case)."""
        with self._lock:
            if case_id in self._cache:
                self._cache.move_to_end(case_id)
                return self._cache[case_id]
        stored = self.store.stored(case_id)
        if stored is None or stored[1] is None:
            return None
        report = report_from_json(stored[1], conversation_from_json(stored[0]))
        with self._lock:
            self._cache[case_id] = report
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return report
