"""Migrations stay frozen: they change the schema only and request rebuilds of derived rows."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ag2_otel.server.normalize import normalize
from ag2_otel.server.store import rebuild, summaries
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.ingest import _INSERT_SPAN, SharedJson, _stored
from ag2_otel.server.store.migrations import MIGRATIONS, migrate, pending_rebuilds
from ag2_otel.testing.otlp import ag2_request, ingest


def _version_1_file_with_spans(path: Path, request: ExportTraceServiceRequest) -> sqlite3.Connection:
    """A store as version 1 left it: spans, but none of the later roll-up tables."""
    conn = open_writer(path)
    migrate(conn, target=1)
    shared = SharedJson()
    conn.execute("BEGIN")
    conn.executemany(_INSERT_SPAN, [_stored(conn, row, shared) for row in normalize(request).rows])
    conn.execute("COMMIT")
    return conn


_DERIVED = ("traces", "trace_agents", "trace_models", "usage_hourly", "usage_daily", "trace_usage")


def _derived_rows(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    rows = {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall()) for table in _DERIVED}
    # search_text holds the same words whichever order the spans were read in
    columns = [c[0] for c in conn.execute("SELECT * FROM traces LIMIT 0").description]
    at = columns.index("search_text")
    rows["traces"] = [(*row[:at], sorted(row[at].split()), *row[at + 1 :]) for row in rows["traces"]]
    return rows


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("a migration called the store's live summaries code")


def test_migrations_never_call_live_store_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _version_1_file_with_spans(tmp_path / "t.db", ag2_request(2))
    monkeypatch.setattr(summaries, "refresh_traces", _refuse)
    for migration in MIGRATIONS[1:]:
        conn.execute("BEGIN")
        migration.apply(conn)
        conn.execute("COMMIT")


def test_an_interrupted_rebuild_runs_on_the_next_migrate_like_live_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = ag2_request(3)
    conn = _version_1_file_with_spans(tmp_path / "old.db", request)
    monkeypatch.setattr(summaries, "refresh_traces", _refuse)
    with pytest.raises(AssertionError):
        migrate(conn)
    assert pending_rebuilds(conn) == [rebuild.SUMMARIES]
    assert conn.execute("SELECT count(*) FROM traces").fetchone()[0] == 0

    monkeypatch.undo()
    assert migrate(conn) == []  # the schema is current; only the rebuild was left
    assert pending_rebuilds(conn) == []
    ingest(tmp_path / "live.db", request)
    rebuilt = _derived_rows(conn)
    conn.close()
    with closing(sqlite3.connect(tmp_path / "live.db")) as live:
        assert rebuilt == _derived_rows(live)
    assert len(rebuilt["traces"]) == 3
