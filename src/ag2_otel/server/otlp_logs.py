"""OTLP logs and metrics: what an SDK pointed at `serve` with default settings also sends.

Log records are stored (table `logs`, migration 4; `store/logs.py` attaches content
events to their span when a trace is read). Metrics are parsed and dropped: every
chart the viewer draws is computed from spans, so storing them would only duplicate
what spans already say. Accepting them means an exporter with default settings never
logs an export error. Both use the traces receivers' export paths (HTTP and gRPC), so
limits, auth, partial success and overload answers are the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ScopeLogs
from starlette.routing import BaseRoute, Route

from ag2_otel.server.normalize import Batch, any_value, attributes_dict, dumps
from ag2_otel.server.otlp_decode import (
    JSON,
    PROTOBUF,
    convert_ids,
    items,
    parse_json_into,
    parse_protobuf_into,
)
from ag2_otel.server.otlp_http import MAX_BODY_BYTES, export_endpoint
from ag2_otel.server.store.logs import write_logs
from ag2_otel.server.store.writer import StoreWriter

LOGS_SERVICE = "opentelemetry.proto.collector.logs.v1.LogsService"
METRICS_SERVICE = "opentelemetry.proto.collector.metrics.v1.MetricsService"
_MAX_TIME_NS = 2**63 - 1


@dataclass(slots=True)
class LogRow:
    """One log record as the store writes it."""

    trace_id: str | None
    span_id: str | None
    time_ns: int
    severity_number: int
    severity_text: str
    event_name: str
    body_json: str
    attributes_json: str
    service: str | None
    scope_name: str


def logs_and_metrics_routes(writer: StoreWriter, *, max_body_bytes: int = MAX_BODY_BYTES) -> list[BaseRoute]:
    logs = export_endpoint(
        writer, decode_logs, logs_response, write=write_logs, max_body_bytes=max_body_bytes
    )
    metrics = export_endpoint(writer, decode_metrics, metrics_response, max_body_bytes=max_body_bytes)
    return [Route("/v1/logs", logs, methods=["POST"]), Route("/v1/metrics", metrics, methods=["POST"])]


# --- logs ---------------------------------------------------------------------------


def decode_logs(body: bytes, media: str) -> Batch[LogRow]:
    if media == PROTOBUF:
        request = parse_protobuf_into(body, ExportLogsServiceRequest())
    else:
        request = parse_json_into(body, ExportLogsServiceRequest(), _log_ids_to_base64)
    return normalize_logs(request)


def _log_ids_to_base64(document: dict[str, Any]) -> None:
    for resource_logs in items(document, "resourceLogs", "resource_logs"):
        for scope_logs in items(resource_logs, "scopeLogs", "scope_logs"):
            for record in items(scope_logs, "logRecords", "log_records"):
                convert_ids(record, ("traceId", "trace_id", "spanId", "span_id"))


def normalize_logs(request: ExportLogsServiceRequest) -> Batch[LogRow]:
    batch: Batch[LogRow] = Batch()
    for resource_logs in request.resource_logs:
        service = attributes_dict(resource_logs.resource.attributes).get("service.name")
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                reason = _invalid_reason(record)
                if reason:
                    batch.reject(reason)
                else:
                    batch.rows.append(_row(record, None if service is None else str(service), scope_logs))
    return batch


def _invalid_reason(record: LogRecord) -> str | None:
    if len(record.trace_id) not in (0, 16) or len(record.span_id) not in (0, 8):
        return "log record with an invalid trace_id or span_id length"
    if record.time_unix_nano > _MAX_TIME_NS or record.observed_time_unix_nano > _MAX_TIME_NS:
        return "log record with a timestamp beyond year 2262"
    return None


def _row(record: LogRecord, service: str | None, scope_logs: ScopeLogs) -> LogRow:
    attributes = attributes_dict(record.attributes)
    # the event name: its own field (OTLP 1.5+), else the older `event.name` attribute
    name = record.event_name or str(attributes.get("event.name", ""))
    return LogRow(
        trace_id=record.trace_id.hex() if any(record.trace_id) else None,
        span_id=record.span_id.hex() if any(record.span_id) else None,
        time_ns=record.time_unix_nano or record.observed_time_unix_nano,
        severity_number=record.severity_number,
        severity_text=record.severity_text,
        event_name=name,
        body_json=dumps(any_value(record.body)),
        attributes_json=dumps(attributes),
        service=service,
        scope_name=scope_logs.scope.name,
    )


def logs_response(batch: Batch[Any], media: str) -> bytes:
    response = ExportLogsServiceResponse()
    if batch.rejected:
        response.partial_success.rejected_log_records = batch.rejected
        response.partial_success.error_message = batch.error_message
    return _encode(response, media)


# --- metrics: accepted, not stored -----------------------------------------------------


def decode_metrics(body: bytes, media: str) -> Batch[Any]:
    """Parsed only to answer malformed bodies with 400 / INVALID_ARGUMENT; nothing is kept."""
    if media == PROTOBUF:
        parse_protobuf_into(body, ExportMetricsServiceRequest())
    else:
        parse_json_into(body, ExportMetricsServiceRequest(), lambda _: None)
    return Batch()


def metrics_response(_: Batch[Any], media: str) -> bytes:
    return _encode(ExportMetricsServiceResponse(), media)


def _encode(response: Message, media: str) -> bytes:
    if media == JSON:
        return json.dumps(json_format.MessageToDict(response)).encode()
    return response.SerializeToString()
