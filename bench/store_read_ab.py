"""Main's read code against this tree's, interleaved in one process on one store file.

Run-to-run noise on a loaded machine hides differences of a few percent between two
processes; alternating the two versions of `store/queries.py` call by call in one process
does not. `--base` is a checkout of main (issue 14: main's `queries.py` imports `HOUR_NS`
from `summaries`, which this tree moved to `server/units.py`, so it is provided there).

    .venv/bin/python -m bench.store_read_ab --base /work/wt/rows-base --db store.db
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import sqlite3
import sys
from pathlib import Path

from bench.store_cpu import cpu_per_call

from ag2_otel.server.store import queries, summaries
from ag2_otel.server.units import HOUR_NS


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", type=Path, required=True, help="a checkout of the version to compare with")
    parser.add_argument("--db", type=Path, required=True, help="a store file (e.g. from bench.store_cpu)")
    args = parser.parse_args()
    summaries.HOUR_NS = HOUR_NS  # type: ignore[attr-defined]
    spec = importlib.util.spec_from_file_location(
        "base_queries", args.base / "src/ag2_otel/server/store/queries.py"
    )
    assert spec is not None
    assert spec.loader is not None
    base = importlib.util.module_from_spec(spec)
    sys.modules["base_queries"] = base
    spec.loader.exec_module(base)
    conn = sqlite3.connect(args.db, isolation_level=None)
    ids = [trace_id for (trace_id,) in conn.execute("SELECT trace_id FROM traces LIMIT 300")]
    trace_ids = iter(ids * 100_000)
    cases = {
        "list newest 50": (lambda q: q.list_traces(conn, q.TraceFilter(), limit=50), 300),
        "full trace": (lambda q: q.get_trace(conn, next(trace_ids)), 500),
    }
    for name, (call, number) in cases.items():
        before, after = [], []
        for _ in range(6):
            before.append(cpu_per_call(functools.partial(call, base), number, 3))
            after.append(cpu_per_call(functools.partial(call, queries), number, 3))
        print(
            f"{name}: base {min(before) * 1e6:.1f} µs, this tree {min(after) * 1e6:.1f} µs"
            " (CPU, best of 18 rounds)"
        )


if __name__ == "__main__":
    main()
