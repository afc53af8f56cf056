"""The ClickHouse store answers like the SQLite store: the same spans (the test workload
and the demo's real AG2 spans) in SQLite as `ag2-otel serve` writes them and in chDB as
the Collector's `clickhouse` exporter writes them, read through both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.trace import Tracer

from ag2_otel.server.app import create_app
from ag2_otel.server.clickhouse.client import ChdbClient
from ag2_otel.server.clickhouse.migrations import backfill, migrate
from ag2_otel.server.clickhouse.store import ClickHouseStore, open_store
from ag2_otel.server.clickhouse.writer import ChdbWriter
from ag2_otel.server.otlp_encode import otlp_json
from ag2_otel.server.store import QueryError, Store, TraceFilter
from ag2_otel.server.trace_store import TraceStore
from ag2_otel.server.units import HOUR_NS
from ag2_otel.testing.otlp import ag2_request, capture, ingest, request_of
from tests.server.clickhouse_util import create_exporter_tables, insert_requests, load_chdb
from tests.server.stores import StorePair, demo_request, store_pair, workload_requests


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> StorePair:
    return store_pair(tmp_path_factory.mktemp("workload"), workload_requests())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> StorePair:
    return store_pair(tmp_path_factory.mktemp("demo"), [demo_request()])


@pytest.fixture
def both(workload: StorePair) -> Iterator[tuple[Store, ClickHouseStore]]:
    sqlite, clickhouse = workload.sqlite(), workload.clickhouse()
    yield sqlite, clickhouse
    sqlite.close()
    clickhouse.close()  # chDB opens one data directory per process at a time


def all_pages(store: TraceStore, where: TraceFilter, limit: int) -> list[tuple[list[str], str | None]]:
    pages, cursor = [], None
    while True:
        page, cursor = store.list_traces(where, limit=limit, cursor=cursor)
        pages.append(([t["trace_id"] for t in page], cursor))
        if cursor is None:
            return pages


FILTERS = {
    "none": TraceFilter(),
    "agent": TraceFilter(agent="planner"),
    "agent+model": TraceFilter(agent="coder", model="gpt-4o-mini"),
    "model": TraceFilter(model="gpt-4o-mini"),
    "service": TraceFilter(service="svc-b"),
    "status ok": TraceFilter(status="ok"),
    "status error": TraceFilter(status="error"),
    "text": TraceFilter(text="RUN_CODE"),
    "text conversation": TraceFilter(text="conv-13"),
    "unknown agent": TraceFilter(agent="nobody"),
}


@pytest.mark.parametrize("name", FILTERS)
def test_trace_list_filters_and_pages_match(both: tuple[Store, ClickHouseStore], name: str) -> None:
    sqlite, clickhouse = both
    where = FILTERS[name]
    first, _ = sqlite.list_traces(where, limit=50)
    assert clickhouse.list_traces(where, limit=50) == sqlite.list_traces(where, limit=50)
    if name in ("none", "service", "agent"):
        assert first  # the filter selects something, so the comparison means something
    # keyset pagination: the same pages and cursors, whatever the page size
    for limit in (1, 4, 7):
        assert all_pages(clickhouse, where, limit) == all_pages(sqlite, where, limit)


def test_time_window_filters_match(both: tuple[Store, ClickHouseStore]) -> None:
    sqlite, clickhouse = both
    newest = sqlite.list_traces(limit=1)[0][0]["start_time_ns"]
    for since, until in ((newest - HOUR_NS, None), (None, newest - HOUR_NS), (newest - 3 * HOUR_NS, newest)):
        where = TraceFilter(since_ns=since, until_ns=until)
        expected = sqlite.list_traces(where, limit=50)
        assert expected[0]
        assert clickhouse.list_traces(where, limit=50) == expected


def test_every_trace_reads_the_same(both: tuple[Store, ClickHouseStore]) -> None:
    sqlite, clickhouse = both
    page, _ = sqlite.list_traces(limit=500)
    assert len(page) == 18
    for summary in page:
        assert clickhouse.get_trace(summary["trace_id"]) == sqlite.get_trace(summary["trace_id"])
    assert clickhouse.get_trace("0123456789abcdef0123456789abcdef") is None


def test_export_matches_except_span_flags(both: tuple[Store, ClickHouseStore]) -> None:
    sqlite, clickhouse = both
    ids = [t["trace_id"] for t in sqlite.list_traces(limit=3)[0]]

    def exported(store: TraceStore) -> Any:
        document = otlp_json([row for trace_id in ids for row in store.span_rows(trace_id)])
        for resource in document["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                for span in scope["spans"]:
                    span.pop("flags", None)  # the exporter does not store span flags
        return document

    assert exported(clickhouse) == exported(sqlite)


def _rounded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**row, "cost": round(row["cost"], 9), "duration_ms": round(row["duration_ms"], 6)} for row in rows
    ]


@pytest.mark.parametrize("bucket", ["hour", "day"])
def test_usage_by_model_matches(both: tuple[Store, ClickHouseStore], bucket: str) -> None:
    sqlite, clickhouse = both
    expected = _rounded(sqlite.usage(group_by=("model",), bucket=bucket))
    assert len(expected) == (2 if bucket == "hour" else 1)  # stores.workload_requests: one UTC day
    assert _rounded(clickhouse.usage(group_by=("model",), bucket=bucket)) == expected
    newest = sqlite.list_traces(limit=1)[0][0]["start_time_ns"]
    window = {"since_ns": newest - HOUR_NS, "until_ns": newest}
    assert _rounded(clickhouse.usage(group_by=("model",), bucket=bucket, **window)) == _rounded(
        sqlite.usage(group_by=("model",), bucket=bucket, **window)
    )


@pytest.mark.parametrize("bucket", ["hour", "day"])
@pytest.mark.parametrize("group_by", [("agent",), ("agent", "model")])
def test_usage_by_agent_charges_unnamed_llm_calls_to_their_owner_as_sqlite_does(
    both: tuple[Store, ClickHouseStore], bucket: str, group_by: tuple[str, ...]
) -> None:
    """An LLM call without its own gen_ai.agent.name is charged to its owning agent (the
    nearest ancestor with one) over both stores, though the views see one insert at a time."""
    sqlite, clickhouse = both
    expected = _rounded(sqlite.usage(group_by=group_by, bucket=bucket))
    # the workload: 18 traces with 4 LLM calls, one of them (coder's first) names its agent
    calls = {
        agent: sum(r["llm_calls"] for r in expected if r["agent"] == agent)
        for agent in ("manager", "planner", "coder")
    }
    assert calls == {"manager": 18, "planner": 18, "coder": 36}
    assert _rounded(clickhouse.usage(group_by=group_by, bucket=bucket)) == expected
    newest = sqlite.list_traces(limit=1)[0][0]["start_time_ns"]
    for window in ({"since_ns": newest - HOUR_NS, "until_ns": newest}, {"until_ns": newest - HOUR_NS}):
        assert _rounded(clickhouse.usage(group_by=group_by, bucket=bucket, **window)) == _rounded(
            sqlite.usage(group_by=group_by, bucket=bucket, **window)
        )


def _unnamed_calls(tracer: Tracer) -> None:
    """LLM calls without an agent name at several depths, as other producers nest them."""
    chat = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "gen_ai.usage.input_tokens": "5"}
    alpha = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "alpha"}
    workflow = {"gen_ai.operation.name": "invoke_workflow"}
    gamma = {"ag2.span.type": "agent", "ag2.agent.name": "gamma"}
    unnamed_agent = {"gen_ai.operation.name": "invoke_agent"}
    span = tracer.start_as_current_span
    with (
        span("invoke_agent alpha", attributes=alpha),
        span("chain", attributes=workflow),
        span("chat m", attributes=chat),
    ):
        pass  # alpha's, two levels up
    with span("workflow", attributes=workflow):
        with span("invoke_agent", attributes=unnamed_agent), span("chat m", attributes=chat):
            pass  # an agent span without a name is an agent of its own: no agent
        with span("chat m", attributes={**chat, "gen_ai.agent.name": "beta"}):
            pass
    with span("agent gamma", attributes=gamma), span("chat m", attributes=chat):
        pass


def test_usage_charges_unnamed_calls_whose_ancestors_arrive_in_later_inserts(tmp_path: Path) -> None:
    """The calls are inserted first and their ancestors after (spans end, and are exported,
    children first): usage by agent still charges each as SQLite does."""
    spans = capture(_unnamed_calls)
    calls = [s for s in spans if s.name == "chat m"]
    pair = store_pair(tmp_path, [request_of(calls), request_of([s for s in spans if s not in calls])])
    sqlite, clickhouse = pair.sqlite(), pair.clickhouse()
    try:
        for group_by in (("agent",), ("agent", "model")):
            expected = _rounded(sqlite.usage(group_by=group_by, bucket="day"))
            assert {row["agent"]: row["llm_calls"] for row in expected} == {
                "alpha": 1, None: 1, "beta": 1, "gamma": 1,
            }  # fmt: skip
            assert _rounded(clickhouse.usage(group_by=group_by, bucket="day")) == expected
    finally:
        sqlite.close()
        clickhouse.close()


def test_real_ag2_spans_read_the_same_including_usage_by_agent(demo: StorePair) -> None:
    sqlite, clickhouse = demo.sqlite(), demo.clickhouse()
    try:
        page, cursor = sqlite.list_traces(limit=50)
        assert len(page) >= 3 and cursor is None
        assert clickhouse.list_traces(limit=50) == (page, None)
        for summary in page:
            assert clickhouse.get_trace(summary["trace_id"]) == sqlite.get_trace(summary["trace_id"])
        # ag2-otel names the agent on every LLM call it can tie to one: no difference here
        for group_by in (("agent", "model"), ("agent",), ("model",)):
            expected = _rounded(sqlite.usage(group_by=group_by))
            assert expected
            assert _rounded(clickhouse.usage(group_by=group_by)) == expected
        for kind in ("services", "models"):
            assert clickhouse.values(kind) == sqlite.values(kind)
        # The documented difference: the views cannot tell that AG2's speaker-selection
        # helpers run beneath a speaker_selection span, so the agent drop-down lists them too.
        extra = set(clickhouse.values("agents")) - set(sqlite.values("agents"))
        assert set(sqlite.values("agents")) <= set(clickhouse.values("agents"))
        assert extra == {"checking_agent", "speaker_selection_agent"}
    finally:
        sqlite.close()
        clickhouse.close()


def test_values_and_id_prefixes_match(both: tuple[Store, ClickHouseStore]) -> None:
    sqlite, clickhouse = both
    for kind in ("services", "agents", "models"):
        assert clickhouse.values(kind) == sqlite.values(kind)
    trace_id = sqlite.list_traces(limit=1)[0][0]["trace_id"]
    for prefix in (trace_id[:6], trace_id.upper(), trace_id[:1], "zz"):
        assert clickhouse.find_trace_ids(prefix, limit=5) == sqlite.find_trace_ids(prefix, limit=5)


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.list_traces(limit=0),
        lambda s: s.list_traces(limit=501),
        lambda s: s.list_traces(cursor="%%%"),
        lambda s: s.usage(bucket="week"),
        lambda s: s.usage(group_by=("tool",)),
        lambda s: s.values("tools"),
    ],
)
def test_bad_requests_are_query_errors_on_both(both: tuple[Store, ClickHouseStore], call: Any) -> None:
    for store in both:
        with pytest.raises(QueryError):
            call(store)


def test_sql_looking_input_is_only_data(both: tuple[Store, ClickHouseStore]) -> None:
    _, clickhouse = both
    hostile = TraceFilter(agent="x' OR 1=1 --", text="%' ; DROP TABLE otel_traces; --")
    assert clickhouse.list_traces(hostile) == ([], None)
    assert clickhouse.find_trace_ids("') OR 1=1 --") == []
    assert clickhouse.list_traces(limit=1)[0]


API_PATHS = [
    "/api/traces",
    "/api/traces?limit=3",
    "/api/traces?agent=coder&limit=5",
    "/api/traces?service=svc-b",
    "/api/traces?q=run_code&status=ok",
    "/api/usage?group_by=model",
    "/api/usage?group_by=model&bucket=day",
    "/api/services",
    "/api/agents",
    "/api/models",
    "/api/traces?limit=0",
    "/api/usage?bucket=week",
    "/api/traces/0123456789abcdef0123456789abcdef",
]


async def test_json_api_answers_the_same(both: tuple[Store, ClickHouseStore]) -> None:
    sqlite, clickhouse = both
    trace_id = sqlite.list_traces(limit=1)[0][0]["trace_id"]
    answers = []
    for store in (sqlite, clickhouse):
        app = create_app(store, None)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            responses = [await client.get(path) for path in [*API_PATHS, f"/api/traces/{trace_id}"]]
            assert (await client.post("/v1/traces", content=b"")).status_code in (404, 405)
        answers.append([(r.status_code, _rounded_json(r.json())) for r in responses])
    assert answers[1] == answers[0]
    assert {status for status, _ in answers[0]} == {200, 400, 404}


def _rounded_json(body: Any) -> Any:
    if isinstance(body, dict) and "rows" in body:
        return {"rows": _rounded(body["rows"])}
    return body


def _assert_reads_like_sqlite(store: ClickHouseStore, db: Path, requests: list[Any]) -> None:
    """The list and usage of `store` are those of SQLite holding the same requests."""
    for request in requests:
        ingest(db, request)
    sqlite = Store(db)
    try:
        assert store.list_traces(limit=50) == sqlite.list_traces(limit=50)
        for group_by in (("model",), ("agent",)):
            assert _rounded(store.usage(group_by=group_by)) == _rounded(sqlite.usage(group_by=group_by))
    finally:
        sqlite.close()


def test_views_fill_from_inserts_and_backfill_covers_older_spans(tmp_path: Path) -> None:
    """Spans written before `db migrate --store` are not in the views until `db backfill`;
    after it the store reads like SQLite holding the same spans. Migrating twice is a no-op."""
    older = [ag2_request(7, service="svc-a", shift_ns=2 * HOUR_NS), ag2_request(5, service="svc-a", first=7)]
    url = load_chdb(tmp_path / "chdb", *older, views=False)
    client = ChdbClient(url.removeprefix("chdb:"))
    try:
        assert [m.version for m in migrate(client)] == [1, 2, 3]
        assert migrate(client) == []
        newer = ag2_request(6, service="svc-b", first=12)  # starts after the views exist
        insert_requests(client, newer)
        store = ClickHouseStore(client)
        assert {t["service"] for t in store.list_traces(limit=50)[0]} == {"svc-b"}
        assert backfill(client) == 10 * 12
        _assert_reads_like_sqlite(store, tmp_path / "traces.db", [*older, newer])
    finally:
        client.close()


def test_a_store_without_views_is_a_clear_error(tmp_path: Path) -> None:
    url = load_chdb(tmp_path / "chdb", views=False)
    with pytest.raises(ValueError, match="db migrate --store"):
        open_store(url)


def test_the_frozen_llm_operations_of_the_views_agree_with_promotion() -> None:
    """The migration spells the list out (migrations never follow live code); promote.py decides today."""
    from ag2_otel.server.clickhouse import migrations
    from ag2_otel.server.promote import promote

    frozen = {op.strip(" '") for op in migrations._LLM_OPERATIONS.split(",")}
    for operation in (*frozen, "invoke_agent", "execute_tool", "invoke_workflow", "create_agent"):
        is_llm = promote({"gen_ai.operation.name": operation}).span_type == "llm"
        assert is_llm == (operation in frozen), operation


def _store_released_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: int, requests: list[Any]
) -> ChdbClient:
    """A chDB store migrated by the release whose latest migration was `version`, holding
    `requests` as that release's views summarised them."""
    from ag2_otel.server.clickhouse import migrations

    url = load_chdb(tmp_path / "chdb", views=False)
    client = ChdbClient(url.removeprefix("chdb:"))
    with monkeypatch.context() as released:
        released.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:version])
        assert [m.version for m in migrate(client)] == list(range(1, version + 1))
    insert_requests(client, *requests)
    return client


