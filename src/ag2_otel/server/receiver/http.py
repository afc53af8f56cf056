"""OTLP/HTTP receiver: `POST /v1/traces`, `/v1/logs`, `/v1/metrics` (protobuf or JSON, optionally gzip).

The 200 is sent only after the writer thread has committed the batch. Logs and
metrics are decoded by `logs_and_metrics` and go through the same path. Each request
holds an `IngestGate` slot from before its body is read until commit;
everything it may cost is bounded by `IngestLimits`.
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

from ag2_otel.server.normalize import Batch
from ag2_otel.server.ratelog import RateLimitedLog
from ag2_otel.server.receiver.decode import JSON, PROTOBUF, ReceiveError, decompress, media_type
from ag2_otel.server.receiver.gate import Busy, IngestGate
from ag2_otel.server.receiver.limits import IngestLimits
from ag2_otel.server.receiver.signals import SIGNALS, Decode, Signal
from ag2_otel.server.receiver.status import RETRY_AFTER_SECONDS, status_body
from ag2_otel.server.store.writer import Overloaded, StoreWriter, Write
from ag2_otel.server.trace_store import LogWriter, SpanWriter

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

    def export(signal: Signal) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await _export(request, signal)

        return endpoint

    async def _export(request: Request, signal: Signal) -> Response:
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
                encoding = request.headers.get("content-encoding")
                batch = await anyio.to_thread.run_sync(_decode, signal.decode, body, media, encoding, limits)
                del body
                await store_batch(writer, batch, signal.write)
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
        return Response(signal.respond(batch, reply), media_type=reply)

    return [Route(signal.path, export(signal), methods=["POST"]) for signal in SIGNALS]


async def store_batch(writer: SpanWriter, batch: Batch[Any], write: Write | None = None) -> None:
    """Hand the rows to the writer and wait for the commit; rows it could not store count as rejected.

    Spans go to any `SpanWriter`; other rows (`write`: log records) to the SQLite
    `StoreWriter` through `write`, or to a `LogWriter` (chDB's `otel_logs`); a writer that
    is neither keeps traces only (501 / UNIMPLEMENTED).
    """
    if not batch.rows:
        return
    if write is None:
        future = writer.submit(batch.rows)
    elif isinstance(writer, StoreWriter):
        future = writer.submit(batch.rows, write=write)
    elif isinstance(writer, LogWriter):
        future = writer.submit_logs(batch.rows)
    else:
        raise ReceiveError(501, "this store keeps traces only: log records need the SQLite store")
    failed = await asyncio.wrap_future(future)
    if failed:
        batch.rejected += failed
        batch.reasons.append(f"{failed} {'records' if write else 'spans'} could not be stored")


def _decode(
    decode: Decode, body: bytes, media: str, encoding: str | None, limits: IngestLimits
) -> Batch[Any]:
    return decode(decompress(body, encoding, limits.max_decoded_bytes), media, limits)


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
