"""Read-side SQL, shaped exactly like the JSON API in docs/contracts.md.

Parameterised statements only; user input never becomes SQL text. Lists use
keyset pagination on (start_ns, trace_id) so page N costs the same as page 1,
and each filter drives from a table whose index matches the sort order.
"""

from __future__ import annotations

import base64
import binascii
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ag2_otel.server.attribution import attribute_trace
from ag2_otel.server.normalize import SpanRow, loads
from ag2_otel.server.producers import Event
from ag2_otel.server.store.logs import events_by_span, with_logged_content
from ag2_otel.server.store.tables import SPAN_COLUMNS, USAGE_COLUMNS, TraceSummary, columns, span_row
from ag2_otel.server.units import DAY_NS, HOUR_NS, MAX_NS

MAX_LIMIT = 500
MAX_TEXT = 1000
"""Longest filter value; SQLite refuses LIKE patterns beyond 50,000 bytes with an error."""

_SUMMARY_COLUMNS = ", ".join(
    # search_text is only filtered on: read as '' so a page does not carry it
    "'' AS search_text" if name == "search_text" else f"t.{name}"
    for name in TraceSummary._fields
)
_SPAN_ROWS = (
    f"SELECT {columns(SPAN_COLUMNS, 's')}, r.body, c.body FROM spans s"
    " JOIN shared_json r ON r.id = s.resource_id JOIN shared_json c ON c.id = s.scope_id"
    " WHERE s.trace_id = ? ORDER BY s.start_ns, s.span_id"
)


_TRACE_ID = re.compile(r"[0-9a-f]{32}")


class QueryError(ValueError):
    """A request parameter that cannot be honoured (answered with 400)."""


@dataclass(frozen=True)
class TraceFilter:
    service: str | None = None
    agent: str | None = None
    model: str | None = None
    status: str | None = None
    since_ns: int | None = None
    until_ns: int | None = None
    text: str | None = None
    conversation: str | None = None
    """`gen_ai.conversation.id` (sent, or derived on ingest: ag2 1.x's asks of one conversation)."""

    def __post_init__(self) -> None:
        if self.status not in (None, "ok", "error", "running"):
            raise QueryError("status must be 'ok', 'error' or 'running'")
        for name in ("service", "agent", "model", "text", "conversation"):
            value = getattr(self, name)
            if value is not None and len(value) > MAX_TEXT:
                raise QueryError(f"{'q' if name == 'text' else name} must be at most {MAX_TEXT} characters")
        check_time("since", self.since_ns)
        check_time("until", self.until_ns)


def check_time(name: str, value: int | None) -> None:
    """Refuse a time in nanoseconds outside what the store can hold (negative or beyond 2**63-1)."""
    if value is not None and not 0 <= value <= MAX_NS:
        raise QueryError(f"{name} must be unix nanoseconds between 0 and {MAX_NS}")


def list_traces(
    conn: sqlite3.Connection, where: TraceFilter, *, limit: int = 50, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; returns (summaries, cursor for the next page or None)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
    source, key, clauses, params = _driver(where)
    for column, op, value in (
        ("t.service", "=", where.service),
        ("t.status", "=", where.status),
        ("t.conversation_id", "=", where.conversation),
        (f"{key}.start_ns", ">=", where.since_ns),
        (f"{key}.start_ns", "<=", where.until_ns),
    ):
        if value is not None:
            clauses.append(f"{column} {op} ?")
            params.append(value)
    if where.text:
        clauses.append("t.search_text LIKE ? ESCAPE '\\'")
        params.append("%" + _escape_like(where.text.lower()) + "%")
    if cursor:
        clauses.append(f"({key}.start_ns, {key}.trace_id) < (?, ?)")
        params.extend(decode_cursor(cursor))
    sql = (
        f"SELECT {_SUMMARY_COLUMNS} FROM {source}"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
        + f" ORDER BY {key}.start_ns DESC, {key}.trace_id DESC LIMIT ?"
    )
    rows = conn.execute(sql, [*params, limit + 1]).fetchall()
    page = [summary_from_row(TraceSummary._make(row)) for row in rows[:limit]]
    more = len(rows) > limit
    next_cursor = encode_cursor(page[-1]["start_time_ns"], page[-1]["trace_id"]) if more and page else None
    return page, next_cursor


def list_traces_sql(where: TraceFilter) -> str:
    """The statement `list_traces` would run (for EXPLAIN QUERY PLAN checks)."""
    source, key, clauses, _ = _driver(where)
    return (
        f"SELECT {_SUMMARY_COLUMNS} FROM {source}"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
        + f" ORDER BY {key}.start_ns DESC, {key}.trace_id DESC LIMIT 50"
    )


def _driver(where: TraceFilter) -> tuple[str, str, list[str], list[Any]]:
    """Pick the table whose index serves the filter and the newest-first order."""
    if where.agent is not None:
        clauses, params = ["d.agent = ?"], [where.agent]
        if where.model is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM trace_models m WHERE m.model = ? AND m.trace_id = t.trace_id)"
            )
            params.append(where.model)
        return "trace_agents d JOIN traces t ON t.trace_id = d.trace_id", "d", clauses, params
    if where.model is not None:
        return "trace_models d JOIN traces t ON t.trace_id = d.trace_id", "d", ["d.model = ?"], [where.model]
    return "traces t", "t", [], []


