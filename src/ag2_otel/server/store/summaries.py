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
from dataclasses import dataclass, fields

from ag2_otel.live import RUNNING_ATTRIBUTE
from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.promote import MAX_SUM, saturated
from ag2_otel.server.span_tree import inside_speaker_selection, owning_agents
from ag2_otel.server.store.running import RUNNING_SQL
from ag2_otel.server.store.tables import (
    IDS,
    TRACE_USAGE_COLUMNS,
    USAGE_COLUMNS,
    TraceAgent,
    TraceModel,
    TraceSummary,
    Usage,
    UsageKey,
    columns,
    insert_sql,
    json_list,
)
from ag2_otel.server.units import DAY_NS, HOUR_NS

_SEARCH_TEXT_LIMIT = 4000
_CHUNK = 500
"""Traces refreshed per statement group: bounds what a rebuild of the whole store holds in memory."""
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


_SPAN_READ = columns(f.name for f in fields(_Span) if f.name != "running") + f", {RUNNING_SQL}"
"""The `spans` columns a summary needs (`_Span`'s fields are named as the columns), read as `_Span(*row)`."""
_REPLACE_SUMMARY = insert_sql("traces", TraceSummary._fields, "INSERT OR REPLACE")
_INSERT_AGENT = insert_sql("trace_agents", TraceAgent._fields, "INSERT OR IGNORE")
_INSERT_MODEL = insert_sql("trace_models", TraceModel._fields, "INSERT OR IGNORE")
_INSERT_TRACE_USAGE = insert_sql("trace_usage", TRACE_USAGE_COLUMNS)
_READ_TRACE_USAGE = f"SELECT {columns(USAGE_COLUMNS)} FROM trace_usage WHERE trace_id IN {IDS}"


def _from_row(row: SpanRow) -> _Span:
    p = row.promoted
    return _Span(
        row.trace_id, row.span_id, row.parent_span_id, row.name, row.start_ns, row.end_ns, row.status_code,
        row.status_message, row.service, p.span_type, p.agent, p.request_model, p.response_model, p.tool,
        p.input_tokens, p.output_tokens, p.cost, p.conversation_id, p.turns,
        _RUNNING_KEY in row.attributes_json,
    )  # fmt: skip


def refresh_traces(conn: sqlite3.Connection, trace_ids: Iterable[str], batch: Sequence[SpanRow] = ()) -> None:
    """Rebuild summary, agent/model index rows and usage for these traces (inside a transaction).

    `batch` (the rows just inserted) spares reading back traces that had no
    spans before this transaction, which is most of them.
    """
    ids = sorted(set(trace_ids))
    fresh: dict[str, dict[str, _Span]] = defaultdict(dict)
    for row in batch:
        fresh[row.trace_id].setdefault(row.span_id, _from_row(row))  # first wins, like INSERT OR IGNORE
    for start in range(0, len(ids), _CHUNK):
        _refresh_chunk(conn, ids[start : start + _CHUNK], fresh)


def forget_traces(conn: sqlite3.Connection, trace_ids: Sequence[str]) -> None:
    """Delete traces entirely, taking their usage back out of the roll-up."""
    _apply_usage(conn, trace_ids, {})
    for table in ("spans", "traces", "trace_agents", "trace_models", "logs"):
        conn.execute(f"DELETE FROM {table} WHERE trace_id IN {IDS}", (json_list(trace_ids),))


def _refresh_chunk(conn: sqlite3.Connection, ids: list[str], fresh: dict[str, dict[str, _Span]]) -> None:
    chunk = (json_list(ids),)
    known = {
        trace_id
        for (trace_id,) in conn.execute(f"SELECT trace_id FROM traces WHERE trace_id IN {IDS}", chunk)
    }
    by_trace: dict[str, list[_Span]] = defaultdict(list)
    reread = [trace_id for trace_id in ids if trace_id in known or trace_id not in fresh]
    for trace_id in set(ids).difference(reread):
        by_trace[trace_id] = list(fresh[trace_id].values())
    if reread:
        for row in conn.execute(
            f"SELECT {_SPAN_READ} FROM spans WHERE trace_id IN {IDS}", (json_list(reread),)
        ):
            span = _Span(*row)
            by_trace[span.trace_id].append(span)
    conn.execute(f"DELETE FROM trace_agents WHERE trace_id IN {IDS}", chunk)
    conn.execute(f"DELETE FROM trace_models WHERE trace_id IN {IDS}", chunk)
    summaries: list[TraceSummary] = []
    agent_rows: list[TraceAgent] = []
    model_rows: list[TraceModel] = []
    usage: dict[str, dict[UsageKey, Usage]] = {}
    for trace_id, spans in by_trace.items():
        summary = _summary(trace_id, spans)
        summaries.append(summary)
        agent_rows.extend(
            TraceAgent(agent, summary.start_ns, trace_id) for agent in json.loads(summary.agents)
        )
        model_rows.extend(
            TraceModel(model, summary.start_ns, trace_id) for model in json.loads(summary.models)
        )
        usage[trace_id] = usage_of(spans)
    conn.executemany(_REPLACE_SUMMARY, summaries)
    conn.executemany(_INSERT_AGENT, agent_rows)
    conn.executemany(_INSERT_MODEL, model_rows)
    _apply_usage(conn, ids, usage)