def test_a_store_at_version_1_upgrades_with_migrate_and_backfill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 2 replaces migration 1's views; its tables start empty and `db backfill`
    fills them from every span written before it, so the store then reads like SQLite."""
    requests = [
        ag2_request(7, service="svc-a", shift_ns=2 * HOUR_NS),
        ag2_request(5, service="svc-b", first=7),
    ]
    client = _store_released_at(tmp_path, monkeypatch, 1, requests)
    try:
        assert [m.version for m in migrate(client)] == [2, 3]
        tables = {row[0] for row in client.query("SELECT name FROM system.tables WHERE database = 'otel'")}
        assert not tables & {"ag2_trace_index", "ag2_usage_hourly", "ag2_usage_daily"}
        store = ClickHouseStore(client)
        assert store.list_traces(limit=50) == ([], None)
        assert backfill(client) == 10 * 12
        _assert_reads_like_sqlite(store, tmp_path / "traces.db", requests)
    finally:
        client.close()


def test_a_store_at_version_2_upgrades_and_backfills_only_migration_3s_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db backfill` after the run that applied migration 3 fills only its table (the LLM
    calls without an agent name): migration 2's roll-ups, already filled, are not counted
    twice, and usage by agent then charges the older calls as SQLite does."""
    requests = [
        ag2_request(5, service="svc-a", shift_ns=2 * HOUR_NS),
        ag2_request(4, service="svc-b", first=5),
    ]
    client = _store_released_at(tmp_path, monkeypatch, 2, requests)
    try:
        assert [m.version for m in migrate(client)] == [3]
        store = ClickHouseStore(client)
        assert {row["agent"] for row in store.usage(group_by=("agent",))} == {None, "coder"}
        assert backfill(client) == 10 * 9
        _assert_reads_like_sqlite(store, tmp_path / "traces.db", requests)
    finally:
        client.close()


