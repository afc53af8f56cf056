"""Spans → `otel_traces` rows (and log records → `otel_logs` rows, `exporter_log_row`),
converted the way the Collector's `clickhouse` exporter converts them (v0.128.0,
exporter_traces.go): hex ids ("" for none), proto enum names for
kind and status, resource/span attributes flattened to strings (`AsString()`), events and
links as parallel nested arrays, Duration in ns, no span flags. In production the Collector
writes these rows; here they load chDB (`serve --store chdb:PATH`, tests, the benchmark).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ag2_otel.server.clickhouse.values import as_string
from ag2_otel.server.normalize import SpanRow, normalize
from ag2_otel.server.receiver.logs_and_metrics import LogRow


def _strings(attributes: dict[str, Any]) -> dict[str, str]:
    return {key: as_string(value) for key, value in attributes.items()}


def _time(ns: int) -> str:
    """DateTime64(9) as text in UTC, whatever the server's time zone (read with
    date_time_input_format=best_effort, see client.INSERT_SETTINGS)."""
    seconds = datetime.fromtimestamp(ns // 1_000_000_000, tz=timezone.utc)
    return f"{seconds:%Y-%m-%dT%H:%M:%S}.{ns % 1_000_000_000:09d}Z"


def exporter_row(row: SpanRow) -> dict[str, Any]:
    """One decoded span (`normalize`) as the exporter inserts it."""
    resource = _strings(json.loads(row.resource_json))
    scope = json.loads(row.scope_json)
    events = json.loads(row.events_json)
    links = json.loads(row.links_json)
    return {
        "Timestamp": _time(row.start_ns),
        "TraceId": row.trace_id,
        "SpanId": row.span_id,
        "ParentSpanId": row.parent_span_id or "",
        "TraceState": row.trace_state,
        "SpanName": row.name,
        "SpanKind": "SPAN_KIND_" + row.kind,
        "ServiceName": resource.get("service.name", ""),
        "ResourceAttributes": resource,
        "ScopeName": scope.get("name", ""),
        "ScopeVersion": scope.get("version", ""),
        "SpanAttributes": _strings(json.loads(row.attributes_json)),
        "Duration": row.end_ns - row.start_ns,
        "StatusCode": "STATUS_CODE_" + row.status_code,
        "StatusMessage": row.status_message,
        "Events.Timestamp": [_time(e["time_ns"]) for e in events],
        "Events.Name": [e["name"] for e in events],
        "Events.Attributes": [_strings(e["attributes"]) for e in events],
        "Links.TraceId": [link["trace_id"] for link in links],
        "Links.SpanId": [link["span_id"] for link in links],
        "Links.TraceState": [link.get("trace_state", "") for link in links],
        "Links.Attributes": [_strings(link["attributes"]) for link in links],
    }


def exporter_rows(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    return [exporter_row(row) for row in normalize(request).rows]


def exporter_log_row(row: LogRow) -> dict[str, Any]:
    """One decoded log record (`normalize_logs`) as the exporter inserts it (v0.128.0,
    exporter_logs.go): Timestamp, else the observed time; hex ids ("" for none); the body
    and attributes as `AsString()`. Plus `EventName`, the column chDB stores add
    (exporter_ddl.event_name_column). What a `LogRow` does not keep is left empty: the
    resource beyond `service.name`, scope version, schema URLs, trace flags (the viewer
    reads none of them)."""
    service = row.service or ""
    body = json.loads(row.body_json)
    return {
        "Timestamp": _time(row.time_ns),
        "TraceId": row.trace_id or "",
        "SpanId": row.span_id or "",
        "TraceFlags": 0,
        "SeverityText": row.severity_text,
        "SeverityNumber": row.severity_number,
        "ServiceName": service,
        "Body": "" if body is None else as_string(body),
        "ResourceAttributes": {"service.name": service} if service else {},
        "ScopeName": row.scope_name,
        "LogAttributes": _strings(json.loads(row.attributes_json)),
        "EventName": row.event_name,
    }
