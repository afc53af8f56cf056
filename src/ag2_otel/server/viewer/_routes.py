"""Starlette routes of the viewer: three HTML pages and the static assets."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ag2_otel.server.viewer._pages import Page, render_page

STATIC_PREFIX = "/static/viewer"
# The Content-Security-Policy comes from the backend's SecurityHeaders middleware (one
# strict policy for all HTML); these are the viewer's own additions.
_PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_TRACE_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
_STATIC_DIR = Path(__file__).resolve().parent / "static"


def _html(page: Page, status_code: int = 200) -> HTMLResponse:
    body = render_page(page, STATIC_PREFIX)
    return HTMLResponse(body, status_code=status_code, headers=_PAGE_HEADERS)


def _json_twin(path: str, request: Request, allowed: tuple[str, ...]) -> str:
    """The API URL with the page's own filters (never the token)."""
    params = [(key, value) for key, value in request.query_params.multi_items() if key in allowed]
    return path + (f"?{urlencode(params)}" if params else "")


async def trace_list_page(request: Request) -> Response:
    json_url = _json_twin("/api/traces", request, ("service", "agent", "model", "status", "q"))
    return _html(Page(kind="list", title="Traces", json_url=json_url))


async def trace_page(request: Request) -> Response:
    trace_id = str(request.path_params["trace_id"])
    if not _TRACE_ID.match(trace_id):
        return _html(Page(kind="notfound", title="Not found", json_url="/api/traces"), status_code=404)
    json_url = f"/api/traces/{quote(trace_id)}"
    return _html(Page(kind="trace", title=f"Trace {trace_id}", json_url=json_url, trace_id=trace_id))


async def usage_page(request: Request) -> Response:
    json_url = _json_twin("/api/usage", request, ("group_by", "bucket"))
    return _html(Page(kind="usage", title="Usage", json_url=json_url))


def viewer_routes(store: object | None = None) -> list[BaseRoute]:
    """Routes to add to the backend app. The viewer reads data only via the JSON API,
    so `store` is accepted for the app factory's convenience and not used."""
    del store
    return [
        Route("/", trace_list_page, methods=["GET"], name="viewer:traces"),
        Route("/traces/{trace_id}", trace_page, methods=["GET"], name="viewer:trace"),
        Route("/usage", usage_page, methods=["GET"], name="viewer:usage"),
        Mount(STATIC_PREFIX, app=StaticFiles(directory=_STATIC_DIR), name="viewer:static"),
    ]
