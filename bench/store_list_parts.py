"""Where an in-process list read (`queries.list_traces`, a page of 50) spends its CPU time,
step by step on one store file: SQLite's rows, the `TraceSummary` records (reading rows by
name), the API dicts built from the records' fields against unpacked tuples, and the two JSON
columns per trace parsed by `json.loads` against `normalize.loads`. Each step on the same
page's rows, CPU time per page, min / median of alternating rounds. Figures in
docs/backend.md ("Rows by name, follow-up").

    .venv/bin/python -m bench.store_list_parts --db <store file>
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.store_cpu import cpu_per_call

from ag2_otel.server.normalize import loads
from ag2_otel.server.store import queries
from ag2_otel.server.store.tables import TraceSummary


def _unpacked(row: tuple[Any, ...]) -> dict[str, Any]:
    """The API dict from a tuple unpacked in column order: what the records replaced."""
    (trace_id, root_name, service, start_ns, end_ns, span_count, agents, models, turns, llm_calls,
     tool_calls, input_tokens, output_tokens, cost, error_count, status, conversation_id, _,
     priced_calls) = row  # fmt: skip
    return {
        "trace_id": trace_id, "root_name": root_name, "service": service, "start_time_ns": start_ns,
        "end_time_ns": end_ns, "duration_ms": max(0, end_ns - start_ns) / 1e6, "span_count": span_count,
        "agents": agents, "models": models, "turns": turns, "llm_calls": llm_calls, "tool_calls": tool_calls,
        "input_tokens": input_tokens, "output_tokens": output_tokens, "cost": cost,
        "priced_calls": priced_calls, "error_count": error_count, "status": status,
        "conversation_id": conversation_id,
    }  # fmt: skip


def _by_name(row: TraceSummary) -> dict[str, Any]:
    """The same dict from the record's fields (as `summary_from_row`, JSON left out)."""
    return {
        "trace_id": row.trace_id, "root_name": row.root_name, "service": row.service,
        "start_time_ns": row.start_ns, "end_time_ns": row.end_ns,
        "duration_ms": max(0, row.end_ns - row.start_ns) / 1e6, "span_count": row.span_count,
        "agents": row.agents, "models": row.models, "turns": row.turns, "llm_calls": row.llm_calls,
        "tool_calls": row.tool_calls, "input_tokens": row.input_tokens, "output_tokens": row.output_tokens,
        "cost": row.cost, "priced_calls": row.priced_calls, "error_count": row.error_count,
        "status": row.status, "conversation_id": row.conversation_id,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", type=Path, required=True, help="a store file (bench.backend_ingest.load_store)"
    )
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    conn = sqlite3.connect(args.db, isolation_level=None)
    sql = queries.list_traces_sql(queries.TraceFilter())
    rows = conn.execute(sql).fetchall()
    records = [TraceSummary._make(row) for row in rows]
    steps: dict[str, Callable[[], object]] = {
        "whole list_traces": lambda: queries.list_traces(conn, queries.TraceFilter(), limit=50),
        "SQLite rows (fetchall)": lambda: conn.execute(sql).fetchall(),
        "TraceSummary records (_make)": lambda: [TraceSummary._make(row) for row in rows],
        "dicts from record fields": lambda: [_by_name(record) for record in records],
        "dicts from unpacked tuples": lambda: [_unpacked(row) for row in rows],
        "agents + models, json.loads": lambda: [
            (json.loads(r.agents), json.loads(r.models)) for r in records
        ],
        "agents + models, normalize.loads": lambda: [(loads(r.agents), loads(r.models)) for r in records],
    }
    timings: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            timings[name].append(cpu_per_call(step, 300, 3) * 1e6)
    print(
        f"CPU µs per page of {len(rows)}, min / median of {args.rounds} alternating rounds (each best of 3)"
    )
    for name, values in timings.items():
        print(f"  {name:36} {min(values):7.1f} / {statistics.median(values):7.1f}")


if __name__ == "__main__":
    main()
