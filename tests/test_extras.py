"""Each extra works alone: the built wheel installed with one extra into a fresh virtual
environment (no system site-packages), then what the README says that install enables.

Slow (a wheel build and three installs: about 15 s with pip's cache warm, see
docs/architecture.md); it runs in CI with the rest of `./dev test`.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from ag2_otel.testing.serve import ServerProcess, start_server, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
_PIP = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([*_PIP, "wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT)], check=True, timeout=600)
    (built,) = out.glob("ag2_otel-*.whl")
    return built


def _install(venv: Path, wheel: Path, extra: str) -> Path:
    """A new virtual environment holding `ag2-otel{extra}` and its dependencies only; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([*_PIP, "--python", str(python), "install", f"{wheel}{extra}"], check=True, timeout=600)
    return python


def _run(python: Path, *args: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AG2_OTEL_"))}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    if db is not None:
        env["AG2_OTEL_DB"] = str(db)
    return subprocess.run(
        [str(python), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _cli(python: Path, *args: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    return _run(python, "-m", "ag2_otel.cli", *args, db=db)


_TWO_SPANS = """
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

def two_spans(exporter, root):
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("extras")
    with tracer.start_as_current_span(root), tracer.start_as_current_span("invoke_agent assistant"):
        pass
    provider.shutdown()
"""


def _script(body: str) -> str:
    return _TWO_SPANS + textwrap.dedent(body)


def test_core_install_imports_every_public_name_and_prints_trees(tmp_path: Path, wheel: Path) -> None:
    python = _install(tmp_path / "venv", wheel, "")
    imported = _run(
        python,
        "-c",
        _script("""
            import ag2_otel
            for name in ag2_otel.__all__:
                getattr(ag2_otel, name)
            two_spans(ag2_otel.ConsoleTreeSpanExporter(), "conversation user -> assistant")
        """),
    )
    assert imported.returncode == 0, imported.stderr
    assert "conversation user -> assistant" in imported.stdout
    assert "└── invoke_agent assistant" in imported.stdout

    assert _cli(python, "--help").returncode == 0
    serve = _cli(python, "serve", "--http-port", "0", "--grpc-port", "0", db=tmp_path / "t.db")
    assert serve.returncode == 2
    assert "pip install 'ag2-otel[server]'" in serve.stderr
    assert "Traceback" not in serve.stderr


@pytest.fixture
def server_venv(tmp_path: Path, wheel: Path) -> Iterator[tuple[Path, ServerProcess]]:
    python = _install(tmp_path / "venv", wheel, "[server]")
    running = start_server(tmp_path / "traces.db", python=str(python))
    yield python, running
    running.stop()


def _otlp_json(name: str, ids: Callable[[bytes], str] = bytes.hex) -> dict[str, object]:
    """One span as OTLP/JSON (hex ids) or as protobuf's JSON mapping (`ids=_base64`)."""
    now = time.time_ns()
    span = {
        "traceId": ids(os.urandom(16)),
        "spanId": ids(os.urandom(8)),
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(now - 1_000_000),
        "endTimeUnixNano": str(now),
    }
    return {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}


def _base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_server_install_serves_stores_and_lists(
    tmp_path: Path, server_venv: tuple[Path, ServerProcess]
) -> None:
    python, server = server_venv
    db = server.db_path
    # what `ag2-otel demo` stores through when no server is running
    stored = _run(
        python,
        "-c",
        _script("""
            from ag2_otel.server.exporter import StoreSpanExporter
            two_spans(StoreSpanExporter(), "conversation stored-directly")
        """),
        db=db,
    )
    assert stored.returncode == 0, stored.stderr
    assert "not installed" not in stored.stderr

    response = httpx.post(f"{server.url}/v1/traces", json=_otlp_json("received-over-http"), timeout=30)
    assert response.status_code == 200, response.text
    request = json_format.ParseDict(_otlp_json("received-over-grpc", _base64), ExportTraceServiceRequest())
    with grpc.insecure_channel(server.grpc_endpoint) as channel:
        export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        answer = ExportTraceServiceResponse.FromString(export(request.SerializeToString(), timeout=30))
    assert answer.partial_success.rejected_spans == 0
    viewer = httpx.get(f"{server.url}/", timeout=30)
    assert viewer.status_code == 200
    assert "text/html" in viewer.headers["content-type"]

    listed = _cli(python, "traces", "list", "--json", db=db)
    assert listed.returncode == 0, listed.stderr
    roots = {trace["root_name"] for trace in json.loads(listed.stdout)["traces"]}
    assert roots == {"conversation stored-directly", "received-over-http", "received-over-grpc"}


def test_otlp_install_exports_to_a_running_server(tmp_path: Path, wheel: Path) -> None:
    python = _install(tmp_path / "venv", wheel, "[otlp]")
    server = start_server(tmp_path / "traces.db")
    try:
        exported = _run(
            python,
            "-c",
            _script(f"""
                from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as Grpc
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as Http
                two_spans(Http(endpoint="{server.url}/v1/traces"), "exported-over-http")
                two_spans(Grpc(endpoint="{server.grpc_endpoint}", insecure=True), "exported-over-grpc")
            """),
        )
        assert exported.returncode == 0, exported.stderr

        def both_arrived() -> bool:
            traces = server.api("/api/traces").json()["traces"]
            return {t["root_name"] for t in traces} == {"exported-over-http", "exported-over-grpc"}

        wait_for(both_arrived)
        # no store on this install, but `traces --url` reads the server's API
        listed = _cli(python, "traces", "list", "--url", server.url, "--json")
        assert listed.returncode == 0, listed.stderr
        over_http = next(
            t for t in json.loads(listed.stdout)["traces"] if t["root_name"] == "exported-over-http"
        )
        shown = _cli(python, "traces", "show", over_http["trace_id"][:8], "--url", server.url)
        assert shown.returncode == 0, shown.stderr
        assert "└── invoke_agent assistant" in shown.stdout
    finally:
        server.stop()
