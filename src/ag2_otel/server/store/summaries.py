"""Per-trace summaries and the usage roll-up, recomputed from stored spans.

Recomputing a touched trace from its spans (rather than adding increments) makes
ingest idempotent: a retried export or late-arriving parent never double counts.
The hourly roll-up is kept exact by applying the difference between a trace's
old and new usage contribution (remembered in `trace_usage`).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ag2_otel.live import RUNNING_ATTRIBUTE
from ag2_otel.server.normalize import SpanRow

MAX_SUM = 2**53 - 1
"""Sums (tokens, cost, durations) saturate here: exact in a double and in JavaScript,
far from SQLite's 64-bit overflow, and always a finite JSON number."""
HOUR_NS = 3600 * 1_000_000_000
DAY_NS = 24 * HOUR_NS
_SEARCH_TEXT_LIMIT = 4000

_SPAN_COLUMNS = (
    "trace_id, span_id, parent_span_id, name, start_ns, end_ns, status_code, status_message, service, "
    "span_type, agent, request_model, response_model, tool, input_tokens, output_tokens, cost, "
    "conversation_id, turns, "
    f"json_extract(attributes, '$.\"{RUNNING_ATTRIBUTE}\"') IS NOT NULL"
)
_RUNNING_KEY = f'"{RUNNING_ATTRIBUTE}":'
"""How a start record's key reads in compact attribute JSON (`ag2_otel.live`)."""


@dataclass(slots=True)  # not frozen: a frozen __init__ costs per field, per span (docs/backend.md)
class _Span:
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_ns: int
    end_ns: int
    status_code: str
    status_message: str
    service: str | None
    span_type: str
    agent: str | None
    request_model: str | None
    response_model: str | None
    tool: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost: float | None
    conversation_id: str | None
    turns: int | None
    running: bool
    """A start record of a span not (yet) ended: the trace reads "running", never "ok"."""


def _from_row(row: SpanRow) -> _Span:
    p = row.promoted
    return _Span(
        row.trace_id, row.span_id, row.parent_span_id, row.name, row.start_ns, row.end_ns, row.status_code,
        row.status_message, row.service, p.span_type, p.agent, p.request_model, p.response_model, p.tool,
        p.input_tokens, p.output_tokens, p.cost, p.conversation_id, p.turns,
        _RUNNING_KEY in row.attributes_json,
    )  # fmt: skip


UsageKey = tuple[int, str, str]
Usage = list[float]  # llm_calls, input_tokens, output_tokens, cost, duration_ns, priced_calls


def refresh_traces(conn: sqlite3.Connection, trace_ids: Iterable[str], batch: Sequence[SpanRow] = ()) -> None:
    """Rebuild summary, agent/model index rows and usage for these traces (inside a transaction).

    `batch` (the rows just inserted) spares reading back traces that had no
    spans before this transaction, which is most of them.
    """
    ids = sorted(set(trace_ids))
    fresh: dict[str, dict[str, _Span]] = defaultdict(dict)
    for row in batch:
        fresh[row.trace_id].setdefault(row.span_id, _from_row(row))  # first wins, like INSERT OR IGNORE
    for start in range(0, len(ids), 500):
        _refresh_chunk(conn, ids[start : start + 500], fresh)


def forget_traces(conn: sqlite3.Connection, trace_ids: Sequence[str]) -> None:
    """Delete traces entirely, taking their usage back out of the roll-up."""
    for start in range(0, len(trace_ids), 500):
        chunk = list(trace_ids[start : start + 500])
        marks = _marks(chunk)
        _apply_usage(conn, chunk, {})
        for table in ("spans", "traces", "trace_agents", "trace_models", "logs"):
            conn.execute(f"DELETE FROM {table} WHERE trace_id IN ({marks})", chunk)


def _refresh_chunk(conn: sqlite3.Connection, ids: list[str], fresh: dict[str, dict[str, _Span]]) -> None:
    marks = _marks(ids)
    known = {row[0] for row in conn.execute(f"SELECT trace_id FROM traces WHERE trace_id IN ({marks})", ids)}
    by_trace: dict[str, list[_Span]] = defaultdict(list)
    reread = [trace_id for trace_id in ids if trace_id in known or trace_id not in fresh]
    for trace_id in set(ids).difference(reread):
        by_trace[trace_id] = list(fresh[trace_id].values())
    if reread:
        sql = f"SELECT {_SPAN_COLUMNS} FROM spans WHERE trace_id IN ({_marks(reread)})"
        for row in conn.execute(sql, reread):
            by_trace[row[0]].append(_Span(*row))
    conn.execute(f"DELETE FROM trace_agents WHERE trace_id IN ({marks})", ids)
    conn.execute(f"DELETE FROM trace_models WHERE trace_id IN ({marks})", ids)
    summaries: list[tuple[Any, ...]] = []
    agent_rows: list[tuple[str, int, str]] = []
    model_rows: list[tuple[str, int, str]] = []
    usage: dict[str, dict[UsageKey, Usage]] = {}
    for trace_id, spans in by_trace.items():
        summary = _summary(trace_id, spans)
        summaries.append(summary)
        agent_rows.extend((agent, summary[3], trace_id) for agent in json.loads(summary[6]))
        model_rows.extend((model, summary[3], trace_id) for model in json.loads(summary[7]))
        usage[trace_id] = usage_of(spans)
    conn.executemany(
        "INSERT OR REPLACE INTO traces (trace_id, root_name, service, start_ns, end_ns, span_count, agents,"
        " models, turns, llm_calls, tool_calls, input_tokens, output_tokens, cost, priced_calls, error_count,"
        " status, conversation_id, search_text) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        summaries,
    )
    conn.executemany(
        "INSERT OR IGNORE INTO trace_agents (agent, start_ns, trace_id) VALUES (?, ?, ?)", agent_rows
    )
    conn.executemany(
        "INSERT OR IGNORE INTO trace_models (model, start_ns, trace_id) VALUES (?, ?, ?)", model_rows
    )
    _apply_usage(conn, ids, usage)


def summary_of(trace_id: str, rows: Sequence[SpanRow]) -> tuple[Any, ...]:
    """The `traces` row of one trace's spans, for stores that summarise when read (ClickHouse)."""
    return _summary(trace_id, [_from_row(row) for row in rows])


def _summary(trace_id: str, spans: list[_Span]) -> tuple[Any, ...]:
    """One `traces` row: what the list view shows and filters on."""
    root = _root(spans)
    start = min(s.start_ns for s in spans)
    llm = [s for s in spans if s.span_type == "llm"]
    internal = _inside_speaker_selection(spans)
    agents = sorted({s.agent for s in spans if s.agent and s.span_id not in internal})
    models = sorted({m for s in llm if (m := s.response_model or s.request_model)})
    errors = sum(1 for s in spans if s.status_code == "ERROR")
    turns = max((s.turns for s in spans if s.turns is not None), default=None)
    conversation = next((s.conversation_id for s in spans if s.conversation_id), None)
    return (
        trace_id,
        root.name,
        root.service or next((s.service for s in spans if s.service), None),
        start,
        max(s.end_ns for s in spans),
        len(spans),
        json.dumps(agents),
        json.dumps(models),
        turns
        if turns is not None
        else sum(1 for s in spans if s.span_type == "agent" and s.span_id not in internal),
        len(llm),
        sum(1 for s in spans if s.span_type == "tool"),
        saturated(sum(s.input_tokens or 0 for s in llm)),
        saturated(sum(s.output_tokens or 0 for s in llm)),
        saturated(sum(s.cost or 0.0 for s in llm)),
        sum(1 for s in llm if s.cost is not None),  # fewer than len(llm): part of the cost is unknown
        errors,
        "error" if errors else "running" if any(s.running for s in spans) else "ok",
        conversation,
        _search_text(trace_id, spans, agents, models),
    )


def _root(spans: list[_Span]) -> _Span:
    """The span without a known parent that started first (a partial trace still has one)."""
    known = {s.span_id for s in spans}
    orphans = [s for s in spans if not s.parent_span_id or s.parent_span_id not in known]
    return min(orphans or spans, key=lambda s: (s.parent_span_id is not None, s.start_ns))


def _search_text(trace_id: str, spans: list[_Span], agents: list[str], models: list[str]) -> str:
    words = dict.fromkeys([trace_id, *agents, *models])
    for span in spans:
        for word in (span.name, span.service, span.tool, span.conversation_id, span.status_message):
            if word:
                words[word] = None
    return " ".join(words).lower()[:_SEARCH_TEXT_LIMIT]


def usage_of(spans: list[_Span]) -> dict[UsageKey, Usage]:
    """Usage per (hour, agent, model), from LLM-call spans only.

    An LLM span without its own agent name is charged to its nearest ancestor
    that has one, which is how AG2 (and most frameworks) nest `chat` under
    `invoke_agent`.
    """
    by_id = {s.span_id: s for s in spans}
    totals: dict[UsageKey, Usage] = {}
    for span in spans:
        if span.span_type != "llm":
            continue
        key = (span.start_ns - span.start_ns % HOUR_NS, _agent_of(span, by_id), _model_of(span))
        row = totals.setdefault(key, [0, 0, 0, 0.0, 0, 0])
        row[0] += 1
        row[1] += span.input_tokens or 0
        row[2] += span.output_tokens or 0
        row[3] += span.cost or 0.0
        row[4] += span.end_ns - span.start_ns
        row[5] += span.cost is not None
    return {key: [saturated(value) for value in row] for key, row in totals.items()}


def saturated(value: float) -> float:
    """`value` capped at `MAX_SUM` (Python ints never overflow; SQLite's and JSON's numbers do)."""
    return value if value <= MAX_SUM else type(value)(MAX_SUM)


def _inside_speaker_selection(spans: list[_Span]) -> set[str]:
    """Spans of the helper agents AG2 creates to pick the next speaker (beneath a
    `speaker_selection` span): real work, but not participants of the conversation."""
    children: dict[str, list[_Span]] = {}
    for span in spans:
        if span.parent_span_id:
            children.setdefault(span.parent_span_id, []).append(span)
    inside: set[str] = set()
    stack = [s for s in spans if s.span_type == "speaker_selection"]
    while stack:
        for child in children.get(stack.pop().span_id, []):
            if child.span_id not in inside:
                inside.add(child.span_id)
                stack.append(child)
    return inside


def _agent_of(span: _Span, by_id: dict[str, _Span]) -> str:
    current: _Span | None = span
    for _ in range(len(by_id) + 1):
        if current is None:
            break
        if current.agent:
            return current.agent
        current = by_id.get(current.parent_span_id or "")
    return ""


def _model_of(span: _Span) -> str:
    return span.response_model or span.request_model or ""


def _apply_usage(conn: sqlite3.Connection, ids: list[str], new: dict[str, dict[UsageKey, Usage]]) -> None:
    marks = _marks(ids)
    delta: dict[UsageKey, Usage] = defaultdict(lambda: [0, 0, 0, 0.0, 0, 0])
    for trace_id, *rest in conn.execute(
        "SELECT trace_id, bucket_ns, agent, model, llm_calls, input_tokens, output_tokens, cost, duration_ns,"
        " priced_calls"
        f" FROM trace_usage WHERE trace_id IN ({marks})",
        ids,
    ):
        del trace_id
        key, values = (rest[0], rest[1], rest[2]), rest[3:]
        delta[key] = [d - v for d, v in zip(delta[key], values, strict=True)]
    conn.execute(f"DELETE FROM trace_usage WHERE trace_id IN ({marks})", ids)
    rows = []
    for trace_id, usage in new.items():
        for key, values in usage.items():
            delta[key] = [d + v for d, v in zip(delta[key], values, strict=True)]
            rows.append((trace_id, *key, *values))
    conn.executemany("INSERT INTO trace_usage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    changes = [(*key, *values) for key, values in delta.items() if any(values)]
    _add_to_rollup(conn, "usage_hourly", changes)
    daily: dict[UsageKey, Usage] = defaultdict(lambda: [0, 0, 0, 0.0, 0, 0])
    for (bucket, agent, model), values in delta.items():
        key = (bucket - bucket % DAY_NS, agent, model)
        daily[key] = [d + v for d, v in zip(daily[key], values, strict=True)]
    _add_to_rollup(conn, "usage_daily", [(*key, *values) for key, values in daily.items()])


def _add_to_rollup(conn: sqlite3.Connection, table: str, changes: list[tuple[object, ...]]) -> None:
    conn.executemany(
        f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (bucket_ns, agent, model) DO UPDATE SET llm_calls = llm_calls + excluded.llm_calls,"
        f" input_tokens = min(input_tokens + excluded.input_tokens, {MAX_SUM}),"
        f" output_tokens = min(output_tokens + excluded.output_tokens, {MAX_SUM}),"
        f" cost = min(cost + excluded.cost, {MAX_SUM}),"
        f" duration_ns = min(duration_ns + excluded.duration_ns, {MAX_SUM}),"
        " priced_calls = priced_calls + excluded.priced_calls",
        [_saturated_change(change) for change in changes],
    )
    conn.executemany(
        f"DELETE FROM {table} WHERE bucket_ns = ? AND agent = ? AND model = ? AND llm_calls <= 0",
        [change[:3] for change in changes],
    )


def _saturated_change(change: tuple[object, ...]) -> tuple[object, ...]:
    return (
        *change[:3],
        *(saturated(value) if isinstance(value, (int, float)) else value for value in change[3:]),
    )


def _marks(ids: Sequence[str]) -> str:
    return ", ".join("?" * len(ids))
