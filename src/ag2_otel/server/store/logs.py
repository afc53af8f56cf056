"""Stored OTLP log records: written by the writer thread, read back with their trace.

A record carrying a trace and span id belongs to that span: when the span has no
content attributes of its own, the content events among its records
(`gen_ai.client.inference.operation.details`, or the older `gen_ai.*.message` /
`gen_ai.choice`) become its messages when the trace is read, whichever of span and
record arrived first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ag2_otel.server.normalize import loads
from ag2_otel.server.producers import DERIVED, Event, content_from_events
from ag2_otel.server.receiver.logs_and_metrics import LogRow
from ag2_otel.server.store.connection import transaction
from ag2_otel.server.store.ingest import SharedJson
from ag2_otel.server.store.tables import LOG_COLUMNS, insert_sql, log_values

_INSERT = insert_sql("logs", LOG_COLUMNS)


def write_logs(conn: sqlite3.Connection, rows: Sequence[LogRow], _: SharedJson) -> None:
    """Insert log records in one transaction (the writer thread's `write` for logs)."""
    if not rows:
        return
    with transaction(conn):
        conn.executemany(_INSERT, [log_values(row) for row in rows])


def events_by_span(conn: sqlite3.Connection, trace_id: str) -> dict[str, list[Event]]:
    """The log records of one trace, per span id, as (name, attributes, body) events."""
    found: dict[str, list[Event]] = {}
    rows = conn.execute(
        "SELECT span_id, event_name, attributes, body FROM logs"
        " WHERE trace_id = ? AND span_id IS NOT NULL ORDER BY time_ns, id",
        (trace_id,),
    )
    for span_id, name, attributes, body in rows:
        found.setdefault(span_id, []).append((name, loads(attributes), loads(body)))
    return found


def with_logged_content(spans: Iterable[dict[str, Any]], events: dict[str, list[Event]]) -> None:
    """Give spans without content attributes the content their log records carry."""
    for span in spans:
        logged = events.get(span["span_id"])
        if not logged:
            continue
        attributes = span["attributes"]
        if "gen_ai.input.messages" in attributes or "gen_ai.output.messages" in attributes:
            continue
        content = content_from_events(logged)
        if content:
            attributes.update(content)
            attributes[DERIVED] = sorted({*attributes.get(DERIVED, ()), *content})
