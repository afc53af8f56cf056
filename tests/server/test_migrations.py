"""Migrations stay frozen: they change the schema only and request rebuilds of derived rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ag2_otel.server.normalize import normalize
from ag2_otel.server.store import rebuild, summaries
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.ingest import _INSERT_SPAN, SharedJson, _values
from ag2_otel.server.store.migrations import MIGRATIONS, migrate, pending_rebuilds
from ag2_otel.testing.workload import LLM_CALLS_PER_TRACE
from tests.server.storeutil import ag2_request


def _version_1_file_with_spans(path: Path, traces: int) -> sqlite3.Connection:
    """A store as version 1 left it: spans, but none of the later roll-up tables."""
    conn = open_writer(path)
    migrate(conn, target=1)
    shared = SharedJson()
    conn.execute("BEGIN")
    conn.executemany(
        _INSERT_SPAN, [_values(conn, row, shared) for row in normalize(ag2_request(traces)).rows]
    )
    conn.execute("COMMIT")
    return conn


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("a migration called the store's live summaries code")


def test_migrations_never_call_live_store_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _version_1_file_with_spans(tmp_path / "t.db", 2)
    monkeypatch.setattr(summaries, "refresh_traces", _refuse)
    for migration in MIGRATIONS[1:]:
        conn.execute("BEGIN")
        migration.apply(conn)
        conn.execute("COMMIT")


def test_an_interrupted_rebuild_runs_on_the_next_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = _version_1_file_with_spans(tmp_path / "t.db", 3)
    monkeypatch.setattr(summaries, "refresh_traces", _refuse)
    with pytest.raises(AssertionError):
        migrate(conn)
    assert pending_rebuilds(conn) == [rebuild.SUMMARIES]
    assert conn.execute("SELECT count(*) FROM traces").fetchone()[0] == 0

    monkeypatch.undo()
    assert migrate(conn) == []  # the schema is current; only the rebuild was left
    assert pending_rebuilds(conn) == []
    (hourly, daily, traces) = conn.execute(
        "SELECT (SELECT sum(llm_calls) FROM usage_hourly), (SELECT sum(llm_calls) FROM usage_daily),"
        " (SELECT count(*) FROM traces)"
    ).fetchone()
    assert hourly == daily == 3 * LLM_CALLS_PER_TRACE
    assert traces == 3
