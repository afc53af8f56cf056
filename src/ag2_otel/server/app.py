"""Assemble the Starlette app: OTLP/HTTP receiver (traces, logs, metrics), JSON API, viewer."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from ag2_otel.server.api import api_routes
from ag2_otel.server.middleware import LoopbackHostGuard, SecurityHeaders, TokenAuth
from ag2_otel.server.receiver.gate import IngestGate
from ag2_otel.server.receiver.http import otlp_routes
from ag2_otel.server.receiver.limits import IngestLimits
from ag2_otel.server.trace_store import SpanWriter, TraceStore
from ag2_otel.server.viewer import viewer_routes


def create_app(
    store: TraceStore,
    writer: SpanWriter | None,
    *,
    token: str | None = None,
    loopback_only: bool = True,
    limits: IngestLimits | None = None,
    gate: IngestGate | None = None,
) -> Starlette:
    """The HTTP side of `ag2-otel serve`. Without a writer (a ClickHouse store, which the
    Collector fills) there is no OTLP receiver, only the API and the viewer.

    `loopback_only` (no token) refuses requests addressed to non-loopback host
    names; with a token every request must carry it instead.
    """
    middleware = [Middleware(SecurityHeaders)]
    if token:
        middleware.append(Middleware(TokenAuth, token=token))
    elif loopback_only:
        middleware.append(Middleware(LoopbackHostGuard))
    receiver = otlp_routes(writer, limits=limits, gate=gate) if writer else []
    routes: list[BaseRoute] = [*receiver, *api_routes(store), *viewer_routes(store)]
    return Starlette(routes=routes, middleware=middleware)
