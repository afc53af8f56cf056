"""Content events sent as OTLP log records become their span's messages over ClickHouse as
over SQLite: the same records in SQLite's `logs` and in the exporter's `otel_logs`, read
back per trace and attached by the one rule (store/logs.with_logged_content)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ag2_otel.server.clickhouse.client import ChdbClient
from ag2_otel.server.clickhouse.exporter_ddl import LOGS_TABLE
from ag2_otel.server.clickhouse.exporter_rows import exporter_log_row
from ag2_otel.server.clickhouse.migrations import migrate
from ag2_otel.server.clickhouse.store import ClickHouseStore
from ag2_otel.server.clickhouse.writer import ChdbWriter
from ag2_otel.server.normalize import normalize
from ag2_otel.server.receiver.decode import JSON, parse_json
from ag2_otel.server.receiver.limits import IngestLimits
from ag2_otel.server.receiver.logs_and_metrics import LogRow, decode_logs
from ag2_otel.server.store import Store
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.ingest import SharedJson
from ag2_otel.server.store.logs import write_logs
from ag2_otel.testing.otlp import ingest
from tests.server.clickhouse_util import create_exporter_tables, insert_requests

TRACE = "5b8efff798038103d269b633813fc60c"
NAMED_BY_ATTRIBUTE, NAMED_BY_FIELD, OWN_CONTENT = "eee19b7ec3c1b174", "eee19b7ec3c1b175", "eee19b7ec3c1b176"
OWN_INPUT = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "own"}]}])
DETAILS_INPUT = [{"role": "user", "parts": [{"type": "text", "content": "Hi?"}]}]


def _string(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def _span(span_id: str, *attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "name": "chat m",
        "kind": 3,
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000001000000000",
        "attributes": [_string("gen_ai.operation.name", "chat"), *attributes],
    }


def _trace() -> ExportTraceServiceRequest:
    spans = [
        _span(NAMED_BY_ATTRIBUTE),
        _span(NAMED_BY_FIELD),
        _span(OWN_CONTENT, _string("gen_ai.input.messages", OWN_INPUT)),
    ]
    resource = {"attributes": [_string("service.name", "svc")]}
    document = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": spans}]}]}
    return parse_json(json.dumps(document).encode())


def _log_rows() -> list[LogRow]:
    choice = {"message": {"role": "assistant", "content": "Hello."}, "finish_reason": "stop"}
    details = _string("gen_ai.input.messages", json.dumps(DETAILS_INPUT))

    def record(span_id: str, at: int, **fields: Any) -> dict[str, Any]:
        return {"timeUnixNano": str(1700000000_100000000 + at), "traceId": TRACE, "spanId": span_id, **fields}

    records = [
        # the older events, named by the `event.name` attribute, with map and JSON-string bodies
        record(
            NAMED_BY_ATTRIBUTE,
            1,
            attributes=[_string("event.name", "gen_ai.user.message")],
            body={"kvlistValue": {"values": [_string("content", "Hi?")]}},
        ),
        record(
            NAMED_BY_ATTRIBUTE,
            2,
            attributes=[_string("event.name", "gen_ai.choice")],
            body={"stringValue": json.dumps(choice)},
        ),
        # the current details event, named by the OTLP field only (as SDKs ≥ 1.35 send it)
        record(
            NAMED_BY_FIELD, 3, eventName="gen_ai.client.inference.operation.details", attributes=[details]
        ),
        # a span with content of its own keeps it
        record(OWN_CONTENT, 4, eventName="gen_ai.client.inference.operation.details", attributes=[details]),
    ]
    document = {"resourceLogs": [{"resource": {}, "scopeLogs": [{"logRecords": records}]}]}
    return decode_logs(json.dumps(document).encode(), JSON, IngestLimits()).rows


def _sqlite_spans(path: Path) -> dict[str, dict[str, Any]]:
    ingest(path, _trace())
    conn = open_writer(path)
    try:
        write_logs(conn, _log_rows(), SharedJson())
    finally:
        conn.close()
    store = Store(path)
    try:
        trace = store.get_trace(TRACE)
    finally:
        store.close()
    assert trace is not None
    return {span["span_id"]: span["attributes"] for span in trace["spans"]}


def _clickhouse_spans(client: ChdbClient) -> dict[str, dict[str, Any]]:
    trace = ClickHouseStore(client).get_trace(TRACE)
    assert trace is not None
    return {span["span_id"]: span["attributes"] for span in trace["spans"]}


def test_a_chdb_store_attaches_logged_content_as_sqlite_does(tmp_path: Path) -> None:
    """`serve --store chdb:` writes records with the EventName column: all of them attach."""
    sqlite = _sqlite_spans(tmp_path / "traces.db")
    client = ChdbClient(str(tmp_path / "chdb"))
    writer = ChdbWriter(client)
    try:
        writer.start()
        writer.submit(normalize(_trace()).rows).result()
        writer.submit_logs(_log_rows()).result()
        chdb = _clickhouse_spans(client)
    finally:
        writer.stop()
        client.close()
    assert chdb == sqlite
    assert json.loads(chdb[NAMED_BY_FIELD]["gen_ai.input.messages"]) == DETAILS_INPUT
    assert json.loads(chdb[NAMED_BY_ATTRIBUTE]["gen_ai.output.messages"])[0]["finish_reason"] == "stop"
    assert chdb[OWN_CONTENT]["gen_ai.input.messages"] == OWN_INPUT


def test_the_collector_0_128_table_attaches_records_named_by_attribute(tmp_path: Path) -> None:
    """The exporter v0.128.0's own `otel_logs` has no EventName: a record named only by the
    OTLP field arrives nameless and is not content (docs/scale-out.md); the rest reads as in SQLite."""
    sqlite = _sqlite_spans(tmp_path / "traces.db")
    client = ChdbClient(str(tmp_path / "chdb"))
    try:
        create_exporter_tables(client)
        migrate(client)
        insert_requests(client, _trace())
        rows = [{k: v for k, v in exporter_log_row(row).items() if k != "EventName"} for row in _log_rows()]
        client.insert_json_rows(f"{client.database}.{LOGS_TABLE}", rows)
        collector = _clickhouse_spans(client)
    finally:
        client.close()
    assert collector[NAMED_BY_ATTRIBUTE] == sqlite[NAMED_BY_ATTRIBUTE]
    assert collector[OWN_CONTENT] == sqlite[OWN_CONTENT]
    assert "gen_ai.input.messages" in sqlite[NAMED_BY_FIELD]
    assert "gen_ai.input.messages" not in collector[NAMED_BY_FIELD]


@pytest.mark.parametrize("logs_table", [True, False])
def test_a_trace_reads_whether_or_not_the_collector_exports_logs(tmp_path: Path, logs_table: bool) -> None:
    client = ChdbClient(str(tmp_path / "chdb"))
    try:
        create_exporter_tables(client)
        if not logs_table:  # a Collector with a traces pipeline only never creates otel_logs
            client.command(f"DROP TABLE {client.database}.{LOGS_TABLE}")
        migrate(client)
        insert_requests(client, _trace())
        spans = _clickhouse_spans(client)
    finally:
        client.close()
    assert set(spans) == {NAMED_BY_ATTRIBUTE, NAMED_BY_FIELD, OWN_CONTENT}
    assert "gen_ai.input.messages" not in spans[NAMED_BY_ATTRIBUTE]
