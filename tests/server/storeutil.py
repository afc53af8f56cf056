"""Direct store helpers for tests that need data without a server."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ag2_otel.server.normalize import normalize
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.ingest import SharedJson, write_batch
from ag2_otel.server.store.migrations import migrate
from ag2_otel.testing.otlp import capture, request_of
from ag2_otel.testing.workload import emit_trace


def ag2_request(
    count: int, *, service: str = "store-test", shift_ns: int = 0, first: int = 0
) -> ExportTraceServiceRequest:
    """`count` AG2-shaped traces as one export request, optionally moved back in time."""
    request = request_of(capture(lambda t: [emit_trace(t, first + i) for i in range(count)], service=service))
    if shift_ns:
        for resource_spans in request.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    span.start_time_unix_nano -= shift_ns
                    span.end_time_unix_nano -= shift_ns
    return request


def ingest(path: Path, request: ExportTraceServiceRequest) -> None:
    conn = open_writer(path)
    try:
        migrate(conn)
        write_batch(conn, normalize(request).rows, SharedJson())
    finally:
        conn.close()
