"""Read-side SQL, shaped exactly like the JSON API in docs/contracts.md.

Parameterised statements only; user input never becomes SQL text. Lists use
keyset pagination on (start_ns, trace_id) so page N costs the same as page 1,
and each filter drives from a table whose index matches the sort order.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from ag2_otel.server.store.logs import events_by_span, with_logged_content
from ag2_otel.server.store.summaries import HOUR_NS

DAY_NS = 24 * HOUR_NS
MAX_LIMIT = 500
MAX_NS = 2**63 - 1
"""Times are stored as SQLite's signed 64-bit integers; larger ones cannot even be bound."""
MAX_TEXT = 1000
"""Longest filter value; SQLite refuses LIKE patterns beyond 50,000 bytes with an error."""

_SUMMARY_COLUMNS = (
    "t.trace_id, t.root_name, t.service, t.start_ns, t.end_ns, t.span_count, t.agents, t.models, t.turns,"
    " t.llm_calls, t.tool_calls, t.input_tokens, t.output_tokens, t.cost, t.priced_calls, t.error_count,"
    " t.status, t.conversation_id"
)
_SPAN_COLUMNS = (
    "s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_ns, s.end_ns, s.status_code,"
    " s.status_message, s.span_type, s.operation, s.agent, s.attributes, s.events, s.links, r.body, c.body,"
    " s.trace_state, s.flags"
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
    page = [summary_from_row(row) for row in rows[:limit]]
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
    spans = [span_from_row(r) for r in span_rows(conn, trace_id)]
    with_logged_content(spans, events_by_span(conn, trace_id))
    return {"summary": summary_from_row(row), "spans": spans}


def span_rows(conn: sqlite3.Connection, trace_id: str) -> list[tuple[Any, ...]]:
    """Raw stored spans of one trace, with resource and scope bodies joined in."""
    return conn.execute(
        f"SELECT {_SPAN_COLUMNS} FROM spans s JOIN shared_json r ON r.id = s.resource_id"
        " JOIN shared_json c ON c.id = s.scope_id WHERE s.trace_id = ? ORDER BY s.start_ns, s.span_id",
        (trace_id,),
    ).fetchall()


def find_trace_ids(conn: sqlite3.Connection, prefix: str, *, limit: int = 10) -> list[str]:
    """Trace ids starting with a (hex) prefix, for `traces show abc123`."""
    prefix = prefix.strip().lower()
    rows = conn.execute(
        "SELECT trace_id FROM traces WHERE trace_id >= ? AND trace_id < ? ORDER BY trace_id LIMIT ?",
        (prefix, prefix + "~", limit),
    )
    return [row[0] for row in rows]


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
        sql = (
            "SELECT bucket_ns, agent, model, llm_calls, input_tokens, output_tokens, cost, duration_ns,"
            f" priced_calls FROM {table}{where} ORDER BY bucket_ns, agent, model"
        )
    else:
        column = "agent" if "agent" in group_by else "model"
        agent, model = (column, "NULL") if column == "agent" else ("NULL", column)
        sql = (
            f"SELECT bucket_ns, {agent}, {model}, sum(llm_calls), sum(input_tokens), sum(output_tokens),"
            f" sum(cost), sum(duration_ns), sum(priced_calls) FROM {table}{where}"
            f" GROUP BY bucket_ns, {column}"
            f" ORDER BY bucket_ns, {column}"
        )
    return [
        {
            "bucket_start_ns": b,
            "agent": a or None,
            "model": m or None,
            "llm_calls": calls,
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "cost": cost,
            "duration_ms": duration / 1e6,
            "priced_calls": priced,
        }
        for b, a, m, calls, tokens_in, tokens_out, cost, duration, priced in conn.execute(sql, params)
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
    return [row[0] for row in conn.execute(sql)]


def summary_from_row(row: tuple[Any, ...]) -> dict[str, Any]:
    (trace_id, root, service, start, end, count, agents, models, turns, llm, tools, tin, tout, cost, priced,
     errors, status, conversation) = row  # fmt: skip
    return {
        "trace_id": trace_id,
        "root_name": root,
        "service": service,
        "start_time_ns": start,
        "end_time_ns": end,
        "duration_ms": max(0, end - start) / 1e6,
        "span_count": count,
        "agents": json.loads(agents),
        "models": json.loads(models),
        "turns": turns,
        "llm_calls": llm,
        "tool_calls": tools,
        "input_tokens": tin,
        "output_tokens": tout,
        "cost": cost,
        "priced_calls": priced,
        "error_count": errors,
        "status": status,
        "conversation_id": conversation,
    }


def span_from_row(row: tuple[Any, ...]) -> dict[str, Any]:
    (trace_id, span_id, parent, name, kind, start, end, status_code, status_message, span_type, operation,
     agent, attributes, events, links, resource, scope, _state, _flags) = row  # fmt: skip
    scope_doc = json.loads(scope)
    return {
        "trace_id": trace_id,
        "span_id": span_id,
        "parent_span_id": parent,
        "name": name,
        "kind": kind,
        "start_time_ns": start,
        "end_time_ns": end,
        "duration_ms": max(0, end - start) / 1e6,
        "status_code": status_code,
        "status_message": status_message,
        "span_type": span_type,
        "operation": operation,
        "agent": agent,
        "attributes": json.loads(attributes),
        "events": json.loads(events),
        "links": json.loads(links),
        "resource": json.loads(resource),
        "scope": {"name": scope_doc.get("name", ""), "version": scope_doc.get("version", "")},
    }


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