def test_serve_over_chdb_backfills_what_a_migration_left_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve --store chdb:` at version 1 upgrades on start and lists its older traces."""
    from ag2_otel.server.clickhouse import migrations

    requests = [ag2_request(4, service="svc-a")]
    client = ChdbClient(str(tmp_path / "chdb"))
    try:
        create_exporter_tables(client)
        with monkeypatch.context() as released:
            released.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
            migrate(client)
        insert_requests(client, *requests)
        writer = ChdbWriter(client)
        writer.start()
        writer.stop()
        _assert_reads_like_sqlite(ClickHouseStore(client), tmp_path / "traces.db", requests)
    finally:
        client.close()


# Attribute values as the exporter writes them (AsString): every kind of hostile number
_HOSTILE = (
    "12", "12.9", "0", "-0", "-1", "-12.5", "1e308", "1" + "0" * 308, "inf", "-inf", "nan", "NaN",
    "Infinity", "1099511627776", "1099511627777", "1000000000", "1000000000.5", "999999999.9",
    "9" * 30, "9223372036854775807", "-9223372036854775808", "true", "false", "", "abc", "[1,2]",
    "0.001", ".5", "5.", "+5",
)  # fmt: skip


def test_the_views_clamp_numbers_as_promotion_does(tmp_path: Path) -> None:
    """The rule is stated once, in promote.py: the migration's SQL spells its bounds out
    (frozen), and this runs that SQL on hostile values against promote() itself.
    Not covered: strings only Python reads as numbers (" 12", "1_000"): the exporter never
    writes them for a number, and a producer writing them as strings gets 0 over ClickHouse."""
    from ag2_otel.server.clickhouse import migrations
    from ag2_otel.server.clickhouse.values import typed
    from ag2_otel.server.promote import MAX_COST, MAX_SUM, MAX_TOKENS, promote

    assert (int(migrations.MAX_TOKENS), float(migrations.MAX_COST)) == (MAX_TOKENS, MAX_COST)
    assert int(migrations.MAX_SUM) == MAX_SUM
    client = ChdbClient(str(tmp_path / "chdb"))
    try:
        tokens = migrations._tokens_2("gen_ai.usage.input_tokens")
        rows = client.query(  # the views' own expressions, over a stand-in SpanAttributes column
            f"SELECT v, {tokens}, {migrations.COST_2}, {migrations.PRICED_2}"
            " FROM (SELECT arrayJoin({vs:Array(String)}) AS v,"
            " map('gen_ai.usage.input_tokens', v, 'ag2.usage.cost', v) AS SpanAttributes)",
            {"vs": list(_HOSTILE)},
        )
    finally:
        client.close()
    assert [row[0] for row in rows] == list(_HOSTILE)
    for value, sql_tokens, sql_cost, sql_priced in rows:
        llm = {"gen_ai.operation.name": "chat"}
        promoted_tokens = promote({**llm, "gen_ai.usage.input_tokens": typed(value)}).input_tokens
        promoted_cost = promote({**llm, "ag2.usage.cost": typed(value)}).cost
        assert (value, sql_tokens) == (value, promoted_tokens or 0)
        assert (value, sql_cost) == (value, promoted_cost or 0.0)
        assert (value, bool(sql_priced)) == (value, promoted_cost is not None)  # priced_calls counts it


def test_the_span_facts_hold_every_attribute_promotion_reads() -> None:
    """The list's summaries are computed from `ag2_span_facts`, which keeps only FACT_KEYS."""
    from ag2_otel.live import RUNNING_ATTRIBUTE
    from ag2_otel.server.clickhouse.migrations import FACT_KEYS
    from ag2_otel.server.promote import promote

    read: set[str] = set()

    class Recording(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            read.add(key)
            return super().get(key, default)

        def __getitem__(self, key: str) -> Any:
            read.add(key)
            return super().__getitem__(key)

    for span_type in ("llm", "agent", "tool", ""):
        promote(Recording({"ag2.span.type": span_type} if span_type else {}))
    assert read | {RUNNING_ATTRIBUTE} == set(FACT_KEYS)
