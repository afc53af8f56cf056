"""Keep the store bounded: drop traces older than N days or beyond a size cap.

Whole traces are removed (never single spans) so summaries stay truthful, and
their usage is taken back out of the roll-up.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ag2_otel.server.store.connection import transaction
from ag2_otel.server.store.summaries import forget_traces
from ag2_otel.server.units import DAY_NS

_CHUNK = 1000
_LOW_WATER = 0.9
"""A size pass deletes down to this share of the cap, so the WAL has room to grow before the next one."""


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

    @property
    def max_bytes(self) -> int | None:
        return None if self.max_db_mb is None else int(self.max_db_mb * 1024 * 1024)


def enforce(conn: sqlite3.Connection, policy: RetentionPolicy, *, now_ns: int | None = None) -> int:
    """Apply the policy; return how many traces were removed.

    Under a size cap the database file and its WAL end the pass below the cap.
    """
    removed = 0
    if policy.max_age_days is not None:
        cutoff = (now_ns or time.time_ns()) - int(policy.max_age_days * DAY_NS)
        removed += _delete_while(conn, "SELECT trace_id FROM traces WHERE start_ns < ? LIMIT ?", (cutoff,))
        with conn:  # log records of no stored trace age out on their own
            conn.execute("DELETE FROM logs WHERE time_ns < ?", (cutoff,))
    limit = policy.max_bytes
    if limit is not None and (used_bytes(conn) > limit or _on_disk(conn) > limit):
        target = int(limit * _LOW_WATER)
        while (used := used_bytes(conn)) > target:
            deleted = _delete_oldest(conn, _oldest_to_drop(conn, used, target))
            if not deleted:
                break
            removed += deleted
    if removed or (limit is not None and _on_disk(conn) > limit):
        _shrink(conn)
    return removed


def over_size(path: Path, policy: RetentionPolicy) -> bool:
    """True when the file and its WAL have outgrown the size cap: cheap enough (two `stat`
    calls) to ask after every write, so a large ingest is trimmed at once, not a minute later."""
    limit = policy.max_bytes
    return limit is not None and file_bytes(path) > limit


def file_bytes(path: Path) -> int:
    """The database file plus its write-ahead log, as they take up disk."""
    total = 0
    for part in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(FileNotFoundError):  # no WAL between connections
            total += part.stat().st_size
    return total


def used_bytes(conn: sqlite3.Connection) -> int:
    """Bytes in live pages (free pages awaiting reuse do not count)."""
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    (free,) = conn.execute("PRAGMA freelist_count").fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    return int((pages - free) * size)


def _shrink(conn: sqlite3.Connection) -> None:
    """Hand free pages back to the file system, then empty the WAL.

    `executescript` steps the pragma to completion: `execute` steps a statement once,
    and each step of `incremental_vacuum` frees a single page. A file created without
    incremental auto-vacuum is converted by one full VACUUM.
    """
    (mode,) = conn.execute("PRAGMA auto_vacuum").fetchone()
    if mode == 2:
        conn.executescript("PRAGMA incremental_vacuum")
    else:
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _on_disk(conn: sqlite3.Connection) -> int:
    (filename,) = conn.execute("SELECT file FROM pragma_database_list WHERE name = 'main'").fetchone()
    return file_bytes(Path(filename)) if filename else 0  # '' for an in-memory database


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
    with transaction(conn):
        ids = [trace_id for (trace_id,) in conn.execute(select, (*params, chunk))]
        forget_traces(conn, ids)
    return len(ids)
