"""Write one batch of span rows in one transaction: the only ingest path.

Used by the server's writer thread and by `StoreSpanExporter`, so spans reach
the store the same way whether or not a server is running.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence

from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.store.connection import transaction
from ag2_otel.server.store.running import drop_replaced_records
from ag2_otel.server.store.summaries import refresh_traces
from ag2_otel.server.store.tables import SPAN_COLUMNS, insert_sql, span_values

_INSERT_SPAN = insert_sql("spans", SPAN_COLUMNS, "INSERT OR IGNORE")


class SharedJson:
    """Resources and scopes repeat on every span; store each distinct one once."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._ids: dict[str, int] = {}
        self._max_entries = max_entries

    def id_for(self, conn: sqlite3.Connection, body: str) -> int:
        cached = self._ids.get(body)
        if cached is not None:
            return cached
        digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
        conn.execute("INSERT OR IGNORE INTO shared_json (digest, body) VALUES (?, ?)", (digest, body))
        (row_id,) = conn.execute("SELECT id FROM shared_json WHERE digest = ?", (digest,)).fetchone()
        if len(self._ids) >= self._max_entries:
            self._ids.clear()
        self._ids[body] = int(row_id)
        return int(row_id)

    def forget(self) -> None:
        """Drop cached ids (after a rollback they may point at rows that never committed)."""
        self._ids.clear()


def write_batch(conn: sqlite3.Connection, rows: Sequence[SpanRow], shared: SharedJson) -> None:
    """Insert spans (a re-sent span is ignored) and refresh the traces they touch; commit once."""
    if not rows:
        return
    try:
        with transaction(conn):
            drop_replaced_records(conn, rows)  # running-span start records give way (store/running.py)
            conn.executemany(_INSERT_SPAN, [_stored(conn, row, shared) for row in rows])
            refresh_traces(conn, {row.trace_id for row in rows}, rows)
    except BaseException:
        shared.forget()  # the ids cached in this transaction may not have committed
        raise


def _stored(conn: sqlite3.Connection, row: SpanRow, shared: SharedJson) -> tuple[object, ...]:
    return span_values(row, shared.id_for(conn, row.resource_json), shared.id_for(conn, row.scope_json))
