"""OTLP/gRPC receiver: `TraceService/Export`, `LogsService/Export`, `MetricsService/Export`.

Requests arrive as raw bytes and are parsed here, so malformed protobuf maps to
INVALID_ARGUMENT (grpc's own deserializer would report INTERNAL). The logs and
metrics services (`otlp_logs`) are served by the same server.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

import grpc
from grpc import aio

from ag2_otel.server.auth import bearer_token, token_matches
from ag2_otel.server.otlp_decode import PROTOBUF, ReceiveError
from ag2_otel.server.otlp_http import Decode, Respond, decode_traces, trace_response
from ag2_otel.server.otlp_logs import (
    LOGS_SERVICE,
    METRICS_SERVICE,
    decode_logs,
    decode_metrics,
    logs_response,
    metrics_response,
)
from ag2_otel.server.otlp_status import RETRY_INFO_METADATA_KEY, retry_info
from ag2_otel.server.store.ingest import write_batch
from ag2_otel.server.store.logs import write_logs
from ag2_otel.server.store.writer import Overloaded, StoreWriter, Write

logger = logging.getLogger(__name__)

SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService"
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
MAX_CONCURRENT_RPCS = 64
# Throttled clients are told when to retry; the SDK's exporter waits that long instead
# of its own exponential backoff (the OTLP spec's RetryInfo).
_RETRY_LATER = ((RETRY_INFO_METADATA_KEY, retry_info()),)


class ExportHandler:
    """One OTLP/gRPC export method (any signal): decode, hand to the writer, and answer
    only after commit."""

    def __init__(
        self,
        writer: StoreWriter,
        token: str | None,
        decode: Decode,
        respond: Respond,
        write: Write = write_batch,
    ) -> None:
        self._writer = writer
        self._token = token
        self._decode = decode
        self._respond = respond
        self._write = write

    async def export(self, body: bytes, context: Any) -> bytes:
        if self._token and not self._authorized(context):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")
        try:
            batch = await asyncio.to_thread(self._decode, body, PROTOBUF)
            if batch.rows:
                await asyncio.wrap_future(self._writer.submit(batch.rows, write=self._write))
        except ReceiveError as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.reason)
        except Overloaded as exc:
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED, f"overloaded: {exc}; retry later", _RETRY_LATER
            )
        except sqlite3.Error as exc:
            logger.error("store unavailable: %s", type(exc).__name__)
            await context.abort(
                grpc.StatusCode.UNAVAILABLE, "trace store unavailable; retry later", _RETRY_LATER
            )
        return self._respond(batch, PROTOBUF)

    def _authorized(self, context: Any) -> bool:
        for key, value in context.invocation_metadata() or ():
            if key == "authorization" and isinstance(value, str) and bearer_token(value):
                return token_matches(bearer_token(value), self._token or "")
        return False


def create_grpc_server(writer: StoreWriter, *, token: str | None = None) -> aio.Server:
    handlers = {
        SERVICE: ExportHandler(writer, token, decode_traces, trace_response),
        LOGS_SERVICE: ExportHandler(writer, token, decode_logs, logs_response, write_logs),
        METRICS_SERVICE: ExportHandler(writer, token, decode_metrics, metrics_response),
    }
    server = aio.server(
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", 4 * 1024 * 1024),
        ],
        maximum_concurrent_rpcs=MAX_CONCURRENT_RPCS,
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
