"""OTLP/gRPC receiver: `TraceService/Export`, `LogsService/Export`, `MetricsService/Export`.

Requests arrive as raw bytes and are parsed here, so malformed protobuf maps to
INVALID_ARGUMENT (grpc's own deserializer would report INTERNAL). Logs and
metrics are decoded by `otlp_logs` and share the traces' handler, gate and limits.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

import grpc
from grpc import aio

from ag2_otel.server.auth import bearer_token, token_matches
from ag2_otel.server.ingest_gate import Busy, IngestGate
from ag2_otel.server.ingest_limits import IngestLimits
from ag2_otel.server.otlp_decode import PROTOBUF, ReceiveError, decode_traces
from ag2_otel.server.otlp_http import Decode, Respond, store_batch, trace_response
from ag2_otel.server.otlp_logs import (
    LOGS_SERVICE,
    METRICS_SERVICE,
    decode_logs,
    decode_metrics,
    logs_response,
    metrics_response,
)
from ag2_otel.server.otlp_status import GRPC_CODE_BY_HTTP, RETRY_INFO_METADATA_KEY, retry_info
from ag2_otel.server.ratelog import RateLimitedLog
from ag2_otel.server.store.logs import write_logs
from ag2_otel.server.store.writer import Overloaded, Write
from ag2_otel.server.trace_store import SpanWriter

logger = logging.getLogger(__name__)
_log = RateLimitedLog(logger)

SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService"
GRPC_OPTIONS = (
    ("grpc.max_send_message_length", 4 * 1024 * 1024),
    # idle clients are dropped after 5 minutes; a client may ping at most every 10 s
    ("grpc.max_connection_idle_ms", 300_000),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    # no window growth: grpc buffers at most one 64 KiB window per call the handler has not read
    ("grpc.http2.bdp_probe", 0),
)
# Throttled clients are told when to retry; the SDK's exporter waits that long instead
# of its own exponential backoff (the OTLP spec's RetryInfo).
_RETRY_LATER = ((RETRY_INFO_METADATA_KEY, retry_info()),)


class ExportHandler:
    """One signal's Export method: decode, hand to the writer, and answer only after commit."""

    def __init__(
        self,
        writer: SpanWriter,
        token: str | None = None,
        *,
        limits: IngestLimits,
        gate: IngestGate,
        signal: tuple[Decode, Respond, Write | None] = (decode_traces, trace_response, None),
    ) -> None:
        self._writer = writer
        self._token = token
        self._limits = limits
        self._gate = gate
        self._decode, self._respond, self._write = signal

    async def export(self, body: bytes, context: Any) -> bytes:
        if self._token and not self._authorized(context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")
        try:
            async with self._gate.slot():
                batch = await asyncio.to_thread(self._decode, body, PROTOBUF, self._limits)
                del body
                await store_batch(self._writer, batch, self._write)
        except ReceiveError as exc:
            await context.abort(_status_code(exc.status), exc.reason)
        except (Busy, Overloaded) as exc:
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED, f"overloaded: {exc}; retry later", _RETRY_LATER
            )
        except sqlite3.Error as exc:
            _log.warning("store", f"store unavailable: {type(exc).__name__}")
            await context.abort(
                grpc.StatusCode.UNAVAILABLE, "trace store unavailable; retry later", _RETRY_LATER
            )
        except Exception as exc:  # an ingest bug must cost a retry, not a batch
            if isinstance(exc, aio.AbortError):
                raise
            _log.warning("ingest", f"ingest failed unexpectedly: {type(exc).__name__}")
            await context.abort(
                grpc.StatusCode.UNAVAILABLE, "ingest failed unexpectedly; retry later", _RETRY_LATER
            )
        return self._respond(batch, PROTOBUF)

    def _authorized(self, context: Any) -> bool:
        for key, value in context.invocation_metadata() or ():
            if key == "authorization" and isinstance(value, str) and bearer_token(value):
                return token_matches(bearer_token(value), self._token or "")
        return False


def create_grpc_server(
    writer: SpanWriter,
    *,
    token: str | None = None,
    limits: IngestLimits | None = None,
    gate: IngestGate | None = None,
) -> aio.Server:
    limits = limits or IngestLimits()
    gate = gate or IngestGate(limits)
    signals: dict[str, tuple[Decode, Respond, Write | None]] = {
        SERVICE: (decode_traces, trace_response, None),
        LOGS_SERVICE: (decode_logs, logs_response, write_logs),
        METRICS_SERVICE: (decode_metrics, metrics_response, None),
    }
    handlers = {
        service: ExportHandler(writer, token, limits=limits, gate=gate, signal=signal)
        for service, signal in signals.items()
    }
    server = aio.server(
        options=[("grpc.max_receive_message_length", limits.max_body_bytes), *GRPC_OPTIONS],
        # grpc reads a call's whole message before the handler runs: calls beyond the
        # gate's slots and waiting room are refused by grpc itself (RESOURCE_EXHAUSTED)
        maximum_concurrent_rpcs=limits.concurrent_requests + limits.grpc_waiting_requests,
    )
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                service, {"Export": grpc.unary_unary_rpc_method_handler(handler.export)}
            )
            for service, handler in handlers.items()
        ]
    )
    return server


def _status_code(http_status: int) -> grpc.StatusCode:
    code = GRPC_CODE_BY_HTTP.get(http_status, 2)
    return next(status for status in grpc.StatusCode if status.value[0] == code)
