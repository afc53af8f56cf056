"""The server the browser tests drive: the real `ag2-otel serve`, fed over OTLP/HTTP."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Protocol

import httpx

from tests.serve_process import start_server as start_serve_process

Span = dict[str, Any]


class ViewerServer(Protocol):
    base_url: str
    real: bool

    def add(self, spans: list[Span]) -> None: ...

    def stop(self) -> None: ...


class RealServer:
    """`ag2-otel serve` on free ports with a temporary database; spans arrive over OTLP/HTTP."""

    real = True

    def __init__(self, db_path: Path, *serve_args: str) -> None:
        self._server = start_serve_process(db_path, *serve_args)
        self.base_url = self._server.url

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
        self._server.stop()


def start_server(tmp_dir: Path, store: str = "sqlite") -> ViewerServer:
    """`store`: "sqlite" (the file) or "chdb" (`--store chdb:DIR`, the Collector's tables in chDB)."""
    extra = ("--store", f"chdb:{tmp_dir / 'chdb'}") if store == "chdb" else ()
    return RealServer(tmp_dir / "traces.db", *extra)
