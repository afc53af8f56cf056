"""OTLP logs and metrics: what an SDK pointed at `serve` with default settings also sends.

Log records are stored (table `logs`, migration 4). A record carrying a trace and span
id belongs to that span: when the span has no content attributes of its own, its
content events (`gen_ai.client.inference.operation.details`, or the older
`gen_ai.*.message` / `gen_ai.choice`) become the span's messages when it is read
(`content_for_trace`), whichever of span and record arrived first.

Metrics are accepted and dropped: every chart the viewer draws is computed from spans,
so storing them would only duplicate what spans already say. Accepting them means an
exporter with default settings never logs an export error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
import grpc
from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ag2_otel.server.grpc_receiver import _RETRY_LATER, TraceExportHandler
from ag2_otel.server.normalize import any_value, attributes_dict, dumps
from ag2_otel.server.otlp_decode import (
    JSON,
    PROTOBUF,
    ReceiveError,
    _convert_ids,
    _items,
    decompress,
    media_type,
)
from ag2_otel.server.otlp_http import MAX_BODY_BYTES, _error, _read_body
from ag2_otel.server.store.logs import write_logs
from ag2_otel.server.store.writer import Overloaded, StoreWriter

logger = logging.getLogger(__name__)

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


@dataclass(slots=True)
class LogBatch:
    rows: list[LogRow] = field(default_factory=list)
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)


# --- decoding -------------------------------------------------------------------


def parse(body: bytes, media: str, message: Message) -> Message:
    """`body` (protobuf or OTLP/JSON, ids as hex in JSON) parsed into `message`."""
    if media == PROTOBUF:
        try:
            message.ParseFromString(body)
        except (DecodeError, RecursionError, ValueError) as exc:
            raise ReceiveError(400, f"malformed protobuf: {exc}") from None
        return message
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ReceiveError(400, f"malformed JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ReceiveError(400, "malformed JSON: the body must be an object")
    for resource_logs in _items(document, "resourceLogs", "resource_logs"):
        for scope_logs in _items(resource_logs, "scopeLogs", "scope_logs"):
            for record in _items(scope_logs, "logRecords", "log_records"):
                _convert_ids(record, ("traceId", "trace_id", "spanId", "span_id"))
    try:
        return json_format.ParseDict(document, message, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise ReceiveError(400, f"invalid OTLP JSON: {str(exc)[:200]}") from None


def normalize_logs(request: ExportLogsServiceRequest) -> LogBatch:
    batch = LogBatch()
    for resource_logs in request.resource_logs:
        service = attributes_dict(resource_logs.resource.attributes).get("service.name")
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                reason = _invalid_reason(record)
                if reason:
                    batch.rejected += 1
                    batch.reasons.append(reason)
                    continue
                batch.rows.append(_row(record, None if service is None else str(service), scope_logs))
    return batch


def _invalid_reason(record: LogRecord) -> str | None:
    if len(record.trace_id) not in (0, 16) or len(record.span_id) not in (0, 8):
        return "log record with an invalid trace_id or span_id length"
    if record.time_unix_nano > _MAX_TIME_NS or record.observed_time_unix_nano > _MAX_TIME_NS:
        return "log record with a timestamp beyond year 2262"
    return None


def _row(record: LogRecord, service: str | None, scope_logs: Any) -> LogRow:
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


# --- receivers ----------------------------------------------------------------------


def logs_and_metrics_routes(writer: StoreWriter, *, max_body_bytes: int = MAX_BODY_BYTES) -> list[BaseRoute]:
    async def export_logs(request: Request) -> Response:
        media = media_type(request.headers.get("content-type"))
        reply = media if media in (PROTOBUF, JSON) else JSON
        try:
            body = await _body(request, media, max_body_bytes)
            batch = await anyio.to_thread.run_sync(_decode_logs, body, media)
            if batch.rows:
                await asyncio.wrap_future(writer.submit(batch.rows, write=write_logs))
        except ReceiveError as exc:
            return _error(exc.status, exc.reason, reply)
        except Overloaded as exc:
            return _error(503, f"overloaded: {exc}; retry later", reply, retry=True)
        except sqlite3.Error as exc:
            logger.error("store unavailable: %s", type(exc).__name__)
            return _error(503, "log store unavailable; retry later", reply, retry=True)
        return Response(_logs_response(batch, reply), media_type=reply)

    async def export_metrics(request: Request) -> Response:
        media = media_type(request.headers.get("content-type"))
        reply = media if media in (PROTOBUF, JSON) else JSON
        try:
            body = await _body(request, media, max_body_bytes)
            await anyio.to_thread.run_sync(parse, body, media, ExportMetricsServiceRequest())
        except ReceiveError as exc:
            return _error(exc.status, exc.reason, reply)
        return Response(_encode(ExportMetricsServiceResponse(), reply), media_type=reply)

    return [
        Route("/v1/logs", export_logs, methods=["POST"]),
        Route("/v1/metrics", export_metrics, methods=["POST"]),
    ]


async def _body(request: Request, media: str, limit: int) -> bytes:
    if media not in (PROTOBUF, JSON):
        raise ReceiveError(415, f"unsupported content type {media or '(none)'!r}; use {PROTOBUF} or {JSON}")
    body = await _read_body(request, limit)
    return decompress(body, request.headers.get("content-encoding"))


def _decode_logs(body: bytes, media: str) -> LogBatch:
    request = parse(body, media, ExportLogsServiceRequest())
    assert isinstance(request, ExportLogsServiceRequest)
    return normalize_logs(request)


def _logs_response(batch: LogBatch, media: str) -> bytes:
    response = ExportLogsServiceResponse()
    if batch.rejected:
        response.partial_success.rejected_log_records = batch.rejected
        response.partial_success.error_message = "; ".join(sorted(set(batch.reasons)))
    return _encode(response, media)


def _encode(response: Message, media: str) -> bytes:
    if media == JSON:
        return json.dumps(json_format.MessageToDict(response)).encode()
    return response.SerializeToString()


class LogsExportHandler(TraceExportHandler):
    """gRPC `LogsService/Export` and `MetricsService/Export`, with the traces handler's auth."""

    async def export_logs(self, body: bytes, context: Any) -> bytes:
        if self._token and not self._authorized(context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")
        batch = LogBatch()
        try:
            batch = await asyncio.to_thread(_decode_logs, body, PROTOBUF)
            if batch.rows:
                await asyncio.wrap_future(self._writer.submit(batch.rows, write=write_logs))
        except ReceiveError as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.reason)
        except Overloaded as exc:
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED, f"overloaded: {exc}; retry later", _RETRY_LATER
            )
        except sqlite3.Error as exc:
            logger.error("store unavailable: %s", type(exc).__name__)
            await context.abort(
                grpc.StatusCode.UNAVAILABLE, "log store unavailable; retry later", _RETRY_LATER
            )
        return _logs_response(batch, PROTOBUF)

    async def export_metrics(self, body: bytes, context: Any) -> bytes:
        if self._token and not self._authorized(context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")
        try:
            await asyncio.to_thread(parse, body, PROTOBUF, ExportMetricsServiceRequest())
        except ReceiveError as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.reason)
        return ExportMetricsServiceResponse().SerializeToString()


def grpc_handlers(writer: StoreWriter, token: str | None) -> list[Any]:
    """Generic handlers for the logs and metrics services (added to the traces server)."""
    handler = LogsExportHandler(writer, token)
    return [
        grpc.method_handlers_generic_handler(
            LOGS_SERVICE, {"Export": grpc.unary_unary_rpc_method_handler(handler.export_logs)}
        ),
        grpc.method_handlers_generic_handler(
            METRICS_SERVICE, {"Export": grpc.unary_unary_rpc_method_handler(handler.export_metrics)}
        ),
    ]
