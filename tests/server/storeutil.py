"""Direct store helpers for tests that need data without a server."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ag2_otel.server.normalize import normalize
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.ingest import SharedJson, write_batch
from ag2_otel.server.store.migrations import migrate


def ingest(path: Path, request: ExportTraceServiceRequest) -> None:
    conn = open_writer(path)
    try:
        migrate(conn)
        write_batch(conn, normalize(request).rows, SharedJson())
    finally:
        conn.close()
