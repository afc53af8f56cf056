"""Real OTLP traffic made with the OpenTelemetry SDK, for tests and benchmarks of a receiver.

Needs the `otlp` extra (the SDK's OTLP exporters).
"""

from __future__ import annotations

from collections.abc import Callable

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Tracer


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
