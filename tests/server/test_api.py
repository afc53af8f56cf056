"""JSON API edge cases and overload handling (503 / RESOURCE_EXHAUSTED with a real, stalled writer)."""

from __future__ import annotations

from pathlib import Path

import grpc
import httpx
import pytest

from ag2_otel.server.app import create_app
from ag2_otel.server.grpc_receiver import create_grpc_server
from ag2_otel.server.normalize import normalize
from ag2_otel.server.store import Overloaded, Store, StoreWriter
from ag2_otel.server.store.files import ensure_schema
from tests.server.conftest import ServerProcess
from tests.server.storeutil import ag2_request


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/traces", {"limit": "0"}),
        ("/api/traces", {"limit": "abc"}),
        ("/api/traces", {"status": "weird"}),
        ("/api/traces", {"cursor": "%%%"}),
        ("/api/traces", {"since": "yesterday"}),
        ("/api/usage", {"bucket": "week"}),
        ("/api/usage", {"group_by": "tool"}),
    ],
)
def test_bad_parameters_get_400_json(server: ServerProcess, path: str, params: dict[str, str]) -> None:
    response = httpx.get(server.url + path, params=params, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]


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
