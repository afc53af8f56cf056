"""The web viewer served by `ag2-otel serve`: HTML pages plus vendored static assets.

The pages are thin shells; the JavaScript in `static/js` renders them from the
JSON API described in `docs/contracts.md`, so every page has a JSON twin.
"""

from __future__ import annotations

from ag2_otel.server.viewer._routes import STATIC_PREFIX, viewer_routes

__all__ = ["STATIC_PREFIX", "viewer_routes"]
