"""Hostile and heavy input against a live server: it answers with the right status and keeps serving."""

from __future__ import annotations

import gzip
import json
import math
import os
import signal
import sqlite3
import threading
from pathlib import Path

import grpc
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from ag2_otel.testing.otlp import capture, grpc_exporter, http_exporter, request_of, send
from ag2_otel.testing.workload import SPANS_PER_TRACE, emit_trace, emit_traces
from tests.server.conftest import ServerProcess, start_server

PROTOBUF = {"content-type": "application/x-protobuf"}
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def valid_body() -> bytes:
    return request_of(capture(lambda t: emit_trace(t, 1), service="fuzz-seed")).SerializeToString()


def _post(server: ServerProcess, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/traces", content=body, headers=headers, timeout=30)


def _still_serving(server: ServerProcess) -> None:
    assert server.proc.poll() is None
    assert server.api("/api/services").status_code == 200


@FUZZ
@given(body=st.binary(max_size=3000))
def test_random_protobuf_bodies_get_200_or_400(server: ServerProcess, body: bytes) -> None:
    response = _post(server, body, PROTOBUF)
    assert response.status_code in (200, 400), response.text
    _still_serving(server)


@FUZZ
@given(data=st.data())
def test_mutated_protobuf_requests_get_200_or_400(
    server: ServerProcess, valid_body: bytes, data: st.DataObject
) -> None:
    body = bytearray(valid_body)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(body) - 1))
        body[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(body)))
    response = _post(server, bytes(body[:cut]), PROTOBUF)
    assert response.status_code in (200, 400), response.text
    _still_serving(server)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
_otlp_keys = st.sampled_from(
    ["resourceSpans", "scopeSpans", "spans", "traceId", "spanId", "name", "attributes", "key", "value",
     "stringValue", "intValue", "kind", "status", "startTimeUnixNano", "events", "links"]
)  # fmt: skip
_otlp_like = st.recursive(
    _json_values,
    lambda children: st.dictionaries(_otlp_keys, children, max_size=5) | st.lists(children, max_size=3),
)


@FUZZ
@given(document=_otlp_like)
def test_random_json_bodies_get_200_or_400(server: ServerProcess, document: object) -> None:
    body = json.dumps({"resourceSpans": document} if not isinstance(document, dict) else document).encode()
    response = _post(server, body, {"content-type": "application/json"})
    assert response.status_code in (200, 400), response.text
    _still_serving(server)


_any_values = st.recursive(
    st.builds(lambda s: AnyValue(string_value=s), st.text(max_size=30))
    | st.builds(lambda b: AnyValue(bool_value=b), st.booleans())
    | st.builds(lambda i: AnyValue(int_value=i), st.integers(-(2**63), 2**63 - 1))
    | st.builds(lambda f: AnyValue(double_value=f), st.floats(allow_nan=True, allow_infinity=True))
    | st.builds(lambda b: AnyValue(bytes_value=b), st.binary(max_size=10)),
    lambda children: st.lists(children, max_size=3).map(
        lambda values: AnyValue(array_value=ArrayValue(values=values))
    ),
    max_leaves=8,
)


@FUZZ
@given(
    attributes=st.dictionaries(st.text(max_size=40), _any_values, max_size=12),
    start=st.integers(0, 2**64 - 1),
    name=st.text(max_size=50),
    kind=st.integers(0, 9),
)
def test_arbitrary_valid_spans_are_stored_and_served_as_json(
    server: ServerProcess, attributes: dict[str, AnyValue], start: int, name: str, kind: int
) -> None:
    trace_id = os.urandom(16)
    span = Span(
        trace_id=trace_id,
        span_id=os.urandom(8),
        name=name,
        kind=kind,  # type: ignore[arg-type]
        start_time_unix_nano=start,
        end_time_unix_nano=start,
        attributes=[KeyValue(key=k, value=v) for k, v in attributes.items()],
    )
    request = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])]
    )
    response = _post(server, request.SerializeToString(), PROTOBUF)
    assert response.status_code == 200
    trace = server.api(f"/api/traces/{trace_id.hex()}")
    if start >= 2**63:
        assert trace.status_code == 404  # rejected through partial_success
        return
    (stored,) = trace.json()["spans"]
    assert stored["name"] == name
    assert set(stored["attributes"]) == set(attributes)
    for key, value in attributes.items():
        if value.WhichOneof("value") == "double_value" and math.isfinite(value.double_value):
            assert stored["attributes"][key] == value.double_value


def test_oversized_bodies_get_413(server: ServerProcess) -> None:
    response = _post(server, b"\0" * (33 * 1024 * 1024), PROTOBUF)
    assert response.status_code == 413
    bomb = gzip.compress(b"\0" * (70 * 1024 * 1024), compresslevel=9)
    response = _post(server, bomb, {**PROTOBUF, "content-encoding": "gzip"})
    assert response.status_code == 413
    _still_serving(server)


