"""Load OTLP requests into chDB the way the Collector's `clickhouse` exporter would:
its own DDL (exporter_ddl, v0.128.0), ag2-otel's views (`db migrate --store`), then the
spans as the exporter converts them (exporter_rows). `load_chdb` stores them as chDB's own
writer does (through ag2-otel's producers step); `collector_rows=True`, as the Collector
does: every attribute as the producer sent it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ag2_otel.server.clickhouse.client import ChdbClient
from ag2_otel.server.clickhouse.exporter_ddl import TRACES_TABLE, exporter_statements
from ag2_otel.server.clickhouse.exporter_rows import exporter_row, exporter_rows
from ag2_otel.server.clickhouse.migrations import migrate
from ag2_otel.server.normalize import attributes_dict, dumps, normalize


def create_exporter_tables(client: ChdbClient) -> None:
    for statement in exporter_statements(client.database):
        client.command(statement)


def collector_rows(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """The rows the Collector's exporter writes for `request`: the span attributes as sent,
    with none of the names ag2-otel's producers step adds on its own ingest."""
    rows = normalize(request).rows
    sent = [span for spans in request.resource_spans for scope in spans.scope_spans for span in scope.spans]
    for row, span in zip(rows, sent, strict=True):
        row.attributes_json = dumps(attributes_dict(span.attributes))
    return [exporter_row(row) for row in rows]


def insert_requests(
    client: ChdbClient, *requests: ExportTraceServiceRequest, collector: bool = False
) -> None:
    """One insert per request, as the exporter does per batch (each feeds the views once)."""
    for request in requests:
        rows = collector_rows(request) if collector else exporter_rows(request)
        client.insert_json_rows(f"{client.database}.{TRACES_TABLE}", rows)


def load_chdb(
    path: Path, *requests: ExportTraceServiceRequest, views: bool = True, collector: bool = False
) -> str:
    """A chDB store at `path` holding `requests` (`collector`: as the Collector writes them);
    returns its --store URL. The session is closed again: chDB lets one process at a time
    open a data directory."""
    client = ChdbClient(str(path))
    try:
        create_exporter_tables(client)
        if views:
            migrate(client)
        insert_requests(client, *requests, collector=collector)
    finally:
        client.close()
    return f"chdb:{path}"
