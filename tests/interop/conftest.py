"""Real third-party GenAI producers, each in its own venv (tests/interop/venvs.py), sending
through their real OTLP/HTTP exporters (traces and logs) into a real `ag2-otel serve`, with
the real `openai` client talking to the scripted model on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ag2_otel.demo.brain import demo_reply
from ag2_otel.testing import ScriptedOpenAIServer
from ag2_otel.testing.serve import ServerProcess, start_server, wait_for
from tests.interop.venvs import python_for

PROGRAMS = Path(__file__).parent / "producers"


@pytest.fixture
def scripted() -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(demo_reply) as server:
        yield server


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServerProcess]:
    server = start_server(tmp_path / "interop.db")
    yield server
    server.stop()


def run_producer(
    name: str, serve: ServerProcess, scripted: ScriptedOpenAIServer, venv: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `producers/run_{name}.py` in the producer's venv (`venv`, default `name`); it
    must succeed and its exporters must not have logged a single export error."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "VIRTUAL_ENV"))}
    environment.update(
        {
            "SCRIPTED_BASE_URL": scripted.base_url,
            "OTEL_EXPORTER_OTLP_ENDPOINT": serve.url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OPENAI_API_KEY": "scripted",
            **env,
        }
    )
    done = subprocess.run(
        [str(python_for(venv or name)), str(PROGRAMS / f"run_{name}.py")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Failed to export" not in done.stderr, done.stderr
    return done


def one_trace(serve: ServerProcess, service: str) -> dict[str, Any]:
    """The single trace `service` sent, with its spans (waits for its last batch)."""
    listing: dict[str, Any] = {}

    def arrived() -> bool:
        nonlocal listing
        listing = serve.api("/api/traces", service=service).json()
        return bool(listing.get("traces"))

    wait_for(arrived)
    (summary,) = listing["traces"]
    trace: dict[str, Any] = serve.api(f"/api/traces/{summary['trace_id']}").json()
    trace["summary"] = summary
    return trace
