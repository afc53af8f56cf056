"""Issue 17: a live server caps concurrent ingest, times out stalled connections and
keeps serving the API when clients hold more connections than it has file descriptors."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import httpx
import pytest

from ag2_otel.server.normalize import normalize
from ag2_otel.server.receiver.status import RETRY_INFO_METADATA_KEY
from ag2_otel.server.store import StoreWriter
from ag2_otel.server.store.files import ensure_schema
from ag2_otel.testing.otlp import ag2_request, capture, request_of
from ag2_otel.testing.workload import emit_trace
from tests.server.conftest import ServerProcess, start_server, wait_for

PROTOBUF = {"content-type": "application/x-protobuf"}
SLOTS_AND_WAITING_ROOM = 2 + 64  # IngestLimits.concurrent_requests + waiting_requests


@contextmanager
def _stalled_uploads(server: ServerProcess, count: int) -> Iterator[list[socket.socket]]:
    """`count` POSTs whose headers arrived but whose bodies never finish."""
    head = (
        b"POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
            sock.sendall(head + b"\x0a")
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def test_ingest_beyond_the_cap_is_told_to_retry_on_both_receivers(server: ServerProcess) -> None:
    body = request_of(capture(lambda t: emit_trace(t, 1), service="capped")).SerializeToString()
    with _stalled_uploads(server, SLOTS_AND_WAITING_ROOM):
        # Until every stalled request has its slot or place in the queue (a loaded machine takes
        # its time to accept them all), a complete request may still get one and be stored.
        deadline = time.monotonic() + 30
        while True:
            response = httpx.post(f"{server.url}/v1/traces", content=body, headers=PROTOBUF, timeout=30)
            if response.status_code == 503 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert response.status_code == 503  # main: 200, no cap at all
        assert response.headers["retry-after"] == "1"
        with grpc.insecure_channel(server.grpc_endpoint) as channel:
            export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
            with pytest.raises(grpc.RpcError) as refused:
                export(body, timeout=30)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        trailing = dict(refused.value.trailing_metadata() or ())
        assert RETRY_INFO_METADATA_KEY in trailing
        # logs and metrics wait for the same slots (issue 12 item 3)
        for path in ("/v1/logs", "/v1/metrics"):
            other = httpx.post(f"{server.url}{path}", content=b"", headers=PROTOBUF, timeout=30)
            assert other.status_code == 503, path
        with grpc.insecure_channel(server.grpc_endpoint) as channel:
            for service in ("logs.v1.LogsService", "metrics.v1.MetricsService"):
                export = channel.unary_unary(f"/opentelemetry.proto.collector.{service}/Export")
                with pytest.raises(grpc.RpcError) as refused:
                    export(b"", timeout=30)
                assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, service
        assert server.api("/api/services").status_code == 200  # the API is not gated
    wait_for(
        lambda: (
            httpx.post(f"{server.url}/v1/traces", content=body, headers=PROTOBUF, timeout=30).status_code
            == 200
        )
    )


@pytest.mark.slow
def test_idle_connections_beyond_the_file_limit_do_not_lock_out_the_api(tmp_path: Path) -> None:
    victim = start_server(tmp_path / "idle.db", open_files=256)
    sockets: list[socket.socket] = []
    try:
        for _ in range(400):  # more than the server can hold open
            try:
                sockets.append(socket.create_connection(("127.0.0.1", victim.http_port), timeout=5))
            except OSError:
                break
        started = time.monotonic()
        response = httpx.get(f"{victim.url}/api/services", timeout=10)  # main: times out
        assert response.status_code == 200
        assert time.monotonic() - started < 5
        partial = socket.create_connection(("127.0.0.1", victim.http_port), timeout=5)
        partial.sendall(b"GET /api/services HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finish
        partial.settimeout(20)
        assert partial.recv(1024) == b""  # closed by the header timeout (10 s), not kept forever
        partial.close()
        for _ in range(50):  # uvicorn logs each of these; the server passes one line per minute
            with socket.create_connection(("127.0.0.1", victim.http_port), timeout=5) as garbage:
                garbage.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                garbage.recv(1024)
    finally:
        for sock in sockets:
            sock.close()
        victim.stop()
    log = "".join(victim.output)
    assert "Traceback" not in log
    assert len(victim.output) < 20, log[-2000:]  # one line per condition, not one per connection


def test_a_row_the_store_cannot_take_is_rejected_alone(tmp_path: Path) -> None:
    """Defence in depth behind ingest validation: the writer keeps every row it can."""
    path = tmp_path / "t.db"
    ensure_schema(path)
    rows = normalize(ag2_request(1)).rows
    poisoned = next(row for row in rows if row.promoted.span_type == "llm")
    poisoned.promoted.input_tokens = 2**70  # beyond SQLite's integers: OverflowError on insert
    writer = StoreWriter(path)
    writer.start()
    try:
        assert writer.submit(rows).result(30) == 1  # main: OverflowError, the whole batch lost
    finally:
        writer.stop()
    conn = sqlite3.connect(path)
    stored = {span_id for (span_id,) in conn.execute("SELECT span_id FROM spans")}
    conn.close()
    assert stored == {row.span_id for row in rows} - {poisoned.span_id}
