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
from ag2_otel.server.otlp_decode import PROTOBUF, ReceiveError
from ag2_otel.server.otlp_http import store_batch
from ag2_otel.server.otlp_signals import SIGNALS, TRACES, Signal
from ag2_otel.server.otlp_status import GRPC_CODE_BY_HTTP, RETRY_INFO_METADATA_KEY, retry_info
from ag2_otel.server.ratelog import RateLimitedLog
from ag2_otel.server.store.writer import Overloaded
from ag2_otel.server.trace_store import SpanWriter

logger = logging.getLogger(__name__)
_log = RateLimitedLog(logger)

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
        signal: Signal = TRACES,
    ) -> None:
        self._writer = writer
        self._token = token
        self._limits = limits
        self._gate = gate
        self._signal = signal

    async def export(self, body: bytes, context: Any) -> bytes:
        if self._token and not self._authorized(context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")
        try:
            async with self._gate.slot():
                batch = await asyncio.to_thread(self._signal.decode, body, PROTOBUF, self._limits)
                del body
                await store_batch(self._writer, batch, self._signal.write)
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
        return self._signal.respond(batch, PROTOBUF)

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
    handlers = {
        signal.service: ExportHandler(writer, token, limits=limits, gate=gate, signal=signal)
        for signal in SIGNALS
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
