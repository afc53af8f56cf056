"""OTLP/HTTP error bodies are `google.rpc.Status` messages in the request's encoding."""

from __future__ import annotations

import httpx
from google.rpc import code_pb2
from google.rpc.status_pb2 import Status

from tests.server.conftest import ServerProcess


def _post(server: ServerProcess, body: bytes, content_type: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/traces", content=body, headers={"content-type": content_type}, timeout=30
    )


def test_protobuf_request_errors_answer_a_protobuf_status(server: ServerProcess) -> None:
    response = _post(server, b"\xff\xff\xff", "application/x-protobuf")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/x-protobuf")
    status = Status.FromString(response.content)
    assert status.code == code_pb2.INVALID_ARGUMENT
    assert status.message


def test_json_request_errors_answer_a_json_status(server: ServerProcess) -> None:
    response = _post(server, b'{"resourceSpans": [', "application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code_pb2.INVALID_ARGUMENT
    assert body["message"]
