"""Keep the store bounded: drop traces older than N days or beyond a size cap.

Whole traces are removed (never single spans) so summaries stay truthful, and
their usage is taken back out of the roll-up.
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass

from ag2_otel.server.store.summaries import forget_traces

_CHUNK = 1000
DAY_NS = 86_400 * 1_000_000_000


@dataclass(frozen=True)
class RetentionPolicy:
    """`None` disables a limit."""

    max_age_days: float | None = None
    max_db_mb: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_age_days", "max_db_mb"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")


def enforce(conn: sqlite3.Connection, policy: RetentionPolicy, *, now_ns: int | None = None) -> int:
    """Apply the policy; return how many traces were removed."""
    removed = 0
    if policy.max_age_days is not None:
        cutoff = (now_ns or time.time_ns()) - int(policy.max_age_days * DAY_NS)
        removed += _delete_while(conn, "SELECT trace_id FROM traces WHERE start_ns < ? LIMIT ?", (cutoff,))
    if policy.max_db_mb is not None:
        limit = int(policy.max_db_mb * 1024 * 1024)
        while (used := used_bytes(conn)) > limit:
            deleted = _delete_oldest(conn, _oldest_to_drop(conn, used, limit))
            if not deleted:
                break
            removed += deleted
    if removed:
        conn.execute("PRAGMA incremental_vacuum")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return removed


def used_bytes(conn: sqlite3.Connection) -> int:
    """Bytes in live pages (free pages awaiting reuse do not count)."""
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    (free,) = conn.execute("PRAGMA freelist_count").fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    return int((pages - free) * size)


def vacuum(conn: sqlite3.Connection) -> None:
    """Rewrite the file compactly (needs the write lock; readers keep working)."""
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _oldest_to_drop(conn: sqlite3.Connection, used: int, limit: int) -> int:
    """Traces to drop next, estimated from the average trace size (at least one)."""
    (count,) = conn.execute("SELECT count(*) FROM traces").fetchone()
    if not count:
        return 0
    return max(1, min(_CHUNK, math.ceil((used - limit) / (used / int(count)))))


def _delete_oldest(conn: sqlite3.Connection, count: int) -> int:
    if count <= 0:
        return 0
    return _delete_chunk(conn, "SELECT trace_id FROM traces ORDER BY start_ns LIMIT ?", (), chunk=count)


def _delete_while(conn: sqlite3.Connection, select: str, params: tuple[object, ...]) -> int:
    total = 0
    while deleted := _delete_chunk(conn, select, params):
        total += deleted
    return total


def _delete_chunk(
    conn: sqlite3.Connection, select: str, params: tuple[object, ...], chunk: int = _CHUNK
) -> int:
    conn.execute("BEGIN IMMEDIATE")
    try:
        ids = [row[0] for row in conn.execute(select, (*params, chunk))]
        forget_traces(conn, ids)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(ids)
