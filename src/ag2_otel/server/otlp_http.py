"""OTLP/HTTP receiver: `POST /v1/traces` (protobuf or JSON, optionally gzip).

The 200 is sent only after the writer thread has committed the batch. Logs and
metrics: `otlp_logs`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ag2_otel.server.normalize import Batch, SpanRow, normalize
from ag2_otel.server.otlp_decode import JSON, PROTOBUF, ReceiveError, decompress, media_type, parse_request
from ag2_otel.server.otlp_status import RETRY_AFTER_SECONDS, export_response, status_body
from ag2_otel.server.store.ingest import write_batch
from ag2_otel.server.store.writer import Overloaded, StoreWriter, Write

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024


Decode = Callable[[bytes, str], Batch[Any]]
"""(uncompressed body, media type) → the rows to store and what was rejected."""
Respond = Callable[[Batch[Any], str], bytes]
"""(batch, media type) → the export response body."""


def otlp_routes(writer: StoreWriter, *, max_body_bytes: int = MAX_BODY_BYTES) -> list[BaseRoute]:
    traces = export_endpoint(writer, decode_traces, trace_response, max_body_bytes=max_body_bytes)
    return [Route("/v1/traces", traces, methods=["POST"])]


def export_endpoint(
    writer: StoreWriter,
    decode: Decode,
    respond: Respond,
    *,
    write: Write = write_batch,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Callable[[Request], Awaitable[Response]]:
    """One OTLP/HTTP export path (any signal): the answer is sent only after commit."""

    async def endpoint(request: Request) -> Response:
        media = media_type(request.headers.get("content-type"))
        reply = media if media in (PROTOBUF, JSON) else JSON
        try:
            if media not in (PROTOBUF, JSON):
                raise ReceiveError(
                    415, f"unsupported content type {media or '(none)'!r}; use {PROTOBUF} or {JSON}"
                )
            body = await _read_body(request, max_body_bytes)
            encoding = request.headers.get("content-encoding")
            batch = await anyio.to_thread.run_sync(lambda: decode(decompress(body, encoding), media))
            if batch.rows:
                await asyncio.wrap_future(writer.submit(batch.rows, write=write))
        except ReceiveError as exc:
            return _error(exc.status, exc.reason, reply)
        except Overloaded as exc:
            return _error(503, f"overloaded: {exc}; retry later", reply, retry=True)
        except sqlite3.Error as exc:
            logger.error("store unavailable: %s", type(exc).__name__)
            return _error(503, "trace store unavailable; retry later", reply, retry=True)
        return Response(respond(batch, reply), media_type=reply)

    return endpoint


def decode_traces(body: bytes, media: str) -> Batch[SpanRow]:
    return normalize(parse_request(body, media))


def trace_response(batch: Batch[Any], media: str) -> bytes:
    return export_response(batch.rejected, batch.error_message, media)


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
