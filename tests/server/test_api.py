"""JSON API edge cases and overload handling (503 / RESOURCE_EXHAUSTED with a real, stalled writer)."""

from __future__ import annotations

import base64
from pathlib import Path

import grpc
import httpx
import pytest

from ag2_otel.server.app import create_app
from ag2_otel.server.grpc_receiver import create_grpc_server
from ag2_otel.server.normalize import normalize
from ag2_otel.server.store import Overloaded, Store, StoreWriter
from ag2_otel.server.store.files import ensure_schema
from ag2_otel.testing.otlp import ag2_request
from tests.server.conftest import ServerProcess


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


TWENTY_DIGITS = "9" * 20
VALID_ID = "0123456789abcdef0123456789abcdef"
# Every API route with every parameter it reads, each given a value it must refuse with
# 400 and a reason (the fragment the reason must contain), never a 500.
HOSTILE_PARAMETERS = [
    ("/api/traces", {"limit": "0"}, "limit"),
    ("/api/traces", {"limit": "abc"}, "limit"),
    ("/api/traces", {"limit": TWENTY_DIGITS}, "limit"),
    ("/api/traces", {"limit": "1" * 5000}, "limit"),
    ("/api/traces", {"status": "weird"}, "status"),
    ("/api/traces", {"since": "yesterday"}, "since"),
    ("/api/traces", {"since": TWENTY_DIGITS}, "since"),
    ("/api/traces", {"since": "-1"}, "since"),
    ("/api/traces", {"until": TWENTY_DIGITS}, "until"),
    ("/api/traces", {"until": "-" + TWENTY_DIGITS}, "until"),
    ("/api/traces", {"agent": "a", "since": TWENTY_DIGITS}, "since"),
    ("/api/traces", {"model": "m", "until": TWENTY_DIGITS}, "until"),
    ("/api/traces", {"q": "x" * 50_000}, "q must be at most"),
    ("/api/traces", {"q": "%_" * 10_000}, "q must be at most"),
    ("/api/traces", {"service": "s" * 5000}, "service"),
    ("/api/traces", {"agent": "a" * 5000}, "agent"),
    ("/api/traces", {"model": "m" * 5000}, "model"),
    ("/api/traces", {"cursor": "%%%"}, "cursor"),
    ("/api/traces", {"cursor": "x" * 10_000}, "cursor"),
    ("/api/traces", {"cursor": _cursor(f"{TWENTY_DIGITS}:{VALID_ID}")}, "cursor"),
    ("/api/traces", {"cursor": _cursor(f"-{TWENTY_DIGITS}:{VALID_ID}")}, "cursor"),
    ("/api/traces", {"cursor": _cursor("5:not-a-trace-id")}, "cursor"),
    ("/api/traces/not-hex", {}, "trace_id"),
    (f"/api/traces/{'a' * 10_000}", {}, "trace_id"),
    ("/api/usage", {"bucket": "week"}, "bucket"),
    ("/api/usage", {"group_by": "tool"}, "group_by"),
    ("/api/usage", {"group_by": "agent," * 2000}, "group_by"),
    ("/api/usage", {"since": TWENTY_DIGITS}, "since"),
    ("/api/usage", {"since": "-" + TWENTY_DIGITS}, "since"),
    ("/api/usage", {"until": TWENTY_DIGITS}, "until"),
    ("/api/usage", {"bucket": "day", "until": "1e30"}, "until"),
]


@pytest.mark.parametrize(("path", "params", "reason"), HOSTILE_PARAMETERS)
def test_hostile_parameters_get_400_with_a_reason(
    server: ServerProcess, path: str, params: dict[str, str], reason: str
) -> None:
    response = httpx.get(server.url + path, params=params, timeout=30)
    assert response.status_code == 400, response.text
    assert reason in response.json()["error"]


def test_hostile_parameters_leave_no_traceback(server: ServerProcess) -> None:
    for path, params, _ in HOSTILE_PARAMETERS:
        httpx.get(server.url + path, params=params, timeout=30)
    assert server.api("/api/services").status_code == 200
    assert "Traceback" not in "".join(server.output)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/traces", {"since": str(2**63 - 1), "until": str(2**63 - 1)}),
        ("/api/traces", {"since": "0", "limit": "500"}),
        ("/api/traces", {"q": "%_\\" * 333}),
        ("/api/traces", {"cursor": _cursor(f"{2**63 - 1}:{VALID_ID}")}),
        ("/api/usage", {"since": str(2**63 - 1), "bucket": "day"}),
        ("/api/usage", {"since": "0", "until": str(2**63 - 1), "group_by": "model"}),
    ],
)
def test_parameters_at_their_limits_are_accepted(
    server: ServerProcess, path: str, params: dict[str, str]
) -> None:
    assert httpx.get(server.url + path, params=params, timeout=30).status_code == 200


def test_unknown_trace_is_a_404_json(server: ServerProcess) -> None:
    response = server.api("/api/traces/0123456789abcdef0123456789abcdef")
    assert response.status_code == 404
    assert response.json() == {"error": "trace not found"}


def test_sql_looking_input_is_only_data(server: ServerProcess) -> None:
    response = server.api("/api/traces", agent="x' OR 1=1 --", q="%' ; DROP TABLE spans; --")
    assert response.status_code == 200
    assert response.json() == {"traces": [], "next_cursor": None}
    assert server.api("/api/services").status_code == 200


def _stalled_writer(tmp_path: Path) -> StoreWriter:
    """A real writer whose thread is not started, with its backlog already full."""
    path = tmp_path / "t.db"
    ensure_schema(path)
    writer = StoreWriter(path, max_pending_spans=5)
    writer.submit(normalize(ag2_request(1)).rows)
    with pytest.raises(Overloaded):
        writer.submit(normalize(ag2_request(1)).rows)
    return writer


async def test_http_overload_answers_503_with_retry_after(tmp_path: Path) -> None:
    writer = _stalled_writer(tmp_path)
    app = create_app(Store(writer.path), writer)
    body = ag2_request(1).SerializeToString()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.post(
            "/v1/traces", content=body, headers={"content-type": "application/x-protobuf"}
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"


async def test_grpc_overload_answers_resource_exhausted(tmp_path: Path) -> None:
    writer = _stalled_writer(tmp_path)
    server = create_grpc_server(writer)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await export(ag2_request(1).SerializeToString(), timeout=10)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        # the OTLP spec's throttling hint, read as the SDK's gRPC exporter reads it
        from google.rpc.error_details_pb2 import RetryInfo

        trailing = dict(refused.value.trailing_metadata() or ())
        retry = RetryInfo.FromString(trailing["google.rpc.retryinfo-bin"])
        assert (retry.retry_delay.seconds, retry.retry_delay.nanos) == (1, 0)
    finally:
        await server.stop(None)