def summary_of(trace_id: str, rows: Sequence[SpanRow]) -> TraceSummary:
    """The `traces` row of one trace's spans, for stores that summarise when read (ClickHouse)."""
    return _summary(trace_id, [_from_row(row) for row in rows])


def _summary(trace_id: str, spans: list[_Span]) -> TraceSummary:
    """One `traces` row: what the list view shows and filters on."""
    root = _root(spans)
    llm = [s for s in spans if s.span_type == "llm"]
    internal = inside_speaker_selection(spans)
    agents = sorted({s.agent for s in spans if s.agent and s.span_id not in internal})
    models = sorted({m for s in llm if (m := s.response_model or s.request_model)})
    errors = sum(1 for s in spans if s.status_code == "ERROR")
    turns = max((s.turns for s in spans if s.turns is not None), default=None)
    return TraceSummary(
        trace_id=trace_id,
        root_name=root.name,
        service=root.service or next((s.service for s in spans if s.service), None),
        start_ns=min(s.start_ns for s in spans),
        end_ns=max(s.end_ns for s in spans),
        span_count=len(spans),
        agents=json.dumps(agents),
        models=json.dumps(models),
        turns=turns
        if turns is not None
        else sum(1 for s in spans if s.span_type == "agent" and s.span_id not in internal),
        llm_calls=len(llm),
        tool_calls=sum(1 for s in spans if s.span_type == "tool"),
        input_tokens=saturated(sum(s.input_tokens or 0 for s in llm)),
        output_tokens=saturated(sum(s.output_tokens or 0 for s in llm)),
        cost=saturated(sum(s.cost or 0.0 for s in llm)),
        priced_calls=sum(1 for s in llm if s.cost is not None),
        error_count=errors,
        status="error" if errors else "running" if any(s.running for s in spans) else "ok",
        conversation_id=next((s.conversation_id for s in spans if s.conversation_id), None),
        search_text=_search_text(trace_id, spans, agents, models),
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

    An LLM span is charged to its owning agent (`span_tree.owning_agents`), the
    same rule the trace API reports per span.
    """
    calls = [s for s in spans if s.span_type == "llm"]
    owners = owning_agents(spans, of=calls)
    totals: dict[UsageKey, Usage] = {}
    for span in calls:
        key = (span.start_ns - span.start_ns % HOUR_NS, owners[span.span_id], _model_of(span))
        usage = totals.setdefault(key, Usage())
        usage.llm_calls += 1
        usage.input_tokens += span.input_tokens or 0
        usage.output_tokens += span.output_tokens or 0
        usage.cost += span.cost or 0.0
        usage.duration_ns += span.end_ns - span.start_ns
        usage.priced_calls += span.cost is not None
    return {key: _capped(usage) for key, usage in totals.items()}


def _model_of(span: _Span) -> str:
    return span.response_model or span.request_model or ""


def _apply_usage(conn: sqlite3.Connection, ids: Sequence[str], new: dict[str, dict[UsageKey, Usage]]) -> None:
    chunk = (json_list(ids),)
    delta: dict[UsageKey, Usage] = defaultdict(Usage)
    for bucket, agent, model, *values in conn.execute(_READ_TRACE_USAGE, chunk):
        delta[bucket, agent, model].add(Usage(*values), -1)  # the columns of UsageKey, then Usage
    conn.execute(f"DELETE FROM trace_usage WHERE trace_id IN {IDS}", chunk)
    rows = []
    for trace_id, usage in new.items():
        for (bucket, agent, model), values in usage.items():
            delta[bucket, agent, model].add(values)
            rows.append((trace_id, bucket, agent, model, *values.values()))
    conn.executemany(_INSERT_TRACE_USAGE, rows)
    _add_to_rollup(conn, "usage_hourly", [(key, values) for key, values in delta.items() if values])
    daily: dict[UsageKey, Usage] = defaultdict(Usage)
    for (bucket, agent, model), values in delta.items():
        daily[bucket - bucket % DAY_NS, agent, model].add(values)
    _add_to_rollup(conn, "usage_daily", list(daily.items()))


def _add_to_rollup(conn: sqlite3.Connection, table: str, changes: list[tuple[UsageKey, Usage]]) -> None:
    conn.executemany(
        insert_sql(table, USAGE_COLUMNS)
        + " ON CONFLICT (bucket_ns, agent, model) DO UPDATE SET llm_calls = llm_calls + excluded.llm_calls,"
        f" input_tokens = min(input_tokens + excluded.input_tokens, {MAX_SUM}),"
        f" output_tokens = min(output_tokens + excluded.output_tokens, {MAX_SUM}),"
        f" cost = min(cost + excluded.cost, {MAX_SUM}),"
        f" duration_ns = min(duration_ns + excluded.duration_ns, {MAX_SUM}),"
        " priced_calls = priced_calls + excluded.priced_calls",
        [(bucket, agent, model, *_capped(values).values()) for (bucket, agent, model), values in changes],
    )
    conn.executemany(
        f"DELETE FROM {table} WHERE bucket_ns = ? AND agent = ? AND model = ? AND llm_calls <= 0",
        [key for key, _ in changes],
    )


def _capped(usage: Usage) -> Usage:
    return Usage(
        saturated(usage.llm_calls),
        saturated(usage.input_tokens),
        saturated(usage.output_tokens),
        saturated(usage.cost),
        saturated(usage.duration_ns),
        saturated(usage.priced_calls),
    )