def test_truncated_and_corrupt_bodies_get_400(server: ServerProcess, valid_body: bytes) -> None:
    assert _post(server, valid_body[: len(valid_body) - 3], PROTOBUF).status_code == 400
    zipped = gzip.compress(valid_body)
    gz = {**PROTOBUF, "content-encoding": "gzip"}
    assert _post(server, zipped[: len(zipped) // 2], gz).status_code == 400
    assert _post(server, b"\x1f\x8b\x08\x00garbage", gz).status_code == 400
    assert _post(server, b'{"resourceSpans": [', {"content-type": "application/json"}).status_code == 400
    bad_hex = {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz", "spanId": "00"}]}]}]}
    response = httpx.post(f"{server.url}/v1/traces", json=bad_hex, timeout=30)
    assert response.status_code == 400
    assert "hex" in response.json()["message"]
    assert _post(server, zipped, gz).status_code == 200
    _still_serving(server)


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/xml", "multipart/form-data"])
def test_wrong_content_type_gets_415(server: ServerProcess, valid_body: bytes, content_type: str) -> None:
    response = _post(server, valid_body, {"content-type": content_type} if content_type else {})
    assert response.status_code == 415
    assert "content type" in response.json()["message"]
    _still_serving(server)


def test_unknown_encoding_gets_415_and_metrics_logs_are_accepted(
    server: ServerProcess, valid_body: bytes
) -> None:
    assert _post(server, valid_body, {**PROTOBUF, "content-encoding": "br"}).status_code == 415
    for signal_path in ("/v1/metrics", "/v1/logs"):
        assert httpx.post(server.url + signal_path, json={}, timeout=30).status_code == 200
        malformed = httpx.post(
            server.url + signal_path, content=b"{", headers={"content-type": "application/json"}, timeout=30
        )
        assert malformed.status_code == 400
        assert "malformed JSON" in malformed.json()["message"]
    assert httpx.get(f"{server.url}/v1/traces", timeout=30).status_code == 405
    _still_serving(server)


def test_grpc_errors_use_status_codes(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.grpc_endpoint) as channel:
        export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        with pytest.raises(grpc.RpcError) as malformed:
            export(b"\xff\xff\xff", timeout=10)
        assert malformed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        metrics = channel.unary_unary("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export")
        assert metrics(b"", timeout=10) == b""  # accepted (and dropped: charts come from spans)
        with pytest.raises(grpc.RpcError) as bad_metrics:
            metrics(b"\xff\xff\xff", timeout=10)
        assert bad_metrics.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        unknown = channel.unary_unary(
            "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export"
        )
        with pytest.raises(grpc.RpcError) as unsupported:
            unknown(b"", timeout=10)
        assert unsupported.value.code() == grpc.StatusCode.UNIMPLEMENTED
    _still_serving(server)


def test_eight_concurrent_exporters_lose_nothing(server: ServerProcess) -> None:
    per_exporter = 40
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            exporter = http_exporter(server.url) if index % 2 else grpc_exporter(server.grpc_endpoint)
            send(
                exporter,
                emit_traces(per_exporter),
                service=f"concurrent-{index}",
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    for index in range(8):
        traces = server.api("/api/traces", service=f"concurrent-{index}", limit=500).json()["traces"]
        assert len(traces) == per_exporter
        assert all(t["span_count"] == SPANS_PER_TRACE for t in traces)


def test_sigkill_mid_ingest_loses_no_acknowledged_span(tmp_path: Path) -> None:
    db_path = tmp_path / "killed.db"
    victim = start_server(db_path)
    bodies = [
        request_of(capture(emit_traces(1, first=n), service="killed")).SerializeToString() for n in range(40)
    ]
    acknowledged: list[bytes] = []
    stop = threading.Event()

    def post_until_killed(offset: int) -> None:
        with httpx.Client(timeout=10) as client:
            for body in bodies[offset::4] * 50:
                if stop.is_set():
                    return
                try:
                    response = client.post(f"{victim.url}/v1/traces", content=body, headers=PROTOBUF)
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    acknowledged.append(body)

    threads = [threading.Thread(target=post_until_killed, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 60 and all(t.is_alive() for t in threads):
        threading.Event().wait(0.01)
    os.kill(victim.proc.pid, signal.SIGKILL)
    victim.proc.wait(10)
    victim.stop()  # only closes its output pipe now
    stop.set()
    for thread in threads:
        thread.join(30)
    assert len(acknowledged) >= 60

    expected = set()
    for body in acknowledged:
        request = ExportTraceServiceRequest.FromString(body)
        for span in request.resource_spans[0].scope_spans[0].spans:
            expected.add((span.trace_id.hex(), span.span_id.hex()))
    revived = start_server(db_path)
    try:
        conn = sqlite3.connect(db_path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = set(conn.execute("SELECT trace_id, span_id FROM spans"))
        assert expected <= stored
        for trace_id in {trace_id for trace_id, _ in expected}:
            trace = revived.api(f"/api/traces/{trace_id}").json()
            assert trace["summary"]["span_count"] == len(trace["spans"]) == SPANS_PER_TRACE
        conn.close()
    finally:
        revived.stop()


def test_log_records_are_accepted_over_http_and_grpc_by_both_stores(server: ServerProcess) -> None:
    """SQLite keeps them in `logs`, chDB in the exporter's `otel_logs` (they were 501 /
    UNIMPLEMENTED over chDB before)."""
    record = {"timeUnixNano": "1700000000500000000", "body": {"stringValue": "hello"}}
    logs = {"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]}
    answer = httpx.post(f"{server.url}/v1/logs", json=logs, timeout=30)
    assert answer.status_code == 200, answer.text
    request_of_logs = ExportLogsServiceRequest(
        resource_logs=[ResourceLogs(scope_logs=[ScopeLogs(log_records=[LogRecord(time_unix_nano=1)])])]
    ).SerializeToString()
    with grpc.insecure_channel(server.grpc_endpoint) as channel:
        export = channel.unary_unary("/opentelemetry.proto.collector.logs.v1.LogsService/Export")
        assert export(request_of_logs, timeout=10) == b""
    _still_serving(server)
