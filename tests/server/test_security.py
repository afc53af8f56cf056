"""Loopback by default, bearer token beyond it, no message content in server output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace.export import SpanExportResult

from ag2_otel.testing.otlp import capture, grpc_exporter, http_exporter, request_of
from ag2_otel.testing.workload import emit_trace
from tests.server.conftest import ServerProcess, start_server

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    running = start_server(tmp_path_factory.mktemp("guarded") / "t.db", env={"AG2_OTEL_TOKEN": TOKEN})
    yield running
    running.stop()


def test_non_loopback_host_requires_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AG2_OTEL_TOKEN"}
    env["AG2_OTEL_DB"] = str(tmp_path / "t.db")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ag2_otel.cli",
            "serve",
            "--host",
            "0.0.0.0",
            "--http-port",
            "0",
            "--grpc-port",
            "0",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "token" in result.stderr


def test_every_http_request_needs_the_bearer_token(guarded: ServerProcess) -> None:
    body = request_of(capture(lambda t: emit_trace(t, 1), service="guarded")).SerializeToString()
    headers = {"content-type": "application/x-protobuf"}
    for method, path in (("GET", "/api/traces"), ("GET", "/"), ("POST", "/v1/traces"), ("GET", "/api/usage")):
        response = httpx.request(method, guarded.url + path, content=body, headers=headers, timeout=30)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
        wrong = httpx.request(
            method,
            guarded.url + path,
            content=body,
            headers={**headers, "authorization": "Bearer nope"},
            timeout=30,
        )
        assert wrong.status_code == 401
    ok = http_exporter(guarded.url, headers={"authorization": f"Bearer {TOKEN}"})
    assert ok.export(capture(lambda t: emit_trace(t, 2), service="guarded")) == SpanExportResult.SUCCESS
    listed = httpx.get(f"{guarded.url}/api/traces", headers={"authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert listed.status_code == 200
    assert listed.json()["traces"]


def test_query_token_sets_an_httponly_cookie(guarded: ServerProcess) -> None:
    with httpx.Client(base_url=guarded.url, timeout=30) as client:
        first = client.get("/api/services", params={"token": TOKEN})
        assert first.status_code == 200
        assert "HttpOnly" in first.headers["set-cookie"]
        assert "SameSite=Strict" in first.headers["set-cookie"]
        assert client.get("/api/services").status_code == 200


def test_grpc_needs_the_bearer_token(guarded: ServerProcess) -> None:
    spans = capture(lambda t: emit_trace(t, 3), service="guarded-grpc")
    denied = grpc_exporter(guarded.grpc_endpoint)
    assert denied.export(spans) == SpanExportResult.FAILURE
    allowed = grpc_exporter(guarded.grpc_endpoint, headers={"authorization": f"Bearer {TOKEN}"})
    assert allowed.export(spans) == SpanExportResult.SUCCESS


def test_loopback_server_refuses_foreign_host_names(server: ServerProcess) -> None:
    response = httpx.get(f"{server.url}/api/traces", headers={"host": "attacker.example"}, timeout=30)
    assert response.status_code == 403
    assert (
        httpx.get(f"{server.url}/api/traces", headers={"host": "localhost:1"}, timeout=30).status_code == 200
    )


def test_html_gets_a_content_security_policy(server: ServerProcess) -> None:
    response = httpx.get(f"{server.url}/", timeout=30)
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_message_content_never_reaches_server_output(tmp_path: Path) -> None:
    secret = "TOP-SECRET-PROMPT-4711"
    noisy = start_server(tmp_path / "t.db")
    try:
        spans = capture(lambda t: emit_trace(t, 1), service=secret)
        request = request_of(spans)
        for span in request.resource_spans[0].scope_spans[0].spans:
            span.attributes.add(key="gen_ai.input.messages").value.string_value = secret
        url = f"{noisy.url}/v1/traces"
        httpx.post(
            url, content=request.SerializeToString(), headers={"content-type": "application/x-protobuf"}
        )
        httpx.post(url, content=f'{{"x": "{secret}"'.encode(), headers={"content-type": "application/json"})
        httpx.post(url, content=secret.encode(), headers={"content-type": "application/x-protobuf"})
        assert grpc_exporter(noisy.grpc_endpoint).export(spans) == SpanExportResult.SUCCESS
    finally:
        noisy.stop()
    assert noisy.output, "server printed its endpoints"
    assert secret not in "".join(noisy.output)
