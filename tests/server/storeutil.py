"""Direct store helpers for tests that need data without a server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def calls_by(rows: list[dict[str, Any]], key: str = "agent", field: str = "llm_calls") -> dict[Any, int]:
    """Usage rows' `field` summed per agent (or model) over their time buckets: traces that
    cross an hour or a UTC midnight give a row per bucket, and a dict built row by row would
    keep only the last of them."""
    totals: dict[Any, int] = {}
    for row in rows:
        totals[row[key]] = totals.get(row[key], 0) + row[field]
    return totals
