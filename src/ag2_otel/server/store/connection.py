"""Opening SQLite connections with the settings every part of the store relies on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_S = 30.0
SYNCHRONOUS = "FULL"
"""FULL: an acknowledged export is on disk, not only in the OS cache (WAL keeps it cheap)."""


def open_writer(path: Path) -> sqlite3.Connection:
    """The connection that writes: WAL mode, incremental auto-vacuum for new files.

    Autocommit mode (`isolation_level=None`): transactions are explicit
    `BEGIN IMMEDIATE` … `COMMIT`, one per export request.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")  # only takes effect on a new, empty file
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
    conn.execute("PRAGMA cache_size = -8000")
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def open_reader(path: Path) -> sqlite3.Connection:
    """A connection for queries; WAL lets it read while the server writes."""
    if not path.exists():
        raise FileNotFoundError(f"no trace database at {path}")
    # Not `mode=ro`: a read-only handle cannot create the WAL index when no writer is running.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """`BEGIN IMMEDIATE` … `COMMIT` on an autocommit connection; rolled back on any exception.

    IMMEDIATE takes the write lock up front, so a writer waits (busy timeout) at BEGIN
    instead of failing to upgrade a read lock half-way. The rollback is skipped when
    SQLite already ended the transaction itself (e.g. a full disk), so the original
    error is the one raised.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")  # a failed COMMIT rolls back too
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
