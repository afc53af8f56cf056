"""The JSON query API (`/api/...`), shaped by docs/contracts.md.

Handlers are plain functions: Starlette runs them in its thread pool, where each
thread reads through its own SQLite connection.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from ag2_otel.server.api_reads import (
    TraceNotFound,
    export_traces,
    find_trace_ids,
    int_param,
    trace_filter,
)
from ag2_otel.server.store import QueryError
from ag2_otel.server.store.queries import check_trace_id
from ag2_otel.server.trace_store import TraceStore
from ag2_otel.version import __version__


def api_routes(store: TraceStore) -> list[BaseRoute]:
    def traces(request: Request) -> JSONResponse:
        params = request.query_params
        limit = int_param(params.get("limit"), "limit")
        page, cursor = store.list_traces(
            trace_filter(params), limit=50 if limit is None else limit, cursor=params.get("cursor")
        )
        return JSONResponse({"traces": page, "next_cursor": cursor})

    def trace_ids(request: Request) -> JSONResponse:
        params = request.query_params
        found = find_trace_ids(store, params.get("prefix", ""), int_param(params.get("limit"), "limit"))
        return JSONResponse({"trace_ids": found})

    def export(request: Request) -> JSONResponse:
        params = request.query_params
        try:
            document = export_traces(
                store, params.getlist("trace_id"), int_param(params.get("limit"), "limit")
            )
        except TraceNotFound:
            return _not_found()
        return JSONResponse(document)

    def trace(request: Request) -> JSONResponse:
        found = store.get_trace(check_trace_id(request.path_params["trace_id"]))
        if found is None:
            return _not_found()
        return JSONResponse(found)  # derived facts included (queries.trace_document)

    def usage(request: Request) -> JSONResponse:
        params = request.query_params
        group_by = tuple(g.strip() for g in params.get("group_by", "agent,model").split(",") if g.strip())
        rows = store.usage(
            group_by=group_by,
            bucket=params.get("bucket") or "hour",
            since_ns=int_param(params.get("since"), "since"),
            until_ns=int_param(params.get("until"), "until"),
        )
        return JSONResponse({"rows": rows})

    def values(kind: str) -> Callable[[Request], JSONResponse]:
        def endpoint(request: Request) -> JSONResponse:
            return JSONResponse({"values": store.values(kind)})

        return endpoint

    return [
        Route("/api/traces", _guard(traces)),
        Route("/api/traces/{trace_id}", _guard(trace)),
        Route("/api/trace_ids", _guard(trace_ids)),
        Route("/api/export", _guard(export)),
        Route("/api/usage", _guard(usage)),
        Route("/api/about", _about),
        *(Route(f"/api/{kind}", _guard(values(kind))) for kind in ("services", "agents", "models")),
    ]


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "trace not found"}, status_code=404)


def _about(request: Request) -> JSONResponse:
    """Names this server, so `ag2_otel.setup()` can tell ours from anything else on the port."""
    return JSONResponse({"service": "ag2-otel", "version": __version__})


def _guard(handler: Callable[[Request], JSONResponse]) -> Callable[[Request], JSONResponse]:
    """Turn bad parameters into `400 {"error": ...}` instead of a 500.

    Every parameter is checked before it reaches SQL (types, ranges, lengths, cursor
    format), so whatever a client sends is answered with a reason, never a traceback.
    """

    def endpoint(request: Request) -> JSONResponse:
        try:
            return handler(request)
        except QueryError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint
