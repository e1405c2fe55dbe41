"""The store's schema and its migrations: ``PRAGMA user_version`` says which step a file is
at, and MIGRATIONS[n] upgrades a file at version n to n + 1 (asv's ``update_to_N`` habit)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stackpick.errors import StoreError

SCHEMA_VERSION = 5

SCHEMA_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    command TEXT,
    plan_json TEXT NOT NULL,
    fingerprint_json TEXT NOT NULL,
    extra_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE cells (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    grp TEXT NOT NULL,
    workload TEXT NOT NULL,
    backend TEXT NOT NULL,
    variant TEXT NOT NULL,
    task TEXT NOT NULL,
    batch INTEGER NOT NULL,
    device TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    error_tail TEXT,
    metrics_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (run_id, key)
);
CREATE TABLE samples (
    cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    value_ns REAL NOT NULL
);
CREATE INDEX samples_by_cell ON samples(cell_id);
CREATE VIEW failures AS
    SELECT run_id, key, status, reason, error_tail FROM cells WHERE status != 'ok';
"""

# Version 2: a user model's conversion paths get their own table; version 1 stored them as
# cells of task "convert" (ids are kept, so reports that cite them still match).
SCHEMA_V2 = """
CREATE TABLE conversions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    grp TEXT NOT NULL,
    model TEXT NOT NULL,
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    details_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (run_id, grp, path)
);
INSERT INTO conversions (id, run_id, grp, model, path, status, reason, details_json, created_at)
    SELECT id, run_id, grp, workload, backend, status,
           reason, metrics_json, created_at FROM cells WHERE task = 'convert';
DELETE FROM cells WHERE task = 'convert'
"""


# One function per step: MIGRATIONS[n] upgrades a database at version n to n + 1.
def _statements(conn: sqlite3.Connection, script: str) -> None:
    """Run a script statement by statement (executescript would COMMIT the migration's
    transaction early)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


# Version 3: the cluster machine that measured a cell ('' for local runs and older stores).
SCHEMA_V3 = "ALTER TABLE cells ADD COLUMN node TEXT NOT NULL DEFAULT ''"

# Version 4: a run's notes are called notes everywhere (the record, results.json, here).
SCHEMA_V4 = "ALTER TABLE runs RENAME COLUMN extra_json TO notes_json"

# Version 5: measured blocks of cells not yet stored (committed as each block ends, deleted
# when the cell is stored), and the process that owns a run (pid, start time, host), so a run
# whose process died is told apart from one still measuring.
SCHEMA_V5 = """
CREATE TABLE blocks (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    grp TEXT NOT NULL,
    block INTEGER NOT NULL,
    state_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, key, block)
);
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_started REAL;
ALTER TABLE runs ADD COLUMN owner_host TEXT
"""

MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: lambda conn: _statements(conn, SCHEMA_V1),
    1: lambda conn: _statements(conn, SCHEMA_V2),
    2: lambda conn: _statements(conn, SCHEMA_V3),
    3: lambda conn: _statements(conn, SCHEMA_V4),
    4: lambda conn: _statements(conn, SCHEMA_V5),
}


def _scalar(conn: sqlite3.Connection, sql: str) -> Any:
    """One value, with the statement finished: an unfinished SELECT keeps a shared lock, and
    two openers each holding one deadlock when switching to WAL ("database is locked")."""
    return conn.execute(sql).fetchall()[0][0]


def _check_version(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; refuses newer or foreign files before anything is written."""
    # One statement, one snapshot: read apart, a concurrent opener's first migration could
    # commit in between (version 0 read before it, its tables counted after) and a brand-new
    # store would be refused as "not a stackpick store".
    version, objects = conn.execute(
        "SELECT (SELECT user_version FROM pragma_user_version),"
        " (SELECT count(*) FROM sqlite_master)").fetchall()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer stackpick (schema {version}, this one reads "
            f"{SCHEMA_VERSION}): upgrade stackpick, or pass --db with another file"
        )
    if version == 0 and objects:
        raise StoreError(f"{path} is an SQLite file but not a stackpick store: "
                         "pass --db with another file")
    return version


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")  # one writer migrates; a concurrent opener waits
        current = _scalar(conn, "PRAGMA user_version")
        if current == version:
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        conn.execute("COMMIT")
        version = _scalar(conn, "PRAGMA user_version")


def prepare(conn: sqlite3.Connection, path: Path, patience_s: float = 30.0) -> None:
    """Check the version, switch to WAL and migrate. SQLite answers "database is locked"
    at once, without its busy handler, when two new openers race for the exclusive lock that
    WAL and the schema need; the loser retries until the winner is done."""
    conn.isolation_level = None
    deadline = time.monotonic() + patience_s
    while True:
        try:
            version = _check_version(conn, path)
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
            _migrate(conn, version)
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            time.sleep(0.05)
    conn.isolation_level = "DEFERRED"  # back to implicit transactions for `with conn:`


