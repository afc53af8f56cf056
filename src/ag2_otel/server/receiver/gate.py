"""One cap on concurrent ingest requests, shared by every receiver of a server.

Each request holds a slot from before its body is read (HTTP) or decoded
(gRPC) until its batch is committed, so decoded rows in memory are bounded by
`concurrent_requests` requests. A few more may wait for a slot (an HTTP body
is not read while waiting: the connection's flow control holds it); beyond
that, or after `wait_seconds`, the request is told to retry (`Busy` → 503 +
Retry-After / RESOURCE_EXHAUSTED + RetryInfo).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ag2_otel.server.receiver.limits import IngestLimits


class Busy(Exception):
    """No ingest slot became free in time; the client should retry later."""


class IngestGate:
    def __init__(self, limits: IngestLimits) -> None:
        self._slots = asyncio.Semaphore(limits.concurrent_requests)
        self._max_waiting = limits.waiting_requests
        self._wait_s = limits.wait_seconds
        self._waiting = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots.locked():
            if self._waiting >= self._max_waiting:
                raise Busy(f"{self._waiting} requests are already waiting")
            self._waiting += 1
            try:
                await asyncio.wait_for(self._slots.acquire(), self._wait_s)
            except asyncio.TimeoutError:  # not the builtin before Python 3.11
                raise Busy(f"no ingest slot free within {self._wait_s:g} s") from None
            finally:
                self._waiting -= 1
        else:
            await self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()
