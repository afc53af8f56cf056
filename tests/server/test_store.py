"""The SQLite store: migrations, query plans, retention, vacuum, the direct exporter."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from ag2_otel.server.exporter import StoreSpanExporter
from ag2_otel.server.normalize import normalize
from ag2_otel.server.store import RetentionPolicy, Store, TraceFilter
from ag2_otel.server.store.connection import open_writer, transaction
from ag2_otel.server.store.ingest import _INSERT_SPAN, SharedJson, _stored, write_batch
from ag2_otel.server.store.migrations import LATEST, MIGRATIONS, current_version, migrate
from ag2_otel.server.store.queries import list_traces_sql
from ag2_otel.server.store.retention import enforce, used_bytes, vacuum
from ag2_otel.server.store.summaries import forget_traces
from ag2_otel.server.units import DAY_NS
from ag2_otel.testing.otlp import ag2_request, ingest
from ag2_otel.testing.workload import LLM_CALLS_PER_TRACE, SPANS_PER_TRACE, emit_trace
from tests.server.storeutil import calls_by

_TABLES = {
    "spans",
    "traces",
    "trace_agents",
    "trace_models",
    "usage_hourly",
    "usage_daily",
    "trace_usage",
    "shared_json",
    "logs",
}


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrate_from_blank_builds_every_table_once(tmp_path: Path) -> None:
    conn = open_writer(tmp_path / "t.db")
    assert [m.version for m in migrate(conn)] == [m.version for m in MIGRATIONS]
    assert _tables(conn) >= _TABLES
    assert current_version(conn) == LATEST
    assert migrate(conn) == []
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental


def test_migrate_from_version_1_backfills_the_usage_rollup(tmp_path: Path) -> None:
    conn = open_writer(tmp_path / "t.db")
    migrate(conn, target=1)
    assert "usage_hourly" not in _tables(conn)
    rows = normalize(ag2_request(3)).rows
    shared = SharedJson()
    conn.execute("BEGIN")
    conn.executemany(_INSERT_SPAN, [_stored(conn, row, shared) for row in rows])
    conn.execute("COMMIT")

    assert [m.version for m in migrate(conn)] == [2, 3, 4, 5, 6]
    (hourly, daily, traces) = conn.execute(
        "SELECT (SELECT sum(llm_calls) FROM usage_hourly), (SELECT sum(llm_calls) FROM usage_daily),"
        " (SELECT count(*) FROM traces)"
    ).fetchone()
    assert hourly == daily == 3 * LLM_CALLS_PER_TRACE
    assert traces == 3


def test_queries_use_indexes(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    ingest(path, ag2_request(30))
    conn = sqlite3.connect(path)
    conn.execute("ANALYZE")
    filters = [
        TraceFilter(),
        TraceFilter(service="store-test"),
        TraceFilter(status="error"),
        TraceFilter(agent="coder"),
        TraceFilter(model="gpt-4o-mini"),
        TraceFilter(agent="coder", model="gpt-4o-mini"),
        TraceFilter(since_ns=1, until_ns=2**62),
    ]
    for where in filters:
        params: list[str | int] = [v for v in (where.agent, where.model) if v is not None]
        params += [v for v in (where.service, where.status, where.since_ns, where.until_ns) if v is not None]
        plan = " | ".join(
            row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + _with_filters(where), params)
        )
        assert "TEMP B-TREE" not in plan, (where, plan)
        assert "SCAN spans" not in plan, (where, plan)
    trace_plan = " ".join(
        row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM spans WHERE trace_id = ?", ("x",))
    )
    assert "USING INDEX spans_by_trace" in trace_plan
    usage_plan = " ".join(
        row[3]
        for row in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM usage_hourly WHERE bucket_ns >= ?", (0,))
    )
    assert "SEARCH usage_hourly USING PRIMARY KEY" in usage_plan


def _with_filters(where: TraceFilter) -> str:
    sql = list_traces_sql(where)
    key = "d" if where.agent or where.model else "t"
    extra = []
    if where.service is not None:
        extra.append("t.service = ?")
    if where.status is not None:
        extra.append("t.status = ?")
    if where.since_ns is not None:
        extra.append(f"{key}.start_ns >= ?")
    if where.until_ns is not None:
        extra.append(f"{key}.start_ns <= ?")
    if not extra:
        return sql
    head, order = sql.split(" ORDER BY ")
    joiner = " AND " if " WHERE " in head else " WHERE "
    return head + joiner + " AND ".join(extra) + " ORDER BY " + order


def test_keyset_pagination_walks_every_trace_once(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    ingest(path, ag2_request(25))
    store = Store(path)
    seen: list[str] = []
    cursor = None
    while True:
        page, cursor = store.list_traces(limit=10, cursor=cursor)
        seen.extend(t["trace_id"] for t in page)
        starts = [t["start_time_ns"] for t in page]
        assert starts == sorted(starts, reverse=True)
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 25
    store.close()


def test_text_and_time_filters(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    ingest(path, ag2_request(2, service="old", shift_ns=3 * DAY_NS))
    ingest(path, ag2_request(2, service="new", first=100))
    store = Store(path)
    page, _ = store.list_traces(TraceFilter(text="conv-101"))
    assert [t["conversation_id"] for t in page] == ["conv-101"]
    page, _ = store.list_traces(TraceFilter(text="100%_"))
    assert page == []
    newest = max(t["start_time_ns"] for t in store.list_traces()[0])
    page, _ = store.list_traces(TraceFilter(until_ns=newest - DAY_NS))
    assert {t["service"] for t in page} == {"old"}
    store.close()


def test_retention_by_age_removes_old_traces_and_their_usage(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    ingest(path, ag2_request(3, shift_ns=10 * DAY_NS))
    ingest(path, ag2_request(2, first=50))
    conn = open_writer(path)
    assert enforce(conn, RetentionPolicy(max_age_days=7)) == 3
    assert conn.execute("SELECT count(*) FROM traces").fetchone()[0] == 2
    assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 2 * SPANS_PER_TRACE
    assert conn.execute("SELECT sum(llm_calls) FROM usage_hourly").fetchone()[0] == 2 * LLM_CALLS_PER_TRACE
    assert conn.execute("SELECT sum(llm_calls) FROM usage_daily").fetchone()[0] == 2 * LLM_CALLS_PER_TRACE
    assert conn.execute("SELECT count(*) FROM trace_agents").fetchone()[0] == 2 * 3


def test_retention_by_size_keeps_the_newest_traces(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    for batch in range(4):
        ingest(path, ag2_request(60, first=batch * 100, shift_ns=(4 - batch) * 1_000_000_000))
    conn = open_writer(path)
    before = used_bytes(conn)
    limit_mb = before / 2 / 1024 / 1024
    removed = enforce(conn, RetentionPolicy(max_db_mb=limit_mb))
    assert removed > 0
    assert used_bytes(conn) <= limit_mb * 1024 * 1024
    (newest_conv,) = conn.execute(
        "SELECT conversation_id FROM traces ORDER BY start_ns DESC LIMIT 1"
    ).fetchone()
    assert newest_conv.startswith("conv-3")
    vacuum(conn)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert path.stat().st_size < before


def test_retention_policy_rejects_non_positive_limits() -> None:
    with pytest.raises(ValueError, match="max_age_days"):
        RetentionPolicy(max_age_days=0)


def test_store_span_exporter_writes_through_the_same_path(tmp_path: Path) -> None:
    path = tmp_path / "direct.db"
    exporter = StoreSpanExporter(path)
    provider = TracerProvider(resource=Resource.create({"service.name": "direct"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    emit_trace(provider.get_tracer("direct"), 1)
    provider.shutdown()

    store = Store(path)
    (summary,) = store.list_traces()[0]
    assert summary["service"] == "direct"
    assert summary["span_count"] == SPANS_PER_TRACE
    assert summary["llm_calls"] == LLM_CALLS_PER_TRACE
    assert store.values("agents") == ["coder", "manager", "planner"]
    store.close()


def test_trace_split_across_batches_is_summarised_once_with_late_parents(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    request = ag2_request(1)
    spans = list(request.resource_spans[0].scope_spans[0].spans)
    children_first = sorted(spans, key=lambda s: s.end_time_unix_nano)  # the order an SDK exports them
    for part in (children_first[:3], children_first[3:7], children_first[7:], children_first[:5]):
        del request.resource_spans[0].scope_spans[0].spans[:]
        request.resource_spans[0].scope_spans[0].spans.extend(part)
        ingest(path, request)
    store = Store(path)
    (summary,) = store.list_traces()[0]
    assert summary["span_count"] == SPANS_PER_TRACE
    assert summary["llm_calls"] == LLM_CALLS_PER_TRACE
    rows = store.usage(group_by=("agent",))
    assert calls_by(rows) == {"manager": 1, "planner": 1, "coder": 2}
    store.close()


def test_speaker_selection_helpers_are_not_listed_as_participants(tmp_path: Path) -> None:
    """AG2's checking_agent / speaker_selection_agent work beneath a speaker_selection span:
    their LLM usage counts, but they are not the conversation's agents or turns."""
    path = tmp_path / "selection.db"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(StoreSpanExporter(path)))
    tracer = provider.get_tracer("t")

    def agent_turn(name: str) -> None:
        with tracer.start_as_current_span(
            f"invoke_agent {name}",
            attributes={
                "ag2.span.type": "agent",
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": name,
            },
        ):
            llm: dict[str, Any] = {
                "ag2.span.type": "llm",
                "gen_ai.operation.name": "chat",
                "gen_ai.usage.input_tokens": 10,
            }
            with tracer.start_as_current_span("chat m", attributes={**llm, "gen_ai.agent.name": name}):
                pass

    with tracer.start_as_current_span(
        "invoke_workflow AutoPattern", attributes={"ag2.span.type": "group_chat"}
    ):
        with tracer.start_as_current_span(
            "speaker_selection", attributes={"ag2.span.type": "speaker_selection"}
        ):
            agent_turn("speaker_selection_agent")
        agent_turn("planner")
    provider.shutdown()

    store = Store(path)
    (summary,) = store.list_traces()[0]
    assert summary["agents"] == ["planner"]
    assert summary["turns"] == 1
    assert summary["llm_calls"] == 2
    assert summary["input_tokens"] == 20
    store.close()


def test_id_lists_bound_as_json_are_matched_through_an_index(tmp_path: Path) -> None:
    """Every statement taking a list of trace ids as one JSON parameter (`tables.IDS`), as run
    by ingest, a re-sent trace and retention, searches its table by index, never scans it."""
    conn = open_writer(tmp_path / "t.db")
    migrate(conn)
    rows = normalize(ag2_request(3)).rows
    write_batch(conn, rows, SharedJson())
    statements: set[str] = set()
    conn.set_trace_callback(statements.add)
    write_batch(conn, rows, SharedJson())  # re-sent: the stored spans are read back
    with transaction(conn):
        forget_traces(conn, [row.trace_id for row in rows])
    conn.set_trace_callback(None)
    by_id_list = {sql for sql in statements if "json_each" in sql}
    assert len(by_id_list) >= 8, by_id_list  # reads and deletes of spans, traces, index rows, usage, logs
    for sql in by_id_list:
        params = ('["x"]',) if "?" in sql else ()  # the callback may show the SQL with values bound
        plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
        assert "SCAN json_each" in plan, (sql, plan)
        assert all(step.startswith(("SEARCH", "SCAN json_each", "LIST")) for step in plan.split(" | ")), plan
    conn.close()
