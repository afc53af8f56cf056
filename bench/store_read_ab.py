"""Main's read code against this tree's, interleaved in one process on one store file.

Run-to-run noise on a loaded machine hides differences of a few percent between two
processes; alternating the two versions of `store/queries.py` call by call in one process
does not. `--base` is a checkout of main (issue 14: main's `queries.py` imports `HOUR_NS`
from `summaries`, which this tree moved to `server/units.py`, so it is provided there).
"full trace as served" is the `GET /api/traces/{id}` document: a tree whose `get_trace`
leaves out the derived facts gets them from its own `attribution.attribute_trace`, as its
API did.

    .venv/bin/python -m bench.store_read_ab --base /work/wt/rows-base --db store.db
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import sqlite3
import statistics
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.store_cpu import cpu_per_call

from ag2_otel.server import attribution
from ag2_otel.server.store import queries, summaries
from ag2_otel.server.units import HOUR_NS


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", type=Path, required=True, help="a checkout of the version to compare with")
    parser.add_argument("--db", type=Path, required=True, help="a store file (e.g. from bench.store_cpu)")
    parser.add_argument("--rounds", type=int, default=6, help="alternations of base and this tree")
    args = parser.parse_args()
    summaries.HOUR_NS = HOUR_NS  # type: ignore[attr-defined]
    base = _load("base_queries", args.base / "src/ag2_otel/server/store/queries.py")
    base_facts = args.base / "src/ag2_otel/server/attribution.py"  # absent before issue 14
    base_attribution = _load("base_attribution", base_facts) if base_facts.exists() else None
    conn = sqlite3.connect(args.db, isolation_level=None)
    ids = [trace_id for (trace_id,) in conn.execute("SELECT trace_id FROM traces LIMIT 300")]
    trace_ids = iter(ids * 100_000)
    as_served = {base: base_attribution, queries: attribution}
    cases = {
        "list newest 50": (lambda q: q.list_traces(conn, q.TraceFilter(), limit=50), 300),
        # The document `GET /api/traces/{id}` serves, derived facts included: `get_trace` adds
        # them itself since issue 14's follow-up; before, the API added them to its document.
        "full trace as served": (lambda q: _served(q.get_trace(conn, next(trace_ids)), as_served[q]), 300),
    }
    for name, (call, number) in cases.items():
        before, after = [], []
        for _ in range(args.rounds):  # alternating: load changes on a shared machine hit both alike
            before.append(cpu_per_call(functools.partial(call, base), number, 3) * 1e6)
            after.append(cpu_per_call(functools.partial(call, queries), number, 3) * 1e6)
        print(
            f"{name}: base {min(before):.1f} / {statistics.median(before):.1f} µs,"
            f" this tree {min(after):.1f} / {statistics.median(after):.1f} µs"
            f" (CPU per call, min / median of {args.rounds} alternations, each the best of 3 rounds)"
        )


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _served(trace: dict[str, Any], attribution: ModuleType | None) -> dict[str, Any]:
    if "derived" in trace or attribution is None:
        return trace
    return attribution.attribute_trace(trace)  # type: ignore[no-any-return]


if __name__ == "__main__":
    main()
