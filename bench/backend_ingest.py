"""Benchmark the embedded backend (issue 5, item 7); optionally Arize Phoenix on the same load.

Ingest: N AG2-shaped traces x 10 spans (~10 attributes, ~250-char JSON message
strings) through the SDK's real OTLP exporters (BatchSpanProcessor, batch 512,
queue large enough that nothing is dropped) into a fresh `ag2-otel serve`
subprocess. Reported: spans/s from the first export call until the store holds
every span, server peak RSS (VmHWM) and CPU time, spans lost.

Queries: a store of `--query-spans` spans loaded directly through the writer
path, then p50/p95 of list, agent filter, full trace and usage, in-process and
over HTTP.

    .venv/bin/python -m bench.backend_ingest [--phoenix /tmp/phoenix-venv/bin/phoenix]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from ag2_otel.server.normalize import SpanRow, normalize
from ag2_otel.server.store import Store, TraceFilter
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.ingest import SharedJson, write_batch
from ag2_otel.server.store.migrations import migrate
from ag2_otel.testing.otlp import capture, grpc_exporter, http_exporter, request_of
from ag2_otel.testing.workload import SPANS_PER_TRACE, emit_trace, emit_traces

_PORTS = re.compile(r"OTLP/(HTTP|gRPC)\s+http://127\.0\.0\.1:(\d+)")


class FirstExportClock(SpanExporter):
    """Delegates to a real exporter; remembers when the first export started and what failed."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self.first: float | None = None
        self.failed = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.first is None:
            self.first = time.perf_counter()
        result = self.inner.export(spans)
        if result != SpanExportResult.SUCCESS:
            self.failed += len(spans)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class EncodeOnly(SpanExporter):
    """The client's own work (OTLP encoding) with no server: the ceiling of the live mode."""

    def __init__(self) -> None:
        self.done = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        encode_spans(spans).SerializeToString()
        self.done += len(spans)
        return SpanExportResult.SUCCESS


def bench_client_ceiling(traces: int) -> dict[str, Any]:
    sink = EncodeOnly()
    return {
        "server": "none: client ceiling",
        "transport": "encode only",
        **run_load(sink, traces, lambda: sink.done, 0.01),
    }