def get_trace(conn: sqlite3.Connection, trace_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        f"SELECT {_SUMMARY_COLUMNS} FROM traces t WHERE t.trace_id = ?", (trace_id,)
    ).fetchone()
    if row is None:
        return None
    return trace_document(TraceSummary._make(row), span_rows(conn, trace_id), events_by_span(conn, trace_id))


def trace_document(
    summary: TraceSummary, rows: Sequence[SpanRow], events: dict[str, list[Event]]
) -> dict[str, Any]:
    """One trace as `GET /api/traces/{id}` serves it, from its summary, its spans and the
    events of its log records (both stores build theirs here).

    The derived facts are attributed from each span's promoted facts as the store holds them
    (the ones its summaries and usage roll-ups add up), not promoted again from the attributes.
    """
    shared: dict[str, Any] = {}
    spans = [span_from_row(row, shared) for row in rows]
    with_logged_content(spans, events)
    document = {"summary": summary_from_row(summary), "spans": spans}
    return attribute_trace(document, [row.promoted for row in rows])


def span_rows(conn: sqlite3.Connection, trace_id: str) -> list[SpanRow]:
    """Stored spans of one trace as they were ingested, resource and scope bodies joined in."""
    return [
        span_row(stored, resource, scope)
        for *stored, resource, scope in conn.execute(_SPAN_ROWS, (trace_id,))
    ]


def find_trace_ids(conn: sqlite3.Connection, prefix: str, *, limit: int = 10) -> list[str]:
    """Trace ids starting with a (hex) prefix, for `traces show abc123`."""
    prefix = prefix.strip().lower()
    rows = conn.execute(
        "SELECT trace_id FROM traces WHERE trace_id >= ? AND trace_id < ? ORDER BY trace_id LIMIT ?",
        (prefix, prefix + "~", limit),
    )
    return [trace_id for (trace_id,) in rows]


def usage(
    conn: sqlite3.Connection,
    *,
    group_by: tuple[str, ...] = ("agent", "model"),
    bucket: str = "hour",
    since_ns: int | None = None,
    until_ns: int | None = None,
) -> list[dict[str, Any]]:
    """LLM-call usage from the hourly or daily roll-up, by time bucket and agent and/or model."""
    check_usage_request(group_by, bucket, since_ns, until_ns)
    table, width = ("usage_hourly", HOUR_NS) if bucket == "hour" else ("usage_daily", DAY_NS)
    clauses, params = [], []
    if since_ns is not None:
        clauses.append("bucket_ns >= ?")
        params.append(since_ns - since_ns % width)
    if until_ns is not None:
        clauses.append("bucket_ns <= ?")
        params.append(until_ns)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    if set(group_by) == {"agent", "model"}:
        # the roll-up's own grain: read it in primary-key order, nothing to group
        sql = f"SELECT {columns(USAGE_COLUMNS)} FROM {table}{where} ORDER BY bucket_ns, agent, model"
    else:
        column = "agent" if "agent" in group_by else "model"
        keys = "bucket_ns, agent, NULL" if column == "agent" else "bucket_ns, NULL, model"
        totals = ", ".join(f"sum({name})" for name in USAGE_COLUMNS[3:])  # the Usage columns
        sql = (
            f"SELECT {keys}, {totals} FROM {table}{where}"
            f" GROUP BY bucket_ns, {column} ORDER BY bucket_ns, {column}"
        )
    # Unpacked by the names of USAGE_COLUMNS (a column more fails loudly here): a record or a
    # sqlite3.Row per row would make the largest usage answers about half as slow again.
    rows = conn.execute(sql, params)
    return [
        {
            "bucket_start_ns": bucket_ns,
            "agent": agent or None,
            "model": model or None,
            "llm_calls": llm_calls,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost": cost,
            "duration_ms": duration_ns / 1e6,
            "priced_calls": priced_calls,
        }
        for (
            bucket_ns,
            agent,
            model,
            llm_calls,
            input_tokens,
            output_tokens,
            cost,
            duration_ns,
            priced_calls,
        ) in rows
    ]


