"""CPU time of the SQLite store's own code: ingest (`write_batch`) and the in-process queries.

Wall-clock figures on a shared, loaded machine move by ±40 % between runs; the CPU time a
process gets for the same work moves far less, so this compares two versions of the store
code (e.g. main and a branch, alternately, with `PYTHONPATH=<tree>/src`) where
`bench/backend_ingest.py` cannot tell them apart. Ingest: `--spans` AG2-shaped spans (the
clones of `backend_ingest.load_store`) built first, then written in batches of 5,000 and only
the writes timed. Queries: best of 5 rounds of N calls each, on the store just written.

    .venv/bin/python -m bench.store_cpu --spans 50000
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.backend_ingest import _clone

from ag2_otel.server.normalize import SpanRow, normalize
from ag2_otel.server.store import Store, TraceFilter
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.ingest import SharedJson, write_batch
from ag2_otel.server.store.migrations import migrate
from ag2_otel.testing.otlp import capture, request_of
from ag2_otel.testing.workload import emit_trace

_DAY_NS = 86_400 * 10**9  # spelled out: the script also runs against trees without server/units.py


def cpu_per_call(call: Callable[[], object], number: int, rounds: int = 5) -> float:
    """Best CPU seconds per call over `rounds` rounds of `number` calls."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(number):
            call()
        best = min(best, time.process_time() - start)
    return best / number


def ingest(db: Path, spans: int) -> dict[str, float]:
    template = normalize(request_of(capture(lambda t: emit_trace(t, 0), service="bench"))).rows
    traces = spans // len(template)
    rng = random.Random(5)
    now = time.time_ns()
    origin = min(r.start_ns for r in template)
    step = 7 * _DAY_NS // traces
    batches: list[list[SpanRow]] = [[]]
    for index in range(traces):
        if len(batches[-1]) >= 5000:
            batches.append([])
        batches[-1].extend(_clone(template, index, now - 7 * _DAY_NS + index * step - origin, rng))
    conn = open_writer(db)
    migrate(conn)
    shared = SharedJson()
    cpu, wall = time.process_time(), time.perf_counter()
    for batch in batches:
        write_batch(conn, batch, shared)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    conn.close()
    total = traces * len(template)
    return {
        "spans": total,
        "cpu_s": round(cpu, 2),
        "cpu_us_per_span": round(cpu / total * 1e6, 2),
        "wall_s": round(wall, 2),
    }


def queries(db: Path) -> dict[str, float]:
    store = Store(db)
    conn = sqlite3.connect(db)
    ids = [
        trace_id for (trace_id,) in conn.execute("SELECT trace_id FROM traces ORDER BY trace_id LIMIT 200")
    ]
    (newest,) = conn.execute("SELECT max(start_ns) FROM traces").fetchone()
    conn.close()
    day_ago = newest - _DAY_NS
    cursor = store.list_traces(limit=50)[1]
    trace_ids = iter(ids * 10_000)
    cases: dict[str, tuple[Callable[[], object], int]] = {
        "list newest 50": (lambda: store.list_traces(limit=50), 300),
        "list page 2 (cursor)": (lambda: store.list_traces(limit=50, cursor=cursor), 300),
        "agent filter": (lambda: store.list_traces(TraceFilter(agent="coder-3"), limit=50), 300),
        "errors only": (lambda: store.list_traces(TraceFilter(status="error"), limit=50), 300),
        "full trace": (lambda: store.get_trace(next(trace_ids)), 300),
        "span rows (traces export)": (lambda: store.span_rows(next(trace_ids)), 300),
        "usage agent x model, hourly, last 24 h": (lambda: store.usage(since_ns=day_ago), 100),
        "usage per agent, hourly, last 24 h": (
            lambda: store.usage(group_by=("agent",), since_ns=day_ago),
            100,
        ),
        "usage agent x model, daily, 7 days": (lambda: store.usage(bucket="day"), 100),
    }
    result = {name: round(cpu_per_call(call, number) * 1e6, 1) for name, (call, number) in cases.items()}
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ag2otel-cpu-") as workdir:
        db = Path(workdir) / "store.db"
        print(json.dumps({"ingest": ingest(db, args.spans)}), flush=True)
        print(json.dumps({"queries_us_cpu": queries(db)}), flush=True)


if __name__ == "__main__":
    main()
