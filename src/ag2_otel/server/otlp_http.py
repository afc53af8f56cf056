"""OTLP/HTTP receiver: `POST /v1/traces` (protobuf or JSON, optionally gzip).

The 200 is sent only after the writer thread has committed the batch. Logs and
metrics: `otlp_logs`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import anyio.to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ag2_otel.server.normalize import Batch, normalize
from ag2_otel.server.otlp_decode import JSON, PROTOBUF, ReceiveError, decompress, media_type, parse_request
from ag2_otel.server.otlp_status import RETRY_AFTER_SECONDS, export_response, status_body
from ag2_otel.server.store.writer import Overloaded, StoreWriter

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024


def otlp_routes(writer: StoreWriter, *, max_body_bytes: int = MAX_BODY_BYTES) -> list[BaseRoute]:
    async def export_traces(request: Request) -> Response:
        media = media_type(request.headers.get("content-type"))
        reply = media if media in (PROTOBUF, JSON) else JSON
        try:
            if media not in (PROTOBUF, JSON):
                raise ReceiveError(
                    415, f"unsupported content type {media or '(none)'!r}; use {PROTOBUF} or {JSON}"
                )
            body = await _read_body(request, max_body_bytes)
            batch = await anyio.to_thread.run_sync(
                _decode, body, media, request.headers.get("content-encoding")
            )
            if batch.rows:
                await asyncio.wrap_future(writer.submit(batch.rows))
        except ReceiveError as exc:
            return _error(exc.status, exc.reason, reply)
        except Overloaded as exc:
            return _error(503, f"overloaded: {exc}; retry later", reply, retry=True)
        except sqlite3.Error as exc:
            logger.error("store unavailable: %s", type(exc).__name__)
            return _error(503, "trace store unavailable; retry later", reply, retry=True)
        return Response(export_response(batch.rejected, batch.error_message, reply), media_type=reply)

    return [Route("/v1/traces", export_traces, methods=["POST"])]


def _decode(body: bytes, media: str, content_encoding: str | None) -> Batch:
    return normalize(parse_request(decompress(body, content_encoding), media))


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
