"""The same spans in both stores: SQLite as `ag2-otel serve` writes it, and chDB as the
Collector's `clickhouse` exporter writes it (tests/server/clickhouse_util)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ag2_otel.server.clickhouse.store import ClickHouseStore, open_store
from ag2_otel.server.store import Store
from ag2_otel.server.units import HOUR_NS, SECOND_NS
from ag2_otel.testing.clock import canned_hour_ns
from ag2_otel.testing.otlp import ag2_request, ingest, request_of
from tests.server.clickhouse_util import load_chdb

MINUTE_NS = 60 * SECOND_NS


@dataclass
class StorePair:
    db_path: Path
    chdb_url: str

    def sqlite(self) -> Store:
        return Store(self.db_path)

    def clickhouse(self) -> ClickHouseStore:
        return open_store(self.chdb_url)


def demo_request() -> ExportTraceServiceRequest:
    """The spans of `ag2-otel demo` (real AG2, scripted model on 127.0.0.1)."""
    from ag2_otel.demo.runner import ModelChoice, run_demo

    spans = InMemorySpanExporter()
    run_demo(ModelChoice(base_url=None, model="gpt-4o-mini", api_key=None), spans, out=io.StringIO())
    return request_of(list(spans.get_finished_spans()))


def workload_requests() -> list[ExportTraceServiceRequest]:
    """The test workload: two services, two hours apart, several export batches. Placed in
    whole past hours of one UTC day, whatever the clock: two hour buckets, one day bucket."""
    hour = canned_hour_ns(hours_before=2)
    return [
        ag2_request(7, service="svc-a", start_ns=hour + MINUTE_NS),
        ag2_request(5, service="svc-a", first=7, start_ns=hour + 2 * MINUTE_NS),
        ag2_request(6, service="svc-b", start_ns=hour - 2 * HOUR_NS + MINUTE_NS, first=12),
    ]


def store_pair(directory: Path, requests: list[ExportTraceServiceRequest]) -> StorePair:
    for request in requests:
        ingest(directory / "traces.db", request)
    return StorePair(directory / "traces.db", load_chdb(directory / "chdb", *requests))
