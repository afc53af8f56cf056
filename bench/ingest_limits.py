"""Benchmark issue 17's ingest bounds against a real `ag2-otel serve` subprocess.

    .venv/bin/python -m bench.ingest_limits memory      # peak RSS under the worst inputs
    .venv/bin/python -m bench.ingest_limits throughput  # 12 concurrent exporters
    .venv/bin/python -m bench.ingest_limits kill        # kill -9 under load, acknowledged spans lost

`memory`: each hostile shape, sized to the default limits (just under them
when they are accepted, far over them when they are not), first alone on a
fresh server (the increase of peak RSS over the idle server, and that divided
by the decoded body size), then every shape at once: 4 HTTP + 8 gRPC requests
per shape, concurrently, on one fresh server; peak RSS is the server's VmHWM.

`throughput`: 12 client processes (6 OTLP/HTTP, 6 OTLP/gRPC, the SDK's real
exporters), each exporting pre-recorded AG2-shaped spans in batches of 512;
spans/s from the start signal until the store holds every span.

`kill`: 12 client threads post batches and record which were acknowledged
(200); the server is killed with SIGKILL mid-load and restarted; every span of
every acknowledged batch must be in the store.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import signal
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import httpx
from bench.backend_ingest import count_spans, proc_stats, start_ag2_otel
from opentelemetry.trace import Tracer

from ag2_otel.testing.otlp import capture, grpc_exporter, http_exporter, request_of
from ag2_otel.testing.workload import SPANS_PER_TRACE, emit_trace

PROTOBUF = {"content-type": "application/x-protobuf"}
EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
MIB = 1024 * 1024
IDS = b"\x0a\x10" + b"\x01" * 16 + b"\x12\x08" + b"\x02" * 8  # Span.trace_id, Span.span_id


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + _varint(len(payload)) + payload


def _request(spans: list[bytes]) -> bytes:
    """ExportTraceServiceRequest{resource_spans{scope_spans{spans}}} around encoded spans."""
    return _field(0x0A, _field(0x12, b"".join(_field(0x12, span) for span in spans)))


def _unique_span(index: int, extra: bytes = b"") -> bytes:
    return b"\x0a\x10" + index.to_bytes(16, "big") + b"\x12\x08" + (index + 1).to_bytes(8, "big") + extra


def shapes() -> dict[str, tuple[bytes, dict[str, str], int]]:
    """name -> (body, headers, decoded size)."""
    limit = 16 * MIB
    out: dict[str, tuple[bytes, dict[str, str], int]] = {}

    def add(name: str, body: bytes, headers: dict[str, str] = PROTOBUF, decoded: int | None = None) -> None:
        out[name] = (body, headers, decoded or len(body))

    add("empty ResourceSpans x 4M (body limit, refused)", b"\x0a\x00" * (limit // 2 - 1))
    add("empty spans x 4M (body limit, refused)", _field(0x0A, _field(0x12, b"\x12\x00" * (limit // 2 - 8))))
    add("19,999 minimal valid spans", _request([_unique_span(i) for i in range(1, 20_000)]))
    attributes = b"".join(_field(0x4A, _field(0x0A, b"k%d" % i)) for i in range(16_000))
    add(
        "199,000 distinct empty attributes in 12 spans",
        _request([_unique_span(i, attributes) for i in range(1, 13)]),
    )
    events = b"\x5a\x00" * 4_000
    add("48,000 empty events in 12 spans", _request([_unique_span(i, events) for i in range(1, 13)]))
    elements = _field(0x0A, b"\x10\x01") * 199_000
    array = _field(0x4A, _field(0x0A, b"list") + _field(0x12, _field(0x2A, elements)))
    add("one array attribute of 199,000 values", _request([_unique_span(1, array)]))
    text = _field(0x4A, _field(0x0A, b"text") + _field(0x12, _field(0x0A, b"x" * (limit - 200))))
    plain = _request([_unique_span(1, text)])
    add("one string attribute at the body limit", plain)
    add(
        "gzip: string attribute at the body limit",
        gzip.compress(plain, 1),
        {**PROTOBUF, "content-encoding": "gzip"},
        len(plain),
    )
    bomb = b"\x0a\x00" * (limit // 2)
    add(
        "gzip: empty ResourceSpans at the body limit (refused)",
        gzip.compress(bomb, 9),
        {**PROTOBUF, "content-encoding": "gzip"},
        len(bomb),
    )
    json_body = b'{"resourceSpans":[' + b"{}," * (4 * MIB // 3 - 10) + b"{}]}"
    add("JSON: 4 MiB of empty objects (refused)", json_body, {"content-type": "application/json"})
    spans = [
        {
            "traceId": f"{i:032x}",
            "spanId": f"{i:016x}",
            "name": "s",
            "attributes": [{"key": f"k{j}", "value": {}} for j in range(16)],
        }
        for i in range(1, 6_000)
    ]
    json_ok = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()
    add(
        "JSON: 6k spans x 16 empty attributes (just under the limits)",
        json_ok,
        {"content-type": "application/json"},
    )
    return out


def _traces(first: int, count: int) -> Callable[[Tracer], None]:
    def emit(tracer: Tracer) -> None:
        for index in range(first, first + count):
            emit_trace(tracer, index)

    return emit


def _send(server: Any, body: bytes, headers: dict[str, str], grpc_call: bool) -> str:
    if grpc_call:
        if headers.get("content-type") != PROTOBUF["content-type"] or "content-encoding" in headers:
            return "skip"
        with grpc.insecure_channel(server[1]) as channel:
            try:
                channel.unary_unary(EXPORT)(body, timeout=300)
                return "OK"
            except grpc.RpcError as exc:
                return str(exc.code().name)  # type: ignore[attr-defined]
    return str(
        httpx.post(f"http://{server[0]}/v1/traces", content=body, headers=headers, timeout=300).status_code
    )


def bench_memory(together_only: bool = False, transports: str = "http,grpc") -> dict[str, Any]:
    cases = shapes()
    results: dict[str, Any] = {"alone": {}, "together": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for index, (name, (body, headers, decoded)) in enumerate([] if together_only else cases.items()):
            proc, http_port, grpc_port = start_ag2_otel(Path(tmp) / f"alone{index}.db")
            try:
                time.sleep(0.5)
                idle = proc_stats(proc.pid)["peak_rss_mb"]
                started = time.perf_counter()
                status = _send((f"127.0.0.1:{http_port}", f"127.0.0.1:{grpc_port}"), body, headers, False)
                seconds = time.perf_counter() - started
                peak = proc_stats(proc.pid)["peak_rss_mb"]
            finally:
                proc.terminate()
                proc.wait(30)
            growth = peak - idle
            results["alone"][name] = {
                "status": status,
                "decoded_mb": round(decoded / MIB, 2),
                "idle_rss_mb": round(idle),
                "peak_rss_mb": round(peak),
                "growth_mb": round(growth, 1),
                "growth_per_decoded_byte": round(growth / (decoded / MIB), 1),
                "seconds": round(seconds, 2),
            }
            print(name, results["alone"][name], flush=True)
        proc, http_port, grpc_port = start_ag2_otel(Path(tmp) / "together.db")
        try:
            time.sleep(0.5)
            idle = proc_stats(proc.pid)["peak_rss_mb"]
            address = (f"127.0.0.1:{http_port}", f"127.0.0.1:{grpc_port}")
            outcomes: dict[str, list[str]] = {}
            threads = []
            for name, (body, headers, _) in cases.items():
                outcomes[name] = []
                for call in range(12):
                    if ("grpc" if call >= 4 else "http") not in transports:
                        continue
                    thread = threading.Thread(
                        target=lambda n=name, b=body, h=headers, g=call >= 4: outcomes[n].append(
                            _send(address, b, h, g)
                        )
                    )
                    threads.append(thread)
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            peak = proc_stats(proc.pid)["peak_rss_mb"]
            serving = httpx.get(f"http://{address[0]}/api/services", timeout=30).status_code
        finally:
            proc.terminate()
            proc.wait(30)
        results["together"] = {
            "requests": len(threads),
            "idle_rss_mb": round(idle),
            "peak_rss_mb": round(peak),
            "seconds": round(seconds, 1),
            "api_after": serving,
            "outcomes": {name: sorted(set(o)) for name, o in outcomes.items()},
        }
        print("together", results["together"], flush=True)
    return results


def _exporter_process(
    transport: str, endpoint: str, index: int, spans: int, raw: bool, ready: Any, go: Any, done: Any
) -> None:
    """One client: the SDK exporter on recorded spans, or (`raw`) posts of pre-encoded batches."""
    from opentelemetry.sdk.trace.export import SpanExportResult

    emit = _traces(index * 100_000, spans // SPANS_PER_TRACE + 1)
    recorded = capture(emit, service=f"bench-{index}")[:spans]
    batches = [recorded[start : start + 512] for start in range(0, len(recorded), 512)]
    exporter = http_exporter(endpoint) if transport == "http" else grpc_exporter(endpoint)
    bodies = [request_of(batch).SerializeToString() for batch in batches]
    ready.put(index)
    go.wait()
    failed = 0
    if not raw:
        for batch in batches:
            if exporter.export(batch) != SpanExportResult.SUCCESS:
                failed += len(batch)
    elif transport == "http":
        with httpx.Client(timeout=60) as client:
            for batch, body in zip(batches, bodies, strict=True):
                if client.post(f"{endpoint}/v1/traces", content=body, headers=PROTOBUF).status_code != 200:
                    failed += len(batch)
    else:
        with grpc.insecure_channel(endpoint) as channel:
            export = channel.unary_unary(EXPORT)
            for batch, body in zip(batches, bodies, strict=True):
                try:
                    export(body, timeout=60)
                except grpc.RpcError:
                    failed += len(batch)
    exporter.shutdown()
    done.put(failed)


def bench_throughput(raw: bool, exporters: int = 12, batches_per_exporter: int = 10) -> dict[str, Any]:
    per_exporter = batches_per_exporter * 512
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "throughput.db"
        proc, http_port, grpc_port = start_ag2_otel(db)
        try:
            context = multiprocessing.get_context("spawn")
            ready, go, done = context.Queue(), context.Event(), context.Queue()
            workers = []
            for index in range(exporters):
                transport = "http" if index % 2 == 0 else "grpc"
                endpoint = (
                    f"http://127.0.0.1:{http_port}" if transport == "http" else f"127.0.0.1:{grpc_port}"
                )
                worker = context.Process(
                    target=_exporter_process,
                    args=(transport, endpoint, index, per_exporter, raw, ready, go, done),
                )
                worker.start()
                workers.append(worker)
            for _ in workers:
                ready.get(timeout=600)  # every client has recorded its spans
            before = proc_stats(proc.pid)
            started = time.perf_counter()
            go.set()
            failed = sum(done.get(timeout=900) for _ in workers)
            expected = exporters * per_exporter
            while count_spans(db) < expected - failed and time.perf_counter() - started < 900:
                time.sleep(0.02)
            seconds = time.perf_counter() - started
            stored = count_spans(db)
            after = proc_stats(proc.pid)
            for worker in workers:
                worker.join(30)
        finally:
            proc.terminate()
            proc.wait(30)
    return {
        "clients": "pre-encoded posts" if raw else "SDK exporters",
        "exporters": exporters,
        "spans": expected,
        "stored": stored,
        "export_failures": failed,
        "seconds": round(seconds, 2),
        "spans_per_s": round(stored / seconds),
        "server_cpu_s": round(after["cpu_s"] - before["cpu_s"], 1),
        "peak_rss_mb": round(after["peak_rss_mb"]),
    }


def bench_kill(clients: int = 12, acknowledged_before_kill: int = 200) -> dict[str, Any]:
    bodies = [
        request_of(capture(_traces(n * 100, 20), service="killed")).SerializeToString() for n in range(48)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "killed.db"
        proc, http_port, _ = start_ag2_otel(db)
        acknowledged: list[bytes] = []
        stop = threading.Event()

        def post(offset: int) -> None:
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    for body in bodies[offset::clients]:
                        try:
                            response = client.post(
                                f"http://127.0.0.1:{http_port}/v1/traces", content=body, headers=PROTOBUF
                            )
                        except httpx.HTTPError:
                            return
                        if response.status_code == 200:
                            acknowledged.append(body)

        threads = [threading.Thread(target=post, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        while len(acknowledged) < acknowledged_before_kill:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        stop.set()
        for thread in threads:
            thread.join(60)
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        expected: set[tuple[str, str]] = set()
        for body in acknowledged:
            for resource in ExportTraceServiceRequest.FromString(body).resource_spans:
                for scope in resource.scope_spans:
                    expected.update((s.trace_id.hex(), s.span_id.hex()) for s in scope.spans)
        revived, _, _ = start_ag2_otel(db)
        revived.terminate()
        revived.wait(30)
        conn = sqlite3.connect(db)
        stored = set(conn.execute("SELECT trace_id, span_id FROM spans"))
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.close()
    return {
        "clients": clients,
        "acknowledged_batches": len(acknowledged),
        "acknowledged_spans": len(expected),
        "acknowledged_spans_lost": len(expected - stored),
        "integrity_check": integrity,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["memory", "throughput", "kill"])
    parser.add_argument("--together-only", action="store_true", help="memory: skip the one-shape runs")
    parser.add_argument("--transports", default="http,grpc", help="memory: which receivers get the load")
    parser.add_argument("--runs", type=int, default=1, help="throughput: repeat and report each run")
    parser.add_argument(
        "--raw", action="store_true", help="throughput: clients post pre-encoded batches (server-bound)"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    runners: dict[str, Callable[[], Any]] = {
        "memory": lambda: bench_memory(args.together_only, args.transports),
        "throughput": lambda: bench_throughput(args.raw),
        "kill": bench_kill,
    }
    results = [runners[args.what]() for _ in range(args.runs if args.what == "throughput" else 1)]
    text = json.dumps(results if len(results) > 1 else results[0], indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
