"""How many LLM calls carried a cost, per trace and per usage row, in both stores: the
viewer says "not reported" (none) or "partial" (some) instead of adding them up as $0."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.trace import Tracer

from ag2_otel.server.clickhouse import migrations as ch_migrations
from ag2_otel.server.clickhouse.client import ChdbClient
from ag2_otel.server.clickhouse.store import ClickHouseStore
from ag2_otel.server.store import Store
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.migrations import migrate
from ag2_otel.testing.otlp import capture, ingest, request_of
from ag2_otel.testing.serve import run_cli
from tests.server.clickhouse_util import create_exporter_tables, insert_requests
from tests.server.stores import store_pair
from tests.server.storeutil import calls_by

# agent -> the cost of each of its LLM calls (None: the call carried no cost attribute)
CALLS: dict[str, list[float | None]] = {
    "priced": [0.5, 0.25],
    "unpriced": [None, None],
    "partial": [0.5, None],
}


def _emit(tracer: Tracer) -> None:
    for agent, costs in CALLS.items():
        with tracer.start_as_current_span(
            f"invoke_agent {agent}",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent},
        ):
            for cost in costs:
                attributes: dict[str, Any] = {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": f"model-{agent}",
                    "gen_ai.agent.name": agent,  # the ClickHouse views read it from the LLM span itself
                    "gen_ai.usage.input_tokens": 10,
                    "gen_ai.usage.output_tokens": 5,
                }
                if cost is not None:
                    attributes["gen_ai.usage.cost"] = cost
                tracer.start_span(f"chat model-{agent}", attributes=attributes).end()


def _request() -> Any:
    return request_of(capture(_emit, service="cost-test"))


def _priced(store: Any) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    traces = {
        t["root_name"].split()[-1]: (t["llm_calls"], t["priced_calls"])
        for t in store.list_traces(limit=10)[0]
    }
    rows = store.usage(group_by=("agent",))
    calls, priced = calls_by(rows), calls_by(rows, field="priced_calls")
    return traces, {agent: (calls[agent], priced[agent]) for agent in calls}


EXPECTED = {"priced": (2, 2), "unpriced": (2, 0), "partial": (2, 1)}


def test_both_stores_count_the_priced_calls_of_each_trace_and_usage_row(tmp_path: Path) -> None:
    pair = store_pair(tmp_path, [_request()])
    sqlite, clickhouse = pair.sqlite(), pair.clickhouse()
    try:
        assert _priced(sqlite) == (EXPECTED, EXPECTED)
        assert _priced(clickhouse) == (EXPECTED, EXPECTED)
        (day,) = sqlite.usage(group_by=("agent", "model"), bucket="day")[:1]
        assert "priced_calls" in day
    finally:
        sqlite.close()
        clickhouse.close()


def test_a_store_written_before_the_count_existed_gets_it_on_migrate(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    ingest(path, _request())
    before = Store(path)
    usage_before = before.usage(group_by=("agent",))
    before.close()
    # back to what version 4 left: the same spans and summaries, no priced_calls anywhere
    conn = sqlite3.connect(path, isolation_level=None)
    for table in ("traces", "trace_usage", "usage_hourly", "usage_daily"):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN priced_calls")
    conn.execute("DROP INDEX traces_by_conversation")  # migration 6
    conn.execute("DELETE FROM schema_migrations WHERE version >= 5")
    conn.close()
    conn = open_writer(path)
    assert [m.version for m in migrate(conn)] == [5, 6]
    conn.close()
    store = Store(path)
    try:
        assert _priced(store) == (EXPECTED, EXPECTED)
        assert store.usage(group_by=("agent",)) == usage_before  # the rebuild counted nothing twice
    finally:
        store.close()


def test_a_clickhouse_store_at_version_1_counts_priced_calls_after_migrate_and_backfill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 2's usage tables start empty and count priced calls; `db backfill` fills
    them from the spans the version-1 views saw, so those read right too (not all priced)."""
    client = ChdbClient(str(tmp_path / "chdb"))
    try:
        create_exporter_tables(client)
        with monkeypatch.context() as released:
            released.setattr(ch_migrations, "MIGRATIONS", ch_migrations.MIGRATIONS[:1])
            assert [m.version for m in ch_migrations.migrate(client)] == [1]
        insert_requests(client, _request())  # summarised by the version-1 views
        assert [m.version for m in ch_migrations.migrate(client)] == [2, 3]
        store = ClickHouseStore(client)
        assert _priced(store) == ({}, {})
        ch_migrations.backfill(client)
        assert _priced(store) == (EXPECTED, EXPECTED)
        insert_requests(client, _request())  # the same calls again, through the version-2 views
        usage = {r["agent"]: (r["llm_calls"], r["priced_calls"]) for r in store.usage(group_by=("agent",))}
        assert usage == {"priced": (4, 4), "unpriced": (4, 0), "partial": (4, 2)}
    finally:
        client.close()


def test_the_cli_table_says_not_reported_and_partial(tmp_path: Path) -> None:
    """`traces list` reads cost as the viewer does (it printed $0.0000 for calls without a cost)."""
    ingest(tmp_path / "traces.db", _request())
    listed = run_cli(tmp_path / "traces.db", "traces", "list")
    assert listed.returncode == 0, listed.stderr
    line_of = {line.rsplit(" ", 1)[-1]: line for line in listed.stdout.splitlines()[1:]}
    assert "  $0.75  " in line_of["priced"]
    assert "  not reported  " in line_of["unpriced"]
    assert "  $0.50 (partial)  " in line_of["partial"]
