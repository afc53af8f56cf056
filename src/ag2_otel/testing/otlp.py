"""Real OTLP traffic made with the OpenTelemetry SDK, for tests and benchmarks of a receiver.

Needs the `otlp` extra (the SDK's OTLP exporters).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags, Tracer

from ag2_otel.testing.workload import emit_traces


def http_exporter(url: str, headers: dict[str, str] | None = None) -> HttpExporter:
    """The SDK's OTLP/HTTP exporter sending to the server at `url`."""
    return HttpExporter(endpoint=f"{url}/v1/traces", timeout=30, headers=headers)


def grpc_exporter(endpoint: str, headers: dict[str, str] | None = None) -> GrpcExporter:
    """The SDK's OTLP/gRPC exporter sending to `endpoint` (host:port) without TLS."""
    return GrpcExporter(endpoint=endpoint, insecure=True, timeout=30, headers=headers)


def send(exporter: SpanExporter, emit: Callable[[Tracer], None], service: str = "test-service") -> None:
    """Run `emit` with a tracer whose spans go through `exporter`; flush and shut down."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(
        BatchSpanProcessor(exporter, max_queue_size=100_000, max_export_batch_size=512)
    )
    emit(provider.get_tracer("ag2_otel.testing"))
    provider.force_flush()
    provider.shutdown()


def capture(emit: Callable[[Tracer], None], service: str = "test-service") -> list[ReadableSpan]:
    """Finished SDK spans of `emit`, without exporting them anywhere."""
    memory = InMemorySpanExporter()
    send(memory, emit, service)
    return list(memory.get_finished_spans())


def request_of(spans: list[ReadableSpan]) -> ExportTraceServiceRequest:
    """The OTLP export request the SDK's exporters would send for `spans`."""
    return encode_spans(spans)


def ag2_request(
    count: int,
    *,
    service: str = "store-test",
    shift_ns: int = 0,
    first: int = 0,
    start_ns: int | None = None,
) -> ExportTraceServiceRequest:
    """`count` AG2-shaped traces as one export request, optionally moved back in time by
    `shift_ns`, or moved so the first span starts at `start_ns` (`ag2_otel.testing.clock`)."""
    request = request_of(capture(emit_traces(count, first), service=service))
    if start_ns is not None:
        spans = [s for r in request.resource_spans for scope in r.scope_spans for s in scope.spans]
        shift_ns += min(s.start_time_unix_nano for s in spans) - start_ns
    if shift_ns:
        for resource_spans in request.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    span.start_time_unix_nano -= shift_ns
                    span.end_time_unix_nano -= shift_ns
    return request


def span_from_dict(span: dict[str, Any]) -> ReadableSpan:
    """The SDK span for a `Span` dict of docs/contracts.md (hex ids, `*_time_ns`, `status_code`)."""
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


def export_span_dicts(url: str, spans: list[dict[str, Any]], headers: dict[str, str] | None = None) -> None:
    """Send `Span` dicts to the server at `url` through the SDK's OTLP/HTTP exporter; raise if refused."""
    exporter = http_exporter(url, headers)
    try:
        result = exporter.export([span_from_dict(s) for s in spans])
    finally:
        exporter.shutdown()  # type: ignore[no-untyped-call]
    if result is not SpanExportResult.SUCCESS:
        raise RuntimeError(f"OTLP export to {url} failed")


def _context(trace_id: str, span_id: str) -> SpanContext:
    return SpanContext(int(trace_id, 16), int(span_id, 16), is_remote=False, trace_flags=TraceFlags(1))


def ingest(path: Path, request: ExportTraceServiceRequest) -> None:
    """Store an export request's spans in the store file at `path` (migrated first) as the
    server would, for tests and benchmarks that need data without running one."""
    from ag2_otel.server.normalize import normalize
    from ag2_otel.server.store.connection import open_writer
    from ag2_otel.server.store.ingest import SharedJson, write_batch
    from ag2_otel.server.store.migrations import migrate

    conn = open_writer(path)
    try:
        migrate(conn)
        write_batch(conn, normalize(request).rows, SharedJson())
    finally:
        conn.close()
