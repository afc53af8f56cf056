"""uvicorn's HTTP/1.1 protocol with the time limits and connection cap it lacks.

uvicorn closes a connection idle *between* requests (`timeout_keep_alive`) but
waits forever for the headers of a request, so stalled connections pile up
until the process runs out of file descriptors and nothing else is served.
Here a request's headers must arrive within `header_seconds` of its first
byte (or of the connection), and the number of connections stays below the
file limit: at the cap, a new connection evicts the longest-idle one (no
request in progress), or is closed itself when every connection is busy.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from ag2_otel.server.ratelog import RateLimitedLog

logger = logging.getLogger(__name__)
_log = RateLimitedLog(logger)

FILES_KEPT_FREE = 128
"""Descriptors left for the store, gRPC connections and threads."""


@dataclass(frozen=True)
class ConnectionLimits:
    header_seconds: float = 10.0
    """From a request's first byte (or the connection) to the end of its headers."""
    keep_alive_seconds: float = 5.0
    """Idle time between requests on one connection."""
    max_connections: int | None = None
    """None: the process's open-file limit minus `FILES_KEPT_FREE`."""

    def connection_cap(self) -> int:
        if self.max_connections is not None:
            return self.max_connections
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        return max(16, soft - FILES_KEPT_FREE)


def guarded_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    """An `H11Protocol` class bound to `limits` (uvicorn takes a class, not an instance)."""
    cap = limits.connection_cap()

    class GuardedH11Protocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None
        _idle_since: float = 0.0

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._idle_since = time.monotonic()
            if len(self.connections) > cap and not self._evict_idle():
                _log.warning("connections", f"{cap} HTTP connections open, all busy: refusing new ones")
                self.transport.close()
                return
            self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_header_timer()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if not self._in_request() and self._header_timer is None:
                self._arm_header_timer()
            super().data_received(data)
            if self._in_request():
                self._disarm_header_timer()

        def on_response_complete(self) -> None:
            self._idle_since = time.monotonic()
            super().on_response_complete()

        def _in_request(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def _arm_header_timer(self) -> None:
            self._disarm_header_timer()
            self._header_timer = self.loop.call_later(limits.header_seconds, self._headers_too_slow)

        def _disarm_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self._in_request() and not self.transport.is_closing():
                _log.warning(
                    "headers",
                    f"closed HTTP connections that sent no request within {limits.header_seconds:g} s",
                )
                self.transport.close()

        def _evict_idle(self) -> bool:
            idle = [
                c
                for c in self.connections
                if isinstance(c, GuardedH11Protocol)
                and c is not self
                and not c._in_request()
                and not c.transport.is_closing()
            ]
            if not idle:
                return False
            oldest = min(idle, key=lambda c: c._idle_since)
            _log.warning("evict", f"{cap} HTTP connections open: closing the longest idle ones")
            oldest.transport.close()
            return True

    return GuardedH11Protocol
