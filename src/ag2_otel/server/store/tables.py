"""Each table's columns, derived from the one type that carries its rows, so code reads and
writes columns by name and a new column is one field (plus its migration).

- `spans` ← `SpanRow`, its `promoted` fields inline, `*_json` stored without the suffix, and
  resource and scope as ids into `shared_json`.
- `logs` ← `LogRow` (`*_json` likewise).
- `traces` ← `TraceSummary`; `trace_agents` / `trace_models` ← `TraceAgent` / `TraceModel`.
- `usage_hourly` / `usage_daily` ← `UsageKey` names + `Usage`; `trace_usage` ← `trace_id` + those.

tests/server/test_tables.py compares these with `PRAGMA table_info` of a migrated file and
writes and reads rows back. Rows cross to SQLite as plain tuples in column order, built and
taken apart here only (the ingest hot path; a record built by keyword costs per field):
everywhere else code reads the row types' fields by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, NamedTuple

from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.promote import Promoted
from ag2_otel.server.receiver.logs_and_metrics import LogRow

_SHARED = {"resource_json": "resource_id", "scope_json": "scope_id"}
"""`SpanRow` fields stored once in `shared_json` and referenced by id."""
_PROMOTED = tuple(f.name for f in fields(Promoted))
_PROMOTED_AT = [f.name for f in fields(SpanRow)].index("promoted")


def _stored_name(field: str) -> str:
    return _SHARED.get(field, field.removesuffix("_json"))


SPAN_COLUMNS: tuple[str, ...] = tuple(
    column
    for f in fields(SpanRow)
    for column in (_PROMOTED if f.name == "promoted" else (_stored_name(f.name),))
)
"""The columns of `spans` (its rowid `id` aside), in table order."""
LOG_COLUMNS: tuple[str, ...] = tuple(_stored_name(f.name) for f in fields(LogRow))
"""The columns of `logs` (its rowid `id` aside), in table order."""


def span_values(row: SpanRow, resource_id: int, scope_id: int) -> tuple[object, ...]:
    """`row` as a `spans` row in `SPAN_COLUMNS` order (spelled out: this runs for every span)."""
    p = row.promoted
    return (
        row.trace_id, row.span_id, row.parent_span_id, row.name, row.kind, row.start_ns, row.end_ns,
        row.status_code, row.status_message, row.trace_state, row.flags, row.service, p.span_type,
        p.operation, p.agent, p.provider, p.request_model, p.response_model, p.tool, p.input_tokens,
        p.output_tokens, p.cost, p.conversation_id, p.turns, row.attributes_json, row.events_json,
        row.links_json, resource_id, scope_id,
    )  # fmt: skip


def span_row(values: Sequence[Any], resource_json: str, scope_json: str) -> SpanRow:
    """The `SpanRow` a `spans` row (in `SPAN_COLUMNS` order) was written from, given its
    resource and scope: the columns are `SpanRow`'s fields, so they are its arguments in order."""
    promoted = Promoted(*values[_PROMOTED_AT : _PROMOTED_AT + len(_PROMOTED)])
    return SpanRow(
        *[
            *values[:_PROMOTED_AT],
            promoted,
            *values[_PROMOTED_AT + len(_PROMOTED) : -len(_SHARED)],
            resource_json,
            scope_json,
        ]
    )


log_values: Callable[[LogRow], tuple[object, ...]] = attrgetter(*(f.name for f in fields(LogRow)))
"""A `LogRow` as a `logs` row in `LOG_COLUMNS` order."""


class TraceSummary(NamedTuple):
    """A row of `traces`: what the list view shows and filters on."""

    trace_id: str
    root_name: str
    service: str | None
    start_ns: int
    end_ns: int
    span_count: int
    agents: str
    """JSON list of agent names (sorted)."""
    models: str
    """JSON list of model names (sorted)."""
    turns: int
    llm_calls: int
    tool_calls: int
    input_tokens: int
    output_tokens: int
    cost: float
    error_count: int
    status: str
    conversation_id: str | None
    search_text: str
    priced_calls: int
    """LLM calls that carried a cost: fewer than `llm_calls` means part of the cost is unknown
    ("partial"), none means it was not reported (not $0). Last: migration 5 appended it."""


class TraceAgent(NamedTuple):
    """A row of `trace_agents`: the agent filter's index, in its primary-key order."""

    agent: str
    start_ns: int
    trace_id: str


class TraceModel(NamedTuple):
    """A row of `trace_models`: the model filter's index, in its primary-key order."""

    model: str
    start_ns: int
    trace_id: str


UsageKey = tuple[int, str, str]
"""bucket_ns, agent, model: the key of a usage row."""


@dataclass(slots=True)
class Usage:
    """Summed LLM-call usage: the value columns of the usage tables, by the same names."""

    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    duration_ns: int = 0
    priced_calls: int = 0
    """LLM calls that carried a cost (`TraceSummary.priced_calls`)."""

    def add(self, other: Usage, sign: int = 1) -> None:
        self.llm_calls += sign * other.llm_calls
        self.input_tokens += sign * other.input_tokens
        self.output_tokens += sign * other.output_tokens
        self.cost += sign * other.cost
        self.duration_ns += sign * other.duration_ns
        self.priced_calls += sign * other.priced_calls

    def values(self) -> tuple[int, int, int, float, int, int]:
        """In `USAGE_COLUMNS` order (after the key)."""
        return (
            self.llm_calls, self.input_tokens, self.output_tokens, self.cost, self.duration_ns,
            self.priced_calls,
        )  # fmt: skip

    def __bool__(self) -> bool:
        return any(self.values())


USAGE_COLUMNS = ("bucket_ns", "agent", "model", *(f.name for f in fields(Usage)))
"""The columns of `usage_hourly` and `usage_daily`: `UsageKey`, then `Usage`."""
TRACE_USAGE_COLUMNS = ("trace_id", *USAGE_COLUMNS)
"""The columns of `trace_usage`: one trace's share of a `usage_hourly` row."""

TABLES: dict[str, tuple[str, ...]] = {
    "spans": SPAN_COLUMNS,
    "logs": LOG_COLUMNS,
    "traces": TraceSummary._fields,
    "trace_agents": TraceAgent._fields,
    "trace_models": TraceModel._fields,
    "usage_hourly": USAGE_COLUMNS,
    "usage_daily": USAGE_COLUMNS,
    "trace_usage": TRACE_USAGE_COLUMNS,
}
"""Each table of the newest schema (bookkeeping and `shared_json` aside) and its columns."""


def columns(names: Iterable[str], alias: str = "") -> str:
    """`a, b, c` (or `t.a, t.b, t.c` with an alias) for a SELECT list."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + name for name in names)


def insert_sql(table: str, names: tuple[str, ...], verb: str = "INSERT") -> str:
    """`INSERT INTO table (a, b) VALUES (?, ?)` for rows in the field order of `names`."""
    return f"{verb} INTO {table} ({columns(names)}) VALUES ({', '.join('?' * len(names))})"


IDS = "(SELECT value FROM json_each(?))"
"""`column IN {IDS}` matches any of a list bound as one JSON parameter (`json_list`): one
statement for any number of ids, where `IN (?, ?, …)` would need chunks under SQLite's
limit on parameters."""


def json_list(values: Iterable[str]) -> str:
    """The parameter for `IDS`."""
    return json.dumps(list(values))
