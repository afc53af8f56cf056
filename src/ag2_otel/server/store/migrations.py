"""Append-only, versioned schema migrations.

Never edit or reorder a released migration; add a new one. Each runs in its own
transaction and records itself in `schema_migrations`, so a file at any older
version is brought up to date by `migrate()`.

Migrations touch the schema only and never call the store's live code (it is
written for the latest schema, not theirs). One that needs derived rows
recomputed from `spans` names a rebuild (`store.rebuild`); the request is
recorded in `pending_rebuilds` in the migration's own transaction, and
`migrate()` runs it once the schema is at the latest version.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from ag2_otel.server.store import rebuild
from ag2_otel.server.store.connection import transaction


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]
    rebuilds: tuple[str, ...] = ()
    """Rebuilds (`store.rebuild`) due once this migration is applied."""


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

_LOGS = """
CREATE TABLE logs (
    id INTEGER PRIMARY KEY,
    trace_id TEXT,
    span_id TEXT,
    time_ns INTEGER NOT NULL,
    severity_number INTEGER NOT NULL,
    severity_text TEXT NOT NULL,
    event_name TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT NOT NULL,
    service TEXT,
    scope_name TEXT NOT NULL
);
CREATE INDEX logs_by_trace ON logs (trace_id, span_id)
"""

_PRICED = """
ALTER TABLE traces ADD COLUMN priced_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trace_usage ADD COLUMN priced_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_hourly ADD COLUMN priced_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN priced_calls INTEGER NOT NULL DEFAULT 0
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core: spans, traces summary, trace agents and models", _script(_CORE)),
    Migration(2, "usage: hourly roll-up of LLM-call usage", _script(_USAGE)),
    Migration(
        3,
        "usage: daily roll-up (day buckets read 24x fewer rows); backfill roll-ups",
        _script(_DAILY),
        rebuilds=(rebuild.SUMMARIES,),
    ),
    Migration(4, "logs: OTLP log records (content events attach to their span when read)", _script(_LOGS)),
    Migration(
        5,
        "cost: LLM calls that carried a cost, per trace and usage row ('not reported', not $0)",
        _script(_PRICED),
        rebuilds=(rebuild.SUMMARIES,),
    ),
    Migration(
        6,
        "traces by conversation: the other traces (asks) of a trace's conversation, newest first",
        _script("CREATE INDEX traces_by_conversation ON traces (conversation_id, start_ns, trace_id)"),
    ),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: sqlite3.Connection) -> int:
    _bookkeeping(conn)
    (version,) = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(version)


def pending_rebuilds(conn: sqlite3.Connection) -> list[str]:
    """Rebuilds requested by applied migrations and not yet run."""
    _bookkeeping(conn)
    return [name for (name,) in conn.execute("SELECT name FROM pending_rebuilds ORDER BY name")]


def migrate(conn: sqlite3.Connection, *, target: int = LATEST) -> list[Migration]:
    """Apply pending migrations up to `target`, then any rebuilds they requested; return those applied.

    Rebuilds wait until the schema is at `LATEST`; one interrupted runs again next time.
    """
    applied: list[Migration] = []
    if current_version(conn) >= target and not (target == LATEST and pending_rebuilds(conn)):
        return applied  # the common case takes no write lock
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        with transaction(conn):
            if migration.version <= current_version(conn):
                continue  # another process applied it meanwhile
            migration.apply(conn)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_ns) VALUES (?, ?, ?)",
                (migration.version, migration.name, time.time_ns()),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO pending_rebuilds (name) VALUES (?)", [(n,) for n in migration.rebuilds]
            )
        applied.append(migration)
    if target == LATEST:
        _run_pending_rebuilds(conn)
    return applied


def _run_pending_rebuilds(conn: sqlite3.Connection) -> None:
    for name in pending_rebuilds(conn):
        with transaction(conn):
            if conn.execute("DELETE FROM pending_rebuilds WHERE name = ?", (name,)).rowcount:
                rebuild.rebuild(conn, name)  # else another process ran it meanwhile


def _bookkeeping(conn: sqlite3.Connection) -> None:
    """The tables `migrate()` keeps its own records in (outside the numbered migrations)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ns INTEGER NOT NULL)"
    )
    conn.execute("CREATE TABLE IF NOT EXISTS pending_rebuilds (name TEXT PRIMARY KEY)")
