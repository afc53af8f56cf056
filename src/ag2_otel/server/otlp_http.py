"""OTLP/HTTP receiver: `POST /v1/traces` (protobuf or JSON, optionally gzip).

The 200 is sent only after the writer thread has committed the batch. Metrics
and logs paths answer 501 so exporters pointed here fail clearly, not silently.
Each request holds an `IngestGate` slot from before its body is read until
commit; everything it may cost is bounded by `IngestLimits`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import anyio.to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ag2_otel.server.ingest_gate import Busy, IngestGate
from ag2_otel.server.ingest_limits import IngestLimits
from ag2_otel.server.normalize import Batch
from ag2_otel.server.otlp_decode import JSON, PROTOBUF, ReceiveError, decode_traces, decompress, media_type
from ag2_otel.server.otlp_status import RETRY_AFTER_SECONDS, export_response, status_body
from ag2_otel.server.ratelog import RateLimitedLog
from ag2_otel.server.store.writer import Overloaded
from ag2_otel.server.trace_store import SpanWriter

logger = logging.getLogger(__name__)
_log = RateLimitedLog(logger)


def otlp_routes(
    writer: SpanWriter,
    *,
    limits: IngestLimits | None = None,
    gate: IngestGate | None = None,
) -> list[BaseRoute]:
    limits = limits or IngestLimits()
    gate = gate or IngestGate(limits)
    read_seconds = limits.body_seconds

    async def export_traces(request: Request) -> Response:
        media = media_type(request.headers.get("content-type"))
        reply = media if media in (PROTOBUF, JSON) else JSON
        try:
            if media not in (PROTOBUF, JSON):
                raise ReceiveError(
                    415, f"unsupported content type {media or '(none)'!r}; use {PROTOBUF} or {JSON}"
                )
            async with gate.slot():
                try:
                    body = await asyncio.wait_for(_read_body(request, limits.max_body_bytes), read_seconds)
                except asyncio.TimeoutError:  # not the builtin before Python 3.11
                    raise ReceiveError(408, f"request body not received within {read_seconds:g} s") from None
                batch = await anyio.to_thread.run_sync(
                    _decode, body, media, request.headers.get("content-encoding"), limits
                )
                del body
                await store_batch(writer, batch)
        except ReceiveError as exc:
            return _error(exc.status, exc.reason, reply)
        except (Busy, Overloaded) as exc:
            return _error(503, f"overloaded: {exc}; retry later", reply, retry=True)
        except sqlite3.Error as exc:
            _log.warning("store", f"store unavailable: {type(exc).__name__}")
            return _error(503, "trace store unavailable; retry later", reply, retry=True)
        except Exception as exc:  # an ingest bug must cost a retry, not a batch
            _log.warning("ingest", f"ingest failed unexpectedly: {type(exc).__name__}")
            return _error(503, "ingest failed unexpectedly; retry later", reply, retry=True)
        return Response(export_response(batch.rejected, batch.error_message, reply), media_type=reply)

    async def not_supported(request: Request) -> Response:
        signal = request.url.path.rsplit("/", 1)[-1]
        media = media_type(request.headers.get("content-type"))
        reply = media if media in (PROTOBUF, JSON) else JSON
        return _error(501, f"ag2-otel serve stores traces only; {signal} are not supported", reply)

    return [
        Route("/v1/traces", export_traces, methods=["POST"]),
        Route("/v1/metrics", not_supported, methods=["POST"]),
        Route("/v1/logs", not_supported, methods=["POST"]),
    ]


async def store_batch(writer: SpanWriter, batch: Batch) -> None:
    """Hand the rows to the writer and wait for the commit; rows it could not store count as rejected."""
    if batch.rows:
        failed = await asyncio.wrap_future(writer.submit(batch.rows))
        if failed:
            batch.rejected += failed
            batch.reasons.append(f"{failed} spans could not be stored")


def _decode(body: bytes, media: str, content_encoding: str | None, limits: IngestLimits) -> Batch:
    return decode_traces(decompress(body, content_encoding, limits.max_decoded_bytes), media, limits)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ReceiveError(413, f"body of {declared} bytes exceeds the {limit}-byte limit")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ReceiveError(413, f"body exceeds the {limit}-byte limit")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ReceiveError(400, "client disconnected before the body was complete") from None
    return b"".join(chunks)


def _error(status: int, reason: str, media: str, *, retry: bool = False) -> Response:
    body, content_type = status_body(status, reason, media)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if retry else None
    return Response(body, status_code=status, media_type=content_type, headers=headers)
