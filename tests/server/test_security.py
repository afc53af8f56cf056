"""Loopback by default, bearer token beyond it, no message content in server output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace.export import SpanExportResult

from ag2_otel.server.middleware import CONTENT_SECURITY_POLICY
from ag2_otel.testing.otlp import capture, grpc_exporter, http_exporter, request_of
from ag2_otel.testing.serve import run_cli
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


def test_query_token_sets_a_session_cookie_that_is_not_the_token(guarded: ServerProcess) -> None:
    with httpx.Client(base_url=guarded.url, timeout=30) as client:
        first = client.get("/api/services", params={"token": TOKEN})
        assert first.status_code == 200
        cookie = SimpleCookie(first.headers["set-cookie"])
        (name,) = cookie.keys()
        # Cookies are not port-scoped: every server on this host receives it, so it must
        # not be (or reveal) the token, and it is named after this server's port.
        assert name == f"ag2_otel_session_{guarded.http_port}"
        assert TOKEN not in cookie[name].value
        assert cookie[name]["httponly"] is True
        assert cookie[name]["samesite"] == "Strict"
        assert cookie[name]["path"] == "/"
        assert client.get("/api/services").status_code == 200


def test_a_session_cookie_is_void_on_any_other_server(guarded: ServerProcess, tmp_path: Path) -> None:
    """A second server with the same token (another port, or this one restarted) refuses it."""
    first = httpx.get(f"{guarded.url}/api/services", params={"token": TOKEN}, timeout=30)
    value = SimpleCookie(first.headers["set-cookie"])[f"ag2_otel_session_{guarded.http_port}"].value
    other = start_server(tmp_path / "t.db", env={"AG2_OTEL_TOKEN": TOKEN})
    try:
        for name in (f"ag2_otel_session_{guarded.http_port}", f"ag2_otel_session_{other.http_port}"):
            response = httpx.get(
                f"{other.url}/api/services", headers={"cookie": f"{name}={value}"}, timeout=30
            )
            assert response.status_code == 401
        own_cookie = {"cookie": f"ag2_otel_session_{guarded.http_port}={value}"}
        assert httpx.get(f"{guarded.url}/api/services", headers=own_cookie, timeout=30).status_code == 200
    finally:
        other.stop()


def test_the_token_itself_is_no_cookie(guarded: ServerProcess) -> None:
    for name in ("ag2_otel_token", f"ag2_otel_session_{guarded.http_port}"):
        response = httpx.get(f"{guarded.url}/api/services", headers={"cookie": f"{name}={TOKEN}"}, timeout=30)
        assert response.status_code == 401


def test_token_file_keeps_the_token_out_of_the_command_line(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    running = start_server(tmp_path / "t.db", "--token-file", str(token_file))
    try:
        assert TOKEN not in Path(f"/proc/{running.proc.pid}/cmdline").read_text()
        assert running.api("/api/services").status_code == 401
        headers = {"authorization": f"Bearer {TOKEN}"}
        assert httpx.get(f"{running.url}/api/services", headers=headers, timeout=30).status_code == 200
    finally:
        running.stop()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620])
def test_token_file_open_to_other_users_is_refused(tmp_path: Path, mode: int) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(mode)
    result = run_cli(
        tmp_path / "t.db", "serve", "--http-port", "0", "--grpc-port", "0", "--token-file", str(token_file)
    )
    assert result.returncode == 2
    assert "chmod 600" in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_html_has_one_strict_content_security_policy() -> None:
    """One policy for every HTML response, with no inline script or style."""
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY


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
    assert response.headers.get_list("content-security-policy") == [CONTENT_SECURITY_POLICY]
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
