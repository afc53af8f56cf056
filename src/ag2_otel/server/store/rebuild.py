"""Recompute derived tables from stored spans: the step a migration requests.

Migrations are frozen once released, so they must not call today's code; a
migration that adds or changes a derived table only records that a rebuild is
due, and `migrations.migrate` runs this (current) code once the schema is at
the latest version, which is the only schema it is written for.
"""

from __future__ import annotations

import sqlite3

from ag2_otel.server.store import summaries

SUMMARIES = "summaries"
"""Trace summaries, agent/model index rows and the usage roll-ups (`summaries.py`)."""


def rebuild(conn: sqlite3.Connection, name: str) -> None:
    """Run the rebuild called `name` (inside the caller's transaction); idempotent."""
    if name != SUMMARIES:
        raise ValueError(f"unknown store rebuild {name!r}")
    trace_ids = [trace_id for (trace_id,) in conn.execute("SELECT DISTINCT trace_id FROM spans")]
    summaries.refresh_traces(conn, trace_ids)
