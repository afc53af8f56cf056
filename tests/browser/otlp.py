"""Send canned `Span` dicts to a real server through the OpenTelemetry SDK's OTLP/HTTP exporter."""

from __future__ import annotations

from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags


def _context(trace_id: str, span_id: str) -> SpanContext:
    return SpanContext(int(trace_id, 16), int(span_id, 16), is_remote=False, trace_flags=TraceFlags(1))


def to_readable(span: dict[str, Any]) -> ReadableSpan:
    status = (
        Status(StatusCode.ERROR, span["status_message"])
        if span["status_code"] == "ERROR"
        else Status(StatusCode.UNSET)
    )
    parent = span["parent_span_id"]
    return ReadableSpan(
        name=span["name"],
        context=_context(span["trace_id"], span["span_id"]),
        parent=_context(span["trace_id"], parent) if parent else None,
        resource=Resource(span["resource"]),
        attributes=span["attributes"],
        events=[Event(e["name"], e["attributes"], e["time_ns"]) for e in span["events"]],
        kind=SpanKind[span["kind"]],
        status=status,
        start_time=span["start_time_ns"],
        end_time=span["end_time_ns"],
        instrumentation_scope=InstrumentationScope(span["scope"]["name"], span["scope"]["version"]),
    )


def export(base_url: str, spans: list[dict[str, Any]], headers: dict[str, str] | None = None) -> None:
    exporter = OTLPSpanExporter(endpoint=f"{base_url}/v1/traces", headers=headers, timeout=10)
    try:
        result = exporter.export([to_readable(s) for s in spans])
    finally:
        exporter.shutdown()
    if result is not SpanExportResult.SUCCESS:
        raise RuntimeError(f"OTLP export to {base_url} failed")
