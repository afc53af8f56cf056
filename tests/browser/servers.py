"""The server the browser tests drive: the real `ag2-otel serve`, fed over OTLP/HTTP."""

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


def start_server(tmp_dir: Path) -> ViewerServer:
    return RealServer(tmp_dir / "traces.db")
