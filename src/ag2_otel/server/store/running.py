"""Start records of running spans (`ag2_otel.live`): kept until a newer record or the real span.

Spans are otherwise immutable (`INSERT OR IGNORE`: a re-sent span changes nothing). A stored
start record is the one exception: any row for the same span replaces it, so a heartbeat moves
its end time and the finished span takes its place. A real span is never replaced by a record.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ag2_otel.live import RUNNING_ATTRIBUTE
from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.store.tables import IDS, json_list

RUNNING_SQL = f"json_extract(attributes, '$.\"{RUNNING_ATTRIBUTE}\"') IS NOT NULL"
"""True for a stored start record (SQL over a `spans` row)."""


def drop_replaced_records(conn: sqlite3.Connection, rows: Sequence[SpanRow]) -> None:
    """Delete stored start records that a row of this batch replaces (inside its transaction)."""
    incoming = {(row.trace_id, row.span_id) for row in rows}
    stored = conn.execute(
        f"SELECT trace_id, span_id FROM spans WHERE trace_id IN {IDS} AND {RUNNING_SQL}",
        (json_list({trace_id for trace_id, _ in incoming}),),
    )
    replaced = [(trace_id, span_id) for trace_id, span_id in stored if (trace_id, span_id) in incoming]
    if replaced:
        conn.executemany("DELETE FROM spans WHERE trace_id = ? AND span_id = ?", replaced)
