"""Append-only, versioned schema migrations.

Never edit or reorder a released migration; add a new one. Each runs in its own
transaction and records itself in `schema_migrations`, so a file at any older
version is brought up to date by `migrate()`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from ag2_otel.server.store import summaries


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def run(conn: sqlite3.Connection) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)

    return run


_CORE = """
CREATE TABLE shared_json (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE spans (
    id INTEGER PRIMARY KEY,
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    parent_span_id TEXT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    status_code TEXT NOT NULL,
    status_message TEXT NOT NULL,
    trace_state TEXT NOT NULL,
    flags INTEGER NOT NULL,
    service TEXT,
    span_type TEXT NOT NULL,
    operation TEXT,
    agent TEXT,
    provider TEXT,
    request_model TEXT,
    response_model TEXT,
    tool TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cost REAL,
    conversation_id TEXT,
    turns INTEGER,
    attributes TEXT NOT NULL,
    events TEXT NOT NULL,
    links TEXT NOT NULL,
    resource_id INTEGER NOT NULL REFERENCES shared_json (id),
    scope_id INTEGER NOT NULL REFERENCES shared_json (id)
);
CREATE UNIQUE INDEX spans_by_trace ON spans (trace_id, span_id);
CREATE TABLE traces (
    trace_id TEXT PRIMARY KEY,
    root_name TEXT NOT NULL,
    service TEXT,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    span_count INTEGER NOT NULL,
    agents TEXT NOT NULL,
    models TEXT NOT NULL,
    turns INTEGER NOT NULL,
    llm_calls INTEGER NOT NULL,
    tool_calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost REAL NOT NULL,
    error_count INTEGER NOT NULL,
    status TEXT NOT NULL,
    conversation_id TEXT,
    search_text TEXT NOT NULL
);
CREATE INDEX traces_by_start ON traces (start_ns, trace_id);
CREATE INDEX traces_by_service ON traces (service, start_ns, trace_id);
CREATE INDEX traces_by_status ON traces (status, start_ns, trace_id);
CREATE TABLE trace_agents (
    agent TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    trace_id TEXT NOT NULL,
    PRIMARY KEY (agent, start_ns, trace_id)
) WITHOUT ROWID;
CREATE INDEX trace_agents_by_trace ON trace_agents (trace_id);
CREATE TABLE trace_models (
    model TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    trace_id TEXT NOT NULL,
    PRIMARY KEY (model, start_ns, trace_id)
) WITHOUT ROWID;
CREATE INDEX trace_models_by_trace ON trace_models (trace_id)
"""

_USAGE = """
CREATE TABLE usage_hourly (
    bucket_ns INTEGER NOT NULL,
    agent TEXT NOT NULL,
    model TEXT NOT NULL,
    llm_calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost REAL NOT NULL,
    duration_ns INTEGER NOT NULL,
    PRIMARY KEY (bucket_ns, agent, model)
) WITHOUT ROWID;
CREATE TABLE trace_usage (
    trace_id TEXT NOT NULL,
    bucket_ns INTEGER NOT NULL,
    agent TEXT NOT NULL,
    model TEXT NOT NULL,
    llm_calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost REAL NOT NULL,
    duration_ns INTEGER NOT NULL,
    PRIMARY KEY (trace_id, bucket_ns, agent, model)
) WITHOUT ROWID
"""


def _daily_and_backfill(conn: sqlite3.Connection) -> None:
    """Add the daily roll-up, then (re)compute every roll-up from stored spans.

    The backfill uses today's `summaries` code, which writes all roll-up tables,
    so it must run only once they all exist: keep it in the newest migration
    that adds a roll-up table. Recomputation is idempotent.
    """
    _script(_DAILY)(conn)
    trace_ids = [row[0] for row in conn.execute("SELECT DISTINCT trace_id FROM spans")]
    for start in range(0, len(trace_ids), 500):
        summaries.refresh_traces(conn, trace_ids[start : start + 500])


_DAILY = """
CREATE TABLE usage_daily (
    bucket_ns INTEGER NOT NULL,
    agent TEXT NOT NULL,
    model TEXT NOT NULL,
    llm_calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost REAL NOT NULL,
    duration_ns INTEGER NOT NULL,
    PRIMARY KEY (bucket_ns, agent, model)
) WITHOUT ROWID
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core: spans, traces summary, trace agents and models", _script(_CORE)),
    Migration(2, "usage: hourly roll-up of LLM-call usage", _script(_USAGE)),
    Migration(
        3, "usage: daily roll-up (day buckets read 24x fewer rows); backfill roll-ups", _daily_and_backfill
    ),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ns INTEGER NOT NULL)"
    )
    (version,) = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(version)


def migrate(conn: sqlite3.Connection, *, target: int = LATEST) -> list[Migration]:
    """Apply pending migrations up to `target`; return those applied."""
    applied: list[Migration] = []
    if current_version(conn) >= target:
        return applied  # the common case takes no write lock
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        conn.execute("BEGIN IMMEDIATE")
        try:
            if migration.version <= current_version(conn):
                conn.execute("ROLLBACK")
                continue
            migration.apply(conn)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_ns) VALUES (?, ?, ?)",
                (migration.version, migration.name, time.time_ns()),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration)
    return applied
