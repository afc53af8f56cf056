"""Load OTLP requests into chDB the way the Collector's `clickhouse` exporter would:
its own DDL (exporter_ddl, v0.128.0), ag2-otel's views (`db migrate --store`), then the
spans as the exporter converts them (exporter_rows)."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ag2_otel.server.clickhouse.client import ChdbClient
from ag2_otel.server.clickhouse.exporter_ddl import TRACES_TABLE, exporter_statements
from ag2_otel.server.clickhouse.exporter_rows import exporter_rows
from ag2_otel.server.clickhouse.migrations import migrate


def create_exporter_tables(client: ChdbClient) -> None:
    for statement in exporter_statements(client.database):
        client.command(statement)


def insert_requests(client: ChdbClient, *requests: ExportTraceServiceRequest) -> None:
    """One insert per request, as the exporter does per batch (each feeds the views once)."""
    for request in requests:
        client.insert_json_rows(f"{client.database}.{TRACES_TABLE}", exporter_rows(request))


def load_chdb(path: Path, *requests: ExportTraceServiceRequest, views: bool = True) -> str:
    """A chDB store at `path` holding `requests`; returns its --store URL. The session is
    closed again: chDB lets one process at a time open a data directory."""
    client = ChdbClient(str(path))
    try:
        create_exporter_tables(client)
        if views:
            migrate(client)
        insert_requests(client, *requests)
    finally:
        client.close()
    return f"chdb:{path}"
