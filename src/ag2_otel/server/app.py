"""Assemble the Starlette app: OTLP/HTTP receiver, JSON API, viewer (if installed)."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from ag2_otel.server.api import api_routes
from ag2_otel.server.middleware import LoopbackHostGuard, SecurityHeaders, TokenAuth
from ag2_otel.server.otlp_http import otlp_routes
from ag2_otel.server.trace_store import SpanWriter, TraceStore

logger = logging.getLogger(__name__)

_FALLBACK_PAGE = """<!doctype html><meta charset="utf-8"><title>ag2-otel</title>
<h1>ag2-otel trace store</h1>
<p>The web viewer is not installed. JSON API: <a href="/api/traces">/api/traces</a>,
<a href="/api/usage">/api/usage</a>. OTLP/HTTP: <code>POST /v1/traces</code>.</p>"""


def create_app(
    store: TraceStore, writer: SpanWriter | None, *, token: str | None = None, loopback_only: bool = True
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
    routes: list[BaseRoute] = [
        *(otlp_routes(writer) if writer else []),
        *api_routes(store),
        *viewer_routes(store),
    ]
    routes.append(Route("/", _fallback_home))
    return Starlette(routes=routes, middleware=middleware)


def viewer_routes(store: TraceStore) -> list[BaseRoute]:
    """Routes of `ag2_otel.server.viewer` when that module is present; none otherwise."""
    try:
        module: Any = importlib.import_module("ag2_otel.server.viewer")
    except ModuleNotFoundError as exc:
        if exc.name != "ag2_otel.server.viewer":
            logger.warning("viewer unavailable: %s", exc)
        return []
    except ImportError as exc:
        logger.warning("viewer unavailable: %s", exc)
        return []
    factory = getattr(module, "viewer_routes", None)
    return list(factory(store)) if callable(factory) else []


def _fallback_home(request: Request) -> HTMLResponse:
    return HTMLResponse(_FALLBACK_PAGE)
