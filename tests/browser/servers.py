"""The server the browser tests drive: the real `ag2-otel serve` when available, else the stand-in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import httpx

Span = dict[str, Any]
_VIEWER_LINE = re.compile(r"viewer\s+(http://\S+?)/?\s*$", re.MULTILINE)


class ViewerServer(Protocol):
    base_url: str
    real: bool

    def add(self, spans: list[Span]) -> None: ...

    def stop(self) -> None: ...


class RealServer:
    """`ag2-otel serve` on free ports with a temporary database; spans arrive over OTLP/HTTP."""

    real = True

    def __init__(self, db_path: Path) -> None:
        env = {**os.environ, "AG2_OTEL_DB": str(db_path), "PYTHONUNBUFFERED": "1"}
        env.pop("AG2_OTEL_TOKEN", None)
        command = [sys.executable, "-m", "ag2_otel.cli", "serve", "--http-port", "0", "--grpc-port", "0"]
        self._process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.base_url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        assert self._process.stdout is not None
        output = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self._process.stdout.readline()
            if not line and self._process.poll() is not None:
                break
            output += line
            match = _VIEWER_LINE.search(output)
            if match:
                threading.Thread(target=self._process.stdout.read, daemon=True).start()
                return match.group(1).rstrip("/")
        self.stop()
        raise RuntimeError(f"ag2-otel serve did not start:\n{output}")

    def add(self, spans: list[Span]) -> None:
        from .otlp import export

        export(self.base_url, spans)
        trace_id = spans[0]["trace_id"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            response = httpx.get(f"{self.base_url}/api/traces/{trace_id}", timeout=5)
            if response.status_code == 200 and len(response.json()["spans"]) == len(spans):
                return
            time.sleep(0.05)
        raise RuntimeError(f"trace {trace_id} did not become queryable")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()


class FakeServer:
    """STAND-IN for the backend (tests/browser/fake_api.py) served by uvicorn in a thread."""

    real = False

    def __init__(self) -> None:
        import uvicorn

        from .fake_api import fake_api_app

        self._traces: list[list[Span]] = []
        self._app = fake_api_app(self._traces)
        config = uvicorn.Config(self._app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"

    def add(self, spans: list[Span]) -> None:
        self._traces.append(spans)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


def real_server_available() -> bool:
    try:
        import ag2_otel.cli.serve
        import ag2_otel.server.app  # noqa: F401
    except ImportError:
        return False
    return True


def start_server(tmp_dir: Path) -> ViewerServer:
    if os.environ.get("AG2_OTEL_VIEWER_FAKE") != "1" and real_server_available():
        return RealServer(tmp_dir / "traces.db")
    return FakeServer()