def check_usage_request(
    group_by: tuple[str, ...], bucket: str, since_ns: int | None, until_ns: int | None
) -> None:
    """The usage parameters every store accepts."""
    if bucket not in ("hour", "day"):
        raise QueryError("bucket must be 'hour' or 'day'")
    if (
        not group_by
        or len(set(group_by)) != len(group_by)
        or any(g not in ("agent", "model") for g in group_by)
    ):
        raise QueryError("group_by must be 'agent', 'model' or 'agent,model'")
    check_time("since", since_ns)
    check_time("until", until_ns)


_VALUE_SQL = {
    "services": "SELECT DISTINCT service FROM traces WHERE service IS NOT NULL ORDER BY service",
    "agents": "SELECT DISTINCT agent FROM trace_agents ORDER BY agent",
    "models": "SELECT DISTINCT model FROM trace_models ORDER BY model",
}


def distinct_values(conn: sqlite3.Connection, kind: str) -> list[str]:
    """Values for the viewer's filter drop-downs: services, agents or models."""
    sql = _VALUE_SQL.get(kind)
    if sql is None:
        raise QueryError(f"unknown value list {kind!r}")
    return [value for (value,) in conn.execute(sql)]


def summary_from_row(row: TraceSummary) -> dict[str, Any]:
    """A `traces` row as the API's trace summary."""
    return {
        "trace_id": row.trace_id,
        "root_name": row.root_name,
        "service": row.service,
        "start_time_ns": row.start_ns,
        "end_time_ns": row.end_ns,
        "duration_ms": max(0, row.end_ns - row.start_ns) / 1e6,
        "span_count": row.span_count,
        "agents": loads(row.agents),
        "models": loads(row.models),
        "turns": row.turns,
        "llm_calls": row.llm_calls,
        "tool_calls": row.tool_calls,
        "input_tokens": row.input_tokens,
        "output_tokens": row.output_tokens,
        "cost": row.cost,
        "priced_calls": row.priced_calls,
        "error_count": row.error_count,
        "status": row.status,
        "conversation_id": row.conversation_id,
    }


def span_from_row(row: SpanRow, shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """A stored span as the API's span.

    With `shared` (one dict per trace), each distinct resource and scope body is parsed once:
    the spans of a trace share them, and the answer's span dicts share that resource dict.
    """
    shared = {} if shared is None else shared
    scope = _parsed(row.scope_json, shared)
    return {
        "trace_id": row.trace_id,
        "span_id": row.span_id,
        "parent_span_id": row.parent_span_id,
        "name": row.name,
        "kind": row.kind,
        "start_time_ns": row.start_ns,
        "end_time_ns": row.end_ns,
        "duration_ms": max(0, row.end_ns - row.start_ns) / 1e6,
        "status_code": row.status_code,
        "status_message": row.status_message,
        "span_type": row.promoted.span_type,
        "operation": row.promoted.operation,
        "agent": row.promoted.agent,
        "attributes": loads(row.attributes_json),
        "events": loads(row.events_json),
        "links": loads(row.links_json),
        "resource": _parsed(row.resource_json, shared),
        "scope": {"name": scope.get("name", ""), "version": scope.get("version", "")},
    }


def _parsed(text: str, shared: dict[str, Any]) -> Any:
    found = shared.get(text)
    if found is None:
        found = shared[text] = loads(text)
    return found


def encode_cursor(start_ns: int, trace_id: str) -> str:
    return base64.urlsafe_b64encode(f"{start_ns}:{trace_id}".encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """The (start_ns, trace_id) of a cursor; anything `encode_cursor` could not have made is refused."""
    try:
        if len(cursor) > 200:
            raise ValueError(cursor)
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        start, trace_id = raw.split(":", 1)
        start_ns = int(start)
        if not (0 <= start_ns <= MAX_NS and _TRACE_ID.fullmatch(trace_id)):
            raise ValueError(raw)
        return start_ns, trace_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise QueryError("invalid cursor") from None


def check_trace_id(trace_id: str) -> str:
    """A trace id as the store keeps it (32 lowercase hex digits), or QueryError."""
    if not _TRACE_ID.fullmatch(trace_id.lower()):
        raise QueryError("trace_id must be 32 hexadecimal digits")
    return trace_id.lower()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
