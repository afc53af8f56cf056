"""An SDK exporting all three signals with its default exporters into `serve`, over
OTLP/HTTP and OTLP/gRPC: nothing is refused, and a content log event attached to a span
becomes that span's messages. Over both stores: the SQLite file, and chDB, where log
records go to the Collector exporter's `otel_logs` as its logs pipeline writes them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from ag2_otel.testing.serve import ServerProcess, start_server_over
from tests.semconv import content_violations

DETAILS = {
    "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "Hi?"}]}],
    "gen_ai.output.messages": [
        {"role": "assistant", "parts": [{"type": "text", "content": "Hello."}], "finish_reason": "stop"}
    ],
}


@pytest.fixture(params=["sqlite", "chdb"])
def serve(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    server = start_server_over(request.param, tmp_path)
    yield server
    server.stop()


def _exporters(protocol: str, serve: ServerProcess) -> tuple[object, object, object]:
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        endpoint: dict[str, Any] = {"endpoint": serve.grpc_endpoint, "insecure": True}
        return OTLPSpanExporter(**endpoint), OTLPLogExporter(**endpoint), OTLPMetricExporter(**endpoint)
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogs
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetrics
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpans

    return (
        HttpSpans(endpoint=f"{serve.url}/v1/traces"),
        HttpLogs(endpoint=f"{serve.url}/v1/logs"),
        HttpMetrics(endpoint=f"{serve.url}/v1/metrics"),
    )


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_traces_logs_and_metrics_are_all_accepted(
    protocol: str, serve: ServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    spans, logs, metrics = _exporters(protocol, serve)
    resource = Resource.create({"service.name": f"signals-{protocol}"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))  # type: ignore[arg-type]
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))  # type: ignore[arg-type]
    reader = PeriodicExportingMetricReader(metrics, export_interval_millis=60_000)  # type: ignore[arg-type]
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    caplog.set_level(logging.WARNING)

    meter_provider.get_meter("app").create_counter("requests").add(1)
    with tracer_provider.get_tracer("app").start_as_current_span("chat gpt-4o-mini") as span:
        span.set_attributes({"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai"})
        logger_provider.get_logger("app").emit(
            event_name="gen_ai.client.inference.operation.details",
            attributes={k: json.dumps(v) for k, v in DETAILS.items()},
        )
        trace_id = format(span.get_span_context().trace_id, "032x")
    logger_provider.force_flush()
    meter_provider.shutdown()  # exports the metric
    tracer_provider.shutdown()
    logger_provider.shutdown()

    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == []
    (stored,) = serve.api(f"/api/traces/{trace_id}").json()["spans"]
    attributes = stored["attributes"]
    assert json.loads(attributes["gen_ai.input.messages"]) == DETAILS["gen_ai.input.messages"]
    assert json.loads(attributes["gen_ai.output.messages"]) == DETAILS["gen_ai.output.messages"]
    assert content_violations(attributes) == []


def test_bad_log_records_are_rejected_alone(serve: ServerProcess) -> None:
    """OTLP partial success: a record with a malformed span id is refused, the rest kept."""
    import httpx

    trace_id = "5b8efff798038103d269b633813fc60c"
    span = {
        "traceId": trace_id,
        "spanId": "eee19b7ec3c1b174",
        "name": "chat m",
        "kind": 3,
        "startTimeUnixNano": "1700000000000000000",
        "endTimeUnixNano": "1700000001000000000",
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}],
    }
    traces = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    assert httpx.post(f"{serve.url}/v1/traces", json=traces, timeout=30).status_code == 200
    choice = {"message": {"role": "assistant", "content": "Hello."}, "finish_reason": "stop"}
    records = [
        {
            "timeUnixNano": "1700000000500000000",
            "traceId": trace_id,
            "spanId": "eee19b7ec3c1b174",
            "eventName": "gen_ai.user.message",
            "body": {"kvlistValue": {"values": [{"key": "content", "value": {"stringValue": "Hi?"}}]}},
        },
        {
            "timeUnixNano": "1700000000600000000",
            "traceId": trace_id,
            "spanId": "eee19b7ec3c1b174",
            "attributes": [{"key": "event.name", "value": {"stringValue": "gen_ai.choice"}}],
            "body": {"stringValue": json.dumps(choice)},
        },
        {"timeUnixNano": "1700000000700000000", "traceId": trace_id, "spanId": "eee19b"},
    ]
    logs = {"resourceLogs": [{"scopeLogs": [{"logRecords": records}]}]}
    answer = httpx.post(f"{serve.url}/v1/logs", json=logs, timeout=30)
    assert answer.status_code == 200
    assert answer.json()["partialSuccess"]["rejectedLogRecords"] == "1"
    (stored,) = serve.api(f"/api/traces/{trace_id}").json()["spans"]
    inputs = json.loads(stored["attributes"]["gen_ai.input.messages"])
    assert inputs == [{"role": "user", "parts": [{"type": "text", "content": "Hi?"}]}]
    (output,) = json.loads(stored["attributes"]["gen_ai.output.messages"])
    assert output == {
        "role": "assistant",
        "parts": [{"type": "text", "content": "Hello."}],
        "finish_reason": "stop",
    }
