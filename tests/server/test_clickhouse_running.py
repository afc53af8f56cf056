"""Running traces (start records of `ag2_otel.live`) read the same over chDB as over SQLite:
a record gives way to its real span and to a later record of it, the trace is `running`
while one of its spans has records only, and the list's status filters agree."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext, TraceFlags
from opentelemetry.util.types import AttributeValue

from ag2_otel.live import RUNNING_ATTRIBUTE
from ag2_otel.server.clickhouse.store import ClickHouseStore, open_store
from ag2_otel.server.store import Store, TraceFilter
from ag2_otel.server.trace_store import TraceStore
from ag2_otel.testing.otlp import ingest
from tests.server.clickhouse_util import load_chdb

START = time.time_ns() - 600 * 10**9
FINISHED, RUNNING, BEATING = 0xA1, 0xB2, 0xC3  # trace ids


def _span(trace: int, span: int, end_s: int, *, record: bool, parent: int | None = None) -> ReadableSpan:
    context = SpanContext(trace, span, is_remote=False, trace_flags=TraceFlags(1))
    parent_context = SpanContext(trace, parent, is_remote=False) if parent else None
    attributes: dict[str, AttributeValue] = {"ag2.span.type": "agent"}
    if record:
        attributes[RUNNING_ATTRIBUTE] = True
    return ReadableSpan(
        "invoke_agent planner",
        context,
        parent=parent_context,
        attributes=attributes,
        start_time=START + trace,
        end_time=START + trace + end_s * 10**9,
    )


def _requests() -> list[ExportTraceServiceRequest]:
    """One request per export, in the order a live program sends them."""
    spans = [
        _span(FINISHED, 1, 5, record=True),  # a record, then its real span
        _span(FINISHED, 1, 9, record=False),
        _span(FINISHED, 1, 20, record=True),  # a late record changes nothing
        _span(RUNNING, 1, 5, record=True),  # the root still runs; a child has finished
        _span(RUNNING, 2, 3, record=False, parent=1),
        _span(BEATING, 1, 5, record=True),  # heartbeats move the record's end
        _span(BEATING, 1, 10, record=True),
    ]
    return [encode_spans([span]) for span in spans]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    directory = tmp_path_factory.mktemp("running")
    for request in _requests():
        ingest(directory / "traces.db", request)
    return directory / "traces.db", load_chdb(directory / "chdb", *_requests())


def _listed(store: TraceStore, status: str | None) -> dict[str, str]:
    page, _ = store.list_traces(TraceFilter(status=status), limit=50)
    return {t["trace_id"]: t["status"] for t in page}


def _spans(store: TraceStore, trace: int) -> list[tuple[str, int, bool]]:
    found = store.get_trace(format(trace, "032x"))
    assert found is not None
    return [(s["span_id"], s["end_time_ns"], RUNNING_ATTRIBUTE in s["attributes"]) for s in found["spans"]]


def test_running_traces_read_and_filter_alike(stores: tuple[Path, str]) -> None:
    path, url = stores
    sqlite, clickhouse = Store(path), open_store(url)
    try:
        assert isinstance(clickhouse, ClickHouseStore)
        for status in (None, "running", "ok", "error"):
            assert _listed(clickhouse, status) == _listed(sqlite, status), status
        assert _listed(sqlite, "running") == {
            format(RUNNING, "032x"): "running",
            format(BEATING, "032x"): "running",
        }
        assert _listed(sqlite, "ok") == {format(FINISHED, "032x"): "ok"}
        for trace in (FINISHED, RUNNING, BEATING):
            assert _spans(clickhouse, trace) == _spans(sqlite, trace)
        assert _spans(sqlite, FINISHED) == [(format(1, "016x"), START + FINISHED + 9 * 10**9, False)]
        assert _spans(sqlite, BEATING) == [(format(1, "016x"), START + BEATING + 10 * 10**9, True)]
    finally:
        sqlite.close()
        clickhouse.close()
