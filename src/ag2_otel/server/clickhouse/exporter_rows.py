"""OTLP spans → `otel_traces` rows, converted the way the Collector's `clickhouse` exporter
converts them (v0.128.0, exporter_traces.go): hex ids ("" for none), proto enum names for
kind and status, resource/span attributes flattened to strings (`AsString()`), events and
links as parallel nested arrays, Duration in ns. Used to load test and benchmark data into
chDB; in production the Collector writes these rows.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ag2_otel.server.clickhouse.values import as_string
from ag2_otel.server.normalize import KINDS, STATUS_CODES, any_value


def _strings(pairs: Any) -> dict[str, str]:
    return {pair.key: as_string(any_value(pair.value)) for pair in pairs}


def _time(ns: int) -> str:
    """DateTime64(9) as ClickHouse reads it from text: unix seconds with nine decimals."""
    return f"{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"


def exporter_rows(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    rows = []
    for resource_spans in request.resource_spans:
        resource = _strings(resource_spans.resource.attributes)
        service = resource.get("service.name", "")
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope
            for span in scope_spans.spans:
                start, end = span.start_time_unix_nano, span.end_time_unix_nano
                rows.append(
                    {
                        "Timestamp": _time(start),
                        "TraceId": span.trace_id.hex(),
                        "SpanId": span.span_id.hex(),
                        "ParentSpanId": span.parent_span_id.hex(),
                        "TraceState": span.trace_state,
                        "SpanName": span.name,
                        "SpanKind": "SPAN_KIND_" + KINDS[span.kind],
                        "ServiceName": service,
                        "ResourceAttributes": resource,
                        "ScopeName": scope.name,
                        "ScopeVersion": scope.version,
                        "SpanAttributes": _strings(span.attributes),
                        "Duration": max(0, end - start),
                        "StatusCode": "STATUS_CODE_" + STATUS_CODES[span.status.code],
                        "StatusMessage": span.status.message,
                        "Events.Timestamp": [_time(e.time_unix_nano) for e in span.events],
                        "Events.Name": [e.name for e in span.events],
                        "Events.Attributes": [_strings(e.attributes) for e in span.events],
                        "Links.TraceId": [link.trace_id.hex() for link in span.links],
                        "Links.SpanId": [link.span_id.hex() for link in span.links],
                        "Links.TraceState": [link.trace_state for link in span.links],
                        "Links.Attributes": [_strings(link.attributes) for link in span.links],
                    }
                )
    return rows
