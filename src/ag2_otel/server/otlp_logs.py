"""OTLP logs and metrics: what an SDK pointed at `serve` with default settings also sends.

Log records are stored (table `logs`, migration 4; `store/logs.py` attaches content
events to their span when a trace is read). Metrics are checked and dropped: every
chart the viewer draws is computed from spans, so storing them would only duplicate
what spans already say. Accepting them means an exporter with default settings never
logs an export error. The traces receivers (`otlp_http`, `grpc_receiver`) serve both
with these decoders, so the `IngestGate`, `IngestLimits`, auth, partial success and
overload answers are the same as for traces.
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

from ag2_otel.server.ingest_limits import COMMON_SCHEMA, Budget, IngestLimits, Schema
from ag2_otel.server.normalize import Batch, any_value, attributes_dict, dumps
from ag2_otel.server.otlp_decode import (
    JSON,
    PROTOBUF,
    as_receive_errors,
    convert_ids,
    count_on_wire,
    items,
    parse_bounded,
)
from ag2_otel.server.units import MAX_NS

LOGS_SERVICE = "opentelemetry.proto.collector.logs.v1.LogsService"
METRICS_SERVICE = "opentelemetry.proto.collector.metrics.v1.MetricsService"


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


# What the wire walk counts (`ingest_limits.walk`): records and data points are "items".
LOGS_SCHEMA: Schema = {
    **COMMON_SCHEMA,
    "ExportLogsServiceRequest": {1: ("resources", "ResourceLogs")},
    "ResourceLogs": {1: (None, "Resource"), 2: ("scopes", "ScopeLogs")},
    "ScopeLogs": {1: (None, "InstrumentationScope"), 2: ("items", "LogRecord")},
    "LogRecord": {5: (None, "AnyValue"), 6: ("attributes", "KeyValue")},
}
METRICS_SCHEMA: Schema = {
    **COMMON_SCHEMA,
    "ExportMetricsServiceRequest": {1: ("resources", "ResourceMetrics")},
    "ResourceMetrics": {1: (None, "Resource"), 2: ("scopes", "ScopeMetrics")},
    "ScopeMetrics": {1: (None, "InstrumentationScope"), 2: (None, "Metric")},
    "Metric": {
        5: (None, "NumberPoints"),  # gauge
        7: (None, "NumberPoints"),  # sum
        9: (None, "HistogramPoints"),
        10: (None, "ExponentialPoints"),
        11: (None, "SummaryPoints"),
        12: ("attributes", "KeyValue"),  # metadata
    },
    "NumberPoints": {1: ("items", "NumberDataPoint")},
    "HistogramPoints": {1: ("items", "HistogramDataPoint")},
    "ExponentialPoints": {1: ("items", "ExponentialHistogramDataPoint")},
    "SummaryPoints": {1: ("items", "SummaryDataPoint")},
    "NumberDataPoint": {7: ("attributes", "KeyValue"), 5: (None, "Exemplar")},
    "HistogramDataPoint": {9: ("attributes", "KeyValue"), 8: (None, "Exemplar")},
    "ExponentialHistogramDataPoint": {1: ("attributes", "KeyValue"), 11: (None, "Exemplar")},
    "SummaryDataPoint": {7: ("attributes", "KeyValue")},
    "Exemplar": {7: ("attributes", "KeyValue")},
}


# --- logs ---------------------------------------------------------------------------


def decode_logs(body: bytes, media: str, limits: IngestLimits) -> Batch[LogRow]:
    request = parse_bounded(
        body, media, limits, ExportLogsServiceRequest(), LOGS_SCHEMA, _log_ids_to_base64, "log records"
    )
    with as_receive_errors():
        return normalize_logs(request, Budget(limits, "log records"))


def _log_ids_to_base64(document: dict[str, Any]) -> None:
    for resource_logs in items(document, "resourceLogs", "resource_logs"):
        for scope_logs in items(resource_logs, "scopeLogs", "scope_logs"):
            for record in items(scope_logs, "logRecords", "log_records"):
                convert_ids(record, ("traceId", "trace_id", "spanId", "span_id"))


def normalize_logs(request: ExportLogsServiceRequest, budget: Budget | None = None) -> Batch[LogRow]:
    """Rows of a parsed request; with `budget`, one over it raises `LimitExceeded`."""
    batch: Batch[LogRow] = Batch()
    for resource_logs in request.resource_logs:
        _spend(budget, "resources")
        service = attributes_dict(resource_logs.resource.attributes, budget).get("service.name")
        for scope_logs in resource_logs.scope_logs:
            _spend(budget, "scopes")
            for record in scope_logs.log_records:
                _spend(budget, "items")
                reason = _invalid_reason(record)
                if reason:
                    batch.reject(reason)
                else:
                    row = _row(record, None if service is None else str(service), scope_logs, budget)
                    batch.rows.append(row)
    return batch


def _spend(budget: Budget | None, kind: str) -> None:
    if budget:
        budget.spend(kind)


def _invalid_reason(record: LogRecord) -> str | None:
    if len(record.trace_id) not in (0, 16) or len(record.span_id) not in (0, 8):
        return "log record with an invalid trace_id or span_id length"
    if record.time_unix_nano > MAX_NS or record.observed_time_unix_nano > MAX_NS:
        return "log record with a timestamp beyond year 2262"
    return None


def _row(record: LogRecord, service: str | None, scope_logs: ScopeLogs, budget: Budget | None) -> LogRow:
    attributes = attributes_dict(record.attributes, budget)
    # the event name: its own field (OTLP 1.5+), else the older `event.name` attribute
    name = record.event_name or str(attributes.get("event.name", ""))
    return LogRow(
        trace_id=record.trace_id.hex() if any(record.trace_id) else None,
        span_id=record.span_id.hex() if any(record.span_id) else None,
        time_ns=record.time_unix_nano or record.observed_time_unix_nano,
        severity_number=record.severity_number,
        severity_text=record.severity_text,
        event_name=name,
        body_json=dumps(any_value(record.body, budget)),
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


def decode_metrics(body: bytes, media: str, limits: IngestLimits) -> Batch[Any]:
    """Checked only to answer malformed bodies with 400 / INVALID_ARGUMENT; nothing is kept.

    Protobuf is counted and checked on the wire, never parsed: nothing would use the objects.
    """
    if media == PROTOBUF:
        count_on_wire(body, limits, "ExportMetricsServiceRequest", METRICS_SCHEMA, "data points")
    else:
        request = ExportMetricsServiceRequest()
        parse_bounded(body, media, limits, request, METRICS_SCHEMA, lambda _: None, "data points")
    return Batch()


def metrics_response(_: Batch[Any], media: str) -> bytes:
    return _encode(ExportMetricsServiceResponse(), media)


def _encode(response: Message, media: str) -> bytes:
    if media == JSON:
        return json.dumps(json_format.MessageToDict(response)).encode()
    return response.SerializeToString()