def proc_stats(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = {line.split(":")[0]: line.split()[1] for line in status.splitlines() if line.startswith("Vm")}
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {
        "rss_mb": int(fields["VmRSS"]) / 1024,
        "peak_rss_mb": int(fields["VmHWM"]) / 1024,
        "cpu_s": (int(stat[11]) + int(stat[12])) / ticks,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_ag2_otel(db: Path, source: Path | None = None) -> tuple[subprocess.Popen[str], int, int]:
    """`ag2-otel serve` on `db`, from this tree or from the `src` folder of another (`source`)."""
    env = {**os.environ, "AG2_OTEL_DB": str(db), "PYTHONUNBUFFERED": "1"}
    if source is not None:
        env["PYTHONPATH"] = str(source)
    env.pop("AG2_OTEL_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ag2_otel.cli", "serve", "--http-port", "0", "--grpc-port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    ports: dict[str, int] = {}
    assert proc.stdout is not None
    while len(ports) < 2:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("ag2-otel serve exited")
        if match := _PORTS.search(line):
            ports[match.group(1)] = int(match.group(2))
    return proc, ports["HTTP"], ports["gRPC"]


def count_spans(db: Path, table: str = "spans") -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def run_load(
    exporter: SpanExporter,
    traces: int,
    until_stored: Callable[[], int],
    poll_s: float,
    replay: list[ReadableSpan] | None = None,
) -> dict[str, Any]:
    """Export through BatchSpanProcessor(batch 512) and wait until the store holds every span.

    `replay=None`: spans are created while exporting (the application and the
    exporter share one client process). Otherwise the pre-recorded spans are
    handed to the processor, so only export and ingest are timed.
    """
    clock = FirstExportClock(exporter)
    expected = traces * SPANS_PER_TRACE
    processor = BatchSpanProcessor(clock, max_queue_size=expected + 1, max_export_batch_size=512)
    provider = TracerProvider(resource=Resource.create({"service.name": "bench"}))
    provider.add_span_processor(processor)
    started = time.perf_counter()
    if replay is None:
        tracer = provider.get_tracer("bench")
        for index in range(traces):
            emit_trace(tracer, index)
    else:
        for span in replay:
            processor.on_end(span)
    generated = time.perf_counter()
    provider.force_flush(600_000)
    stored = 0
    deadline = time.perf_counter() + 900
    while time.perf_counter() < deadline:
        stored = until_stored()
        if stored >= expected:
            break
        time.sleep(poll_s)
    done = time.perf_counter()
    provider.shutdown()
    first = clock.first or started
    return {
        "mode": "live" if replay is None else "replay",
        "spans": expected,
        "stored": stored,
        "lost": expected - stored,
        "export_failures": clock.failed,
        "seconds": round(done - first, 2),
        "spans_per_s": round(stored / (done - first)),
        "client_feed_s": round(generated - started, 2),
    }


def bench_ag2_otel(
    transport: str, traces: int, workdir: Path, replay: list[ReadableSpan] | None = None
) -> dict[str, Any]:
    db = workdir / f"ag2otel-{transport}-{'replay' if replay else 'live'}.db"
    proc, http_port, grpc_port = start_ag2_otel(db)
    try:
        before = proc_stats(proc.pid)
        exporter = (
            http_exporter(f"http://127.0.0.1:{http_port}")
            if transport == "http"
            else grpc_exporter(f"127.0.0.1:{grpc_port}")
        )
        result = run_load(exporter, traces, lambda: count_spans(db), 0.02, replay)
        after = proc_stats(proc.pid)
        result["traces_in_summary"] = count_spans(db, "traces")
    finally:
        proc.terminate()
        proc.wait(30)
    return {
        "server": "ag2-otel serve",
        "transport": transport,
        **result,
        "rss_start_mb": round(before["rss_mb"]),
        "peak_rss_mb": round(after["peak_rss_mb"]),
        "server_cpu_s": round(after["cpu_s"] - before["cpu_s"], 1),
    }


def bench_phoenix(phoenix: str, traces: int, workdir: Path) -> dict[str, Any]:
    home = workdir / "phoenix"
    home.mkdir()
    http_port, grpc_port = free_port(), free_port()
    env = {
        **os.environ,
        "PHOENIX_WORKING_DIR": str(home),
        "PHOENIX_PORT": str(http_port),
        "PHOENIX_GRPC_PORT": str(grpc_port),
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_TELEMETRY_ENABLED": "false",
    }
    log = (workdir / "phoenix.log").open("w")
    proc = subprocess.Popen([phoenix, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        t0 = time.perf_counter()
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{http_port}/", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.perf_counter() - t0 > 180:
                raise RuntimeError(f"phoenix did not start; see {workdir / 'phoenix.log'}")
            time.sleep(0.5)
        startup = time.perf_counter() - t0
        before = proc_stats(proc.pid)
        db = home / "phoenix.db"
        result = run_load(
            http_exporter(f"http://127.0.0.1:{http_port}"), traces, lambda: count_spans(db), 1.0
        )
        after = proc_stats(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {
        "server": "Arize Phoenix",
        "transport": "http",
        **result,
        "startup_s": round(startup, 1),
        "rss_start_mb": round(before["rss_mb"]),
        "peak_rss_mb": round(after["peak_rss_mb"]),
        "server_cpu_s": round(after["cpu_s"] - before["cpu_s"], 1),
    }


def load_store(db: Path, spans: int, days: float = 7.0) -> dict[str, Any]:
    """Fill a store with `spans` AG2-shaped spans (varied agents, models, errors) via write_batch."""
    template = normalize(request_of(capture(lambda t: emit_trace(t, 0), service="bench"))).rows
    traces = spans // len(template)
    conn = open_writer(db)
    migrate(conn)
    shared = SharedJson()
    rng = random.Random(5)
    now = time.time_ns()
    span_ns = int(days * 86_400e9 / traces)
    origin = min(r.start_ns for r in template)
    started = time.perf_counter()
    batch: list[SpanRow] = []
    for index in range(traces):
        batch.extend(_clone(template, index, now - int(days * 86_400e9) + index * span_ns - origin, rng))
        if len(batch) >= 5000:
            write_batch(conn, batch, shared)
            batch = []
    write_batch(conn, batch, shared)
    elapsed = time.perf_counter() - started
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    total = traces * len(template)
    return {
        "spans": total,
        "traces": traces,
        "load_s": round(elapsed, 1),
        "load_spans_per_s": round(total / elapsed),
        "file_mb": round(db.stat().st_size / 1e6),
    }


def _clone(template: list[SpanRow], index: int, shift: int, rng: random.Random) -> list[SpanRow]:
    trace_id = rng.randbytes(16).hex()
    ids = {row.span_id: rng.randbytes(8).hex() for row in template}
    names = {
        "manager": f"manager-{index % 5}",
        "planner": f"planner-{index % 20}",
        "coder": f"coder-{index % 20}",
    }
    model = ("gpt-4o-mini", "gpt-4o", "claude-sonnet")[index % 3]
    rows = []
    for row in template:
        agent = names.get(row.promoted.agent or "", row.promoted.agent)
        llm = row.promoted.span_type == "llm"
        promoted = dataclasses.replace(
            row.promoted,
            agent=agent,
            request_model=model if llm else None,
            response_model=model if llm else None,
            conversation_id=f"conv-{index}",
        )
        attributes = row.attributes_json
        if row.promoted.agent:
            attributes = attributes.replace(f'"{row.promoted.agent}"', f'"{agent}"')
        error = index % 50 == 0 and row.promoted.span_type == "tool"
        rows.append(
            dataclasses.replace(
                row,
                trace_id=trace_id,
                span_id=ids[row.span_id],
                parent_span_id=ids.get(row.parent_span_id or ""),
                start_ns=row.start_ns + shift,
                end_ns=row.end_ns + shift,
                promoted=promoted,
                attributes_json=attributes.replace("gpt-4o-mini", model),
                status_code="ERROR" if error else row.status_code,
            )
        )
    return rows


def timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 3), "p95_ms": round(samples[int(runs * 0.95) - 1], 3)}


def bench_queries(db: Path, runs: int) -> dict[str, dict[str, float]]:
    store = Store(db)
    conn = sqlite3.connect(db)
    trace_ids = [
        row[0] for row in conn.execute("SELECT trace_id FROM traces ORDER BY random() LIMIT ?", (runs,))
    ]
    conn.close()
    day_ago = time.time_ns() - 86_400 * 10**9
    ids = iter(trace_ids * 4)
    cursor = store.list_traces(limit=50)[1]
    cases: dict[str, Callable[[], object]] = {
        "list newest 50": lambda: store.list_traces(limit=50),
        "list page 2 (cursor)": lambda: store.list_traces(limit=50, cursor=cursor),
        "agent filter": lambda: store.list_traces(
            TraceFilter(agent=f"coder-{random.randrange(20)}"), limit=50
        ),
        "errors only": lambda: store.list_traces(TraceFilter(status="error"), limit=50),
        "full trace": lambda: store.get_trace(next(ids)),
        "usage agent x model, hourly, last 24 h": lambda: store.usage(since_ns=day_ago),
        "usage per agent, hourly, last 24 h": lambda: store.usage(group_by=("agent",), since_ns=day_ago),
        "usage agent x model, daily, all 7 days": lambda: store.usage(bucket="day"),
    }
    results = {name: timed(call, runs) for name, call in cases.items()}
    store.close()
    proc, http_port, _ = start_ag2_otel(db)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{http_port}", timeout=30) as client:
            results["HTTP GET /api/traces"] = timed(lambda: client.get("/api/traces"), runs)
            results["HTTP GET /api/traces?agent="] = timed(
                lambda: client.get("/api/traces", params={"agent": "planner-3"}), runs
            )
            results["HTTP GET /api/traces/{id}"] = timed(lambda: client.get(f"/api/traces/{next(ids)}"), runs)
            results["HTTP GET /api/usage?group_by=agent&since=(24 h ago)"] = timed(
                lambda: client.get("/api/usage", params={"group_by": "agent", "since": day_ago}), runs
            )
            results["HTTP GET /api/usage?bucket=day"] = timed(
                lambda: client.get("/api/usage", params={"bucket": "day"}), runs
            )
    finally:
        proc.terminate()
        proc.wait(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--traces", type=int, default=2000)
    parser.add_argument("--transports", default="http,grpc")
    parser.add_argument("--phoenix", help="path to a `phoenix` executable (installed in its own venv)")
    parser.add_argument("--query-spans", type=int, default=1_000_000, help="0 skips the query benchmark")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workdir", type=Path, help="keep databases here (default: a temp dir)")
    parser.add_argument("--out", type=Path, help="also write results as JSON")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ag2otel-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"ingest": [], "machine": {"cpus": os.cpu_count()}}
    results["ingest"].append(bench_client_ceiling(args.traces))
    print(json.dumps(results["ingest"][-1]), flush=True)
    recorded = capture(emit_traces(args.traces), service="bench")
    for transport in args.transports.split(","):
        for replay in (None, recorded):
            results["ingest"].append(bench_ag2_otel(transport.strip(), args.traces, workdir, replay))
            print(json.dumps(results["ingest"][-1]), flush=True)
    if args.phoenix:
        try:
            results["ingest"].append(bench_phoenix(args.phoenix, args.traces, workdir))
        except Exception as exc:  # report, do not lose the rest of the run
            results["phoenix_error"] = str(exc)
        print(json.dumps(results["ingest"][-1] if "phoenix_error" not in results else results), flush=True)
    if args.query_spans:
        db = workdir / "million.db"
        results["store"] = load_store(db, args.query_spans)
        print(json.dumps(results["store"]), flush=True)
        results["queries"] = bench_queries(db, args.runs)
        print(json.dumps(results["queries"], indent=1), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
