"""`Store`: the read side handed to the API, the viewer and the CLI.

Each thread gets its own read-only connection (SQLite connections must not be
shared across threads mid-query); WAL lets them read while the writer commits.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.store import queries
from ag2_otel.server.store.connection import open_reader
from ag2_otel.server.store.queries import TraceFilter


class Store:
    """Query methods over one database file; cheap to construct, safe across threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_reader(self.path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def list_traces(
        self, where: TraceFilter | None = None, *, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        return queries.list_traces(self.connection(), where or TraceFilter(), limit=limit, cursor=cursor)

    def get_trace(self, trace_id: str) -> dict[str, Any] | None:
        return queries.get_trace(self.connection(), trace_id.lower())

    def usage(self, **kwargs: Any) -> list[dict[str, Any]]:
        return queries.usage(self.connection(), **kwargs)

    def values(self, kind: str) -> list[str]:
        return queries.distinct_values(self.connection(), kind)

    def find_trace_ids(self, prefix: str, *, limit: int = 10) -> list[str]:
        return queries.find_trace_ids(self.connection(), prefix, limit=limit)

    def span_rows(self, trace_id: str) -> list[SpanRow]:
        return queries.span_rows(self.connection(), trace_id)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
