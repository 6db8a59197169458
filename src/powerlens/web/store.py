"""The case file: conversations, their people and practice answers in one SQLite database.

Stdlib ``sqlite3``; one connection guarded by a lock (the app serves one practitioner).
A case stores the conversation as read (after pseudonymisation, when asked) and the report
the analysis made of it (``codec``), so opening a case never analyses again. Deleting the
case row removes everything derived from it (the report is in the row; people and answers
cascade). ``secure_delete`` overwrites deleted content in the file, and SQLite keeps its
temporary data in memory. With ``path=None`` the database lives in memory only.

Known limits: one migration (a case file from before reports were stored gains the column;
its cases are analysed again once, when asked); the file is not encrypted (rely on the
operating system's disk encryption).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powerlens.model import Conversation
from powerlens.web.codec import conversation_from_json, conversation_to_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    title TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',
    helper TEXT,
    pseudonymised INTEGER NOT NULL DEFAULT 0,
    reply_to_previous INTEGER NOT NULL DEFAULT 0,
    conversation TEXT NOT NULL,
    declarations TEXT NOT NULL DEFAULT '',
    tactics_model TEXT NOT NULL DEFAULT 'mentalmanip',
    report TEXT
);
CREATE TABLE IF NOT EXISTS people (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (case_id, name)
);
CREATE TABLE IF NOT EXISTS answers (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    practice TEXT NOT NULL,
    answers TEXT NOT NULL,
    saved TEXT NOT NULL,
    PRIMARY KEY (case_id, practice)
);
"""


@dataclass(frozen=True)
class Case:
    """One stored conversation and what the practitioner said about it."""

    id: int
    created: str
    title: str
    context: str
    helper: str | None
    pseudonymised: bool
    people: tuple[str, ...]
    declarations: str = ""
    reply_to_previous: bool = False
    tactics_model: str = "mentalmanip"


class CaseStore:
    """Cases, people and answers in SQLite (a file, or memory when ``path`` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                path.touch(mode=0o600)
            os.chmod(path, 0o600)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False
        )
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("PRAGMA temp_store = MEMORY")
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(cases)")}
        if "tactics_model" not in columns:  # a case file from before the column existed
            self._db.execute(
                "ALTER TABLE cases ADD COLUMN tactics_model TEXT NOT NULL DEFAULT 'mentalmanip'"
            )
        if "report" not in columns:  # a case file from before reports were stored
            self._db.execute("ALTER TABLE cases ADD COLUMN report TEXT")

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def add(
        self,
        conversation: Conversation,
        *,
        context: str,
        helper: str | None,
        pseudonymised: bool,
        reply_to_previous: bool = False,
        tactics_model: str = "mentalmanip",
        report: str | None = None,
    ) -> int:
        """Store a conversation and its report (``codec.report_to_json``) as a new case."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO cases (created, title, context, helper, pseudonymised, "
                "reply_to_previous, conversation, tactics_model, report) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now,
                    conversation.id,
                    context,
                    helper,
                    int(pseudonymised),
                    int(reply_to_previous),
                    conversation_to_json(conversation),
                    tactics_model,
                    report,
                ),
            )
            case_id = int(cursor.lastrowid or 0)
            self._db.executemany(
                "INSERT INTO people (case_id, name) VALUES (?, ?)",
                [(case_id, name) for name in conversation.speaker_names()],
            )
        return case_id

    def _case(self, row: tuple[Any, ...]) -> Case:
        people = tuple(
            name
            for (name,) in self._db.execute(
                "SELECT name FROM people WHERE case_id = ? ORDER BY rowid", (row[0],)
            )
        )
        return Case(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            bool(row[5]),
            people,
            row[6],
            bool(row[7]),
            row[8],
        )

    def cases(self) -> list[Case]:
        """Every case, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, created, title, context, helper, pseudonymised, declarations, "
                "reply_to_previous, tactics_model FROM cases ORDER BY id DESC"
            ).fetchall()
            return [self._case(row) for row in rows]

    def get(self, case_id: int) -> Case | None:
        """One case, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, created, title, context, helper, pseudonymised, declarations, "
                "reply_to_previous, tactics_model FROM cases WHERE id = ?",
                (case_id,),
            ).fetchone()
            return None if row is None else self._case(row)

    def conversation(self, case_id: int) -> Conversation | None:
        """The stored conversation of a case, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT conversation FROM cases WHERE id = ?", (case_id,)
            ).fetchone()
        return None if row is None else conversation_from_json(row[0])

    def stored(self, case_id: int) -> tuple[str, str | None] | None:
        """The stored conversation JSON and report JSON (None before it was analysed)."""
        with self._lock:
            row = self._db.execute(
                "SELECT conversation, report FROM cases WHERE id = ?", (case_id,)
            ).fetchone()
        return None if row is None else (str(row[0]), row[1])

    def set_report(self, case_id: int, report: str, declarations: str | None = None) -> None:
        """Store a case's new report (and the declarations it was made with, if given)."""
        with self._lock, self._db:
            if declarations is None:
                self._db.execute("UPDATE cases SET report = ? WHERE id = ?", (report, case_id))
            else:
                self._db.execute(
                    "UPDATE cases SET report = ?, declarations = ? WHERE id = ?",
                    (report, declarations, case_id),
                )

    def cases_with(self, person: str) -> list[Case]:
        """The cases a person speaks in, oldest first."""
        return [c for c in reversed(self.cases()) if person in c.people]

    def save_answers(self, case_id: int, practice: str, answers: list[str]) -> None:
        """Store the answers to one practice (replacing earlier ones)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO answers (case_id, practice, answers, saved) "
                "VALUES (?, ?, ?, ?)",
                (case_id, practice, json.dumps(answers, ensure_ascii=False), now),
            )

    def answers(self, case_id: int, practice: str) -> tuple[list[str], str | None]:
        """The saved answers to one practice and when they were saved."""
        with self._lock:
            row = self._db.execute(
                "SELECT answers, saved FROM answers WHERE case_id = ? AND practice = ?",
                (case_id, practice),
            ).fetchone()
        if row is None:
            return [], None
        return list(json.loads(row[0])), str(row[1])

    def delete(self, case_id: int) -> bool:
        """Delete a case and everything derived from it; True if it existed."""
        with self._lock, self._db:
            cursor = self._db.execute("DELETE FROM cases WHERE id = ?", (case_id,))
            return cursor.rowcount > 0

    def counts(self) -> dict[str, int]:
        """Rows per table (tests and the about line use it)."""
        with self._lock:
            return {
                table: int(self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table in ("cases", "people", "answers")
            }
