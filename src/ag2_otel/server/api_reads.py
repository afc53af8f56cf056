"""The API's reads as plain functions of its query parameters.

The HTTP handlers (`api.py`) call them, and so does `ag2-otel traces` over a store it opens
itself, so the CLI prints the same whether it reads the store or a running server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ag2_otel.server.otlp_encode import otlp_json
from ag2_otel.server.store.queries import QueryError, TraceFilter, check_trace_id
from ag2_otel.server.trace_store import TraceStore

EXPORT_DEFAULT = 100
EXPORT_MAX = 500
_ID_PREFIX = re.compile(r"[0-9a-f]{1,32}")


class TraceNotFound(LookupError):
    """A trace id the store does not hold (the API answers 404)."""


def trace_filter(params: Mapping[str, str]) -> TraceFilter:
    """`GET /api/traces` parameters → the store's filter (empty values mean no filter)."""
    return TraceFilter(
        service=params.get("service") or None,
        agent=params.get("agent") or None,
        model=params.get("model") or None,
        status=params.get("status") or None,
        since_ns=int_param(params.get("since"), "since"),
        until_ns=int_param(params.get("until"), "until"),
        text=params.get("q") or None,
        conversation=params.get("conversation") or None,
    )


def find_trace_ids(store: TraceStore, prefix: str, limit: int | None = None) -> list[str]:
    """Stored trace ids starting with `prefix` (hex), for `traces show abc123`."""
    prefix = prefix.strip().lower()
    if not _ID_PREFIX.fullmatch(prefix):
        raise QueryError("a trace id (or its start) is 1 to 32 hexadecimal digits")
    return store.find_trace_ids(prefix, limit=max(1, min(10 if limit is None else limit, 100)))


def export_traces(store: TraceStore, trace_ids: Sequence[str], limit: int | None = None) -> dict[str, Any]:
    """OTLP/JSON (`ExportTraceServiceRequest`) of the traces named, else of the newest `limit`
    (1 to 500): a document any OTLP/HTTP receiver takes back."""
    if len(trace_ids) > EXPORT_MAX:
        raise QueryError(f"at most {EXPORT_MAX} trace ids at once")
    ids = [check_trace_id(trace_id) for trace_id in trace_ids]
    if not ids:
        count = EXPORT_DEFAULT if limit is None else limit
        page, _ = store.list_traces(limit=max(1, min(count, EXPORT_MAX)))
        ids = [summary["trace_id"] for summary in page]
    rows = []
    for trace_id in ids:
        spans = store.span_rows(trace_id)
        if not spans:
            raise TraceNotFound(trace_id)
        rows.extend(spans)
    return otlp_json(rows)


def int_param(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise QueryError(f"{name} must be an integer") from None
