"""Write one batch of span rows in one transaction: the only ingest path.

Used by the server's writer thread and by `StoreSpanExporter`, so spans reach
the store the same way whether or not a server is running.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence

from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.store.running import drop_replaced_records
from ag2_otel.server.store.summaries import refresh_traces

_SPAN_COLUMNS = (
    "trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, status_code, status_message,"
    " trace_state, flags, service, span_type, operation, agent, provider, request_model, response_model,"
    " tool, input_tokens, output_tokens, cost, conversation_id, turns, attributes, events, links,"
    " resource_id, scope_id"
)
_MARKS = ", ".join("?" * (_SPAN_COLUMNS.count(",") + 1))
_INSERT_SPAN = f"INSERT OR IGNORE INTO spans ({_SPAN_COLUMNS}) VALUES ({_MARKS})"


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
    conn.execute("BEGIN IMMEDIATE")
    try:
        drop_replaced_records(conn, rows)  # running-span start records give way (store/running.py)
        conn.executemany(_INSERT_SPAN, [_values(conn, row, shared) for row in rows])
        refresh_traces(conn, {row.trace_id for row in rows}, rows)
        conn.execute("COMMIT")
    except BaseException:
        shared.forget()
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _values(conn: sqlite3.Connection, row: SpanRow, shared: SharedJson) -> tuple[object, ...]:
    p = row.promoted
    return (
        row.trace_id,
        row.span_id,
        row.parent_span_id,
        row.name,
        row.kind,
        row.start_ns,
        row.end_ns,
        row.status_code,
        row.status_message,
        row.trace_state,
        row.flags,
        row.service,
        p.span_type,
        p.operation,
        p.agent,
        p.provider,
        p.request_model,
        p.response_model,
        p.tool,
        p.input_tokens,
        p.output_tokens,
        p.cost,
        p.conversation_id,
        p.turns,
        row.attributes_json,
        row.events_json,
        row.links_json,
        shared.id_for(conn, row.resource_json),
        shared.id_for(conn, row.scope_json),
    )
