"""`GET /api/traces/{id}` served by another tree's `ag2-otel serve` and by this tree's, on one
store file, alternately (one server at a time), over HTTP on 127.0.0.1.

Per round and tree: a fresh server, a few warm-up requests, then `--requests` requests for
the store's traces in turn; reported are the wall-clock p50 of a request and the server's
CPU time per request (its process's user + system time over the timed requests, from
/proc), as min / median over the rounds. The CPU figure is the one a loaded machine
disturbs least. The store is `--db` (e.g. bench.backend_ingest.load_store's 10-span
traces), or with `--spans N` a fresh one holding one long group chat of N spans
(`viewer_traces.big_trace`: the trace the live view polls once a second while it runs).
Figures in docs/backend.md.

    .venv/bin/python -m bench.trace_api_ab --base <checkout of main> --db <store file>
    .venv/bin/python -m bench.trace_api_ab --base <checkout of main> --spans 2000
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from bench.backend_ingest import start_ag2_otel

from ag2_otel.testing.otlp import ingest, request_of, span_from_dict
from ag2_otel.testing.viewer_traces import big_trace


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_round(db: Path, source: Path | None, ids: list[str], requests: int) -> tuple[float, float]:
    """(p50 ms of a request, server CPU ms per request) with a fresh server from `source`."""
    proc, port, _ = start_ag2_otel(db, source)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for trace_id in ids[:20]:
                assert client.get(f"/api/traces/{trace_id}").status_code == 200
            samples = []
            cpu = _cpu_s(proc.pid)
            for index in range(requests):
                start = time.perf_counter()
                client.get(f"/api/traces/{ids[index % len(ids)]}")
                samples.append((time.perf_counter() - start) * 1000)
            cpu = _cpu_s(proc.pid) - cpu
    finally:
        proc.terminate()
        proc.wait(30)
    return statistics.median(samples), cpu * 1000 / requests


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", type=Path, required=True, help="a checkout of the version to compare with")
    parser.add_argument("--db", type=Path, help="a store file (bench.backend_ingest.load_store)")
    parser.add_argument("--spans", type=int, help="instead: a fresh store with one trace of this many spans")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if args.spans:
        args.db = Path(tempfile.mkdtemp(prefix="ag2otel-trace-api-")) / "traces.db"
        ingest(
            args.db,
            request_of([span_from_dict(s) for s in big_trace(time.time_ns(), span_count=args.spans).spans]),
        )
    with sqlite3.connect(args.db) as conn:
        ids = [trace_id for (trace_id,) in conn.execute("SELECT trace_id FROM traces LIMIT 300")]
    results: dict[str, list[tuple[float, float]]] = {"base": [], "this tree": []}
    for _ in range(args.rounds):
        results["base"].append(one_round(args.db, args.base / "src", ids, args.requests))
        results["this tree"].append(one_round(args.db, None, ids, args.requests))
    for name, rounds in results.items():
        wall = [p50 for p50, _ in rounds]
        cpu = [ms for _, ms in rounds]
        print(
            f"{name}: p50 {min(wall):.2f} / {statistics.median(wall):.2f} ms,"
            f" server CPU {min(cpu):.2f} / {statistics.median(cpu):.2f} ms per request"
            f" (min / median of {args.rounds} rounds of {args.requests})"
        )


if __name__ == "__main__":
    main()
