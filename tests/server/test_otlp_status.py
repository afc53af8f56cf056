"""OTLP/HTTP error bodies are `google.rpc.Status` messages in the request's encoding."""

from __future__ import annotations

import httpx
from google.rpc import code_pb2
from google.rpc.status_pb2 import Status

from tests.server.conftest import ServerProcess


def test_protobuf_request_errors_answer_a_protobuf_status(server: ServerProcess) -> None:
    response = httpx.post(
        f"{server.url}/v1/traces",
        content=b"\xff\xff\xff",
        headers={"content-type": "application/x-protobuf"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/x-protobuf")
    status = Status.FromString(response.content)
    assert status.code == code_pb2.INVALID_ARGUMENT
    assert status.message


def test_json_request_errors_answer_a_json_status(server: ServerProcess) -> None:
    response = httpx.post(
        f"{server.url}/v1/traces",
        content=b'{"resourceSpans": [',
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code_pb2.INVALID_ARGUMENT
    assert body["message"]
