"""Where a report's trace comes from, always in the store's own shape (`queries.get_trace`).

Spans kept in this process go through the same path as OTLP traffic into a throw-away
in-memory store, so the summary (agents, turns, tokens, cost) is the store's, never re-derived.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from opentelemetry.sdk.trace import ReadableSpan

API_TIMEOUT_S = 5.0


def trace_from_spans(spans: Sequence[ReadableSpan]) -> dict[str, Any] | None:
    """The `get_trace` document for SDK spans of one trace (None when there are none)."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    from ag2_otel.server.normalize import normalize
    from ag2_otel.server.store.ingest import SharedJson, write_batch
    from ag2_otel.server.store.migrations import migrate
    from ag2_otel.server.store.queries import get_trace

    if not spans:
        return None
    rows = normalize(encode_spans(spans)).rows
    if not rows:
        return None
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn)
        write_batch(conn, rows, SharedJson())
        return get_trace(conn, rows[0].trace_id)
    finally:
        conn.close()


def trace_from_api(base_url: str, trace_id: str | None) -> dict[str, Any] | None:
    """A trace from a running `ag2-otel serve` (the newest when `trace_id` is None)."""
    if trace_id is None:
        listing = _get_json(base_url, "/api/traces?limit=1")
        traces = listing.get("traces") if isinstance(listing, dict) else None
        if not traces:
            return None
        trace_id = str(traces[0]["trace_id"])
    found = _get_json(base_url, f"/api/traces/{quote(trace_id)}")
    return found if isinstance(found, dict) and "spans" in found else None


def _get_json(base_url: str, path: str) -> Any:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port or 80, timeout=API_TIMEOUT_S
    )
    try:
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        return json.loads(body) if response.status == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()
