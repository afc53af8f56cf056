"""Helpers for the one-call API tests: each program runs in a fresh Python process.

`run_program` runs a small script against the scripted model with a controlled environment;
`RecordingOTLPServer` stands in for "some other OTLP backend" (a Collector, Tempo): a real
HTTP server that decodes what the real OTLP exporters post and answers 200.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ag2_otel.demo.brain import demo_reply
from ag2_otel.testing import ScriptedOpenAIServer
from ag2_otel.testing.serve import ServerProcess, start_server

CHAT = """
import os
from autogen import LLMConfig
from ag2_otel.demo import scenarios

def chat():
    config = LLMConfig({"api_type": "openai", "model": "gpt-4o-mini",
                        "base_url": os.environ["SCRIPTED_BASE_URL"], "api_key": "scripted"})
    return scenarios.two_agent_chat(config, None, instrument=False)
"""
# Environment variables that would decide the destination for the program under test.
_DECIDING = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
    "AG2_OTEL_LOCAL_ENDPOINT",
)


@dataclass
class RecordingOTLPServer:
    """Records every request: (method, path) plus decoded span names and service names."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    span_names: list[str] = field(default_factory=list)
    services: set[str] = field(default_factory=set)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def record(self, method: str, path: str, body: bytes) -> None:
        self.requests.append((method, path))
        if path == "/v1/traces":
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

            request = ExportTraceServiceRequest.FromString(body)
            for resource_spans in request.resource_spans:
                for attribute in resource_spans.resource.attributes:
                    if attribute.key == "service.name":
                        self.services.add(attribute.value.string_value)
                for scope_spans in resource_spans.scope_spans:
                    self.span_names.extend(span.name for span in scope_spans.spans)

    def paths(self, method: str = "POST") -> set[str]:
        return {path for m, path in self.requests if m == method}


@pytest.fixture
def recording_server() -> Iterator[RecordingOTLPServer]:
    recorder = RecordingOTLPServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            recorder.record("POST", self.path, body)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            recorder.record("GET", self.path, b"")
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(demo_reply) as server:
        yield server


@pytest.fixture(scope="module")
def local_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start_server(tmp_path_factory.mktemp("serve") / "traces.db")
    yield server
    server.stop()


def closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def run_program(
    tmp_path: Path,
    body: str,
    scripted: ScriptedOpenAIServer,
    *,
    env: dict[str, str] | None = None,
    runner: list[str] | None = None,
    name: str = "app",
) -> subprocess.CompletedProcess[str]:
    """Run `CHAT` + `body` as `tmp_path/<name>.py` in a fresh interpreter; nothing found at 4318."""
    script = tmp_path / f"{name}.py"
    script.write_text(CHAT + textwrap.dedent(body))
    environment = {k: v for k, v in os.environ.items() if k not in _DECIDING}
    environment.update(
        {
            "SCRIPTED_BASE_URL": scripted.base_url,
            "AG2_OTEL_LOCAL_ENDPOINT": closed_port_url(),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
    )
    return subprocess.run(
        [*(runner or []), sys.executable, str(script)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
