"""A real `ag2-otel serve` process on free ports with its own database, for tests and benchmarks.

Needs the `server` extra, httpx, and (for `FedServer`) the `otlp` extra.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

_PORT_LINE = re.compile(r"OTLP/(HTTP|gRPC)\s+http://127\.0\.0\.1:(\d+)")


@dataclass
class ServerProcess:
    """A running server; `output` collects everything it printed (checked for leaks)."""

    db_path: Path
    proc: subprocess.Popen[str]
    http_port: int = 0
    grpc_port: int = 0
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None
    store: str = "sqlite"
    """"sqlite", or "chdb" (`start_server_over`): a store only this process may open."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc_endpoint(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def api(self, path: str, **params: str | int | float | bool | None) -> httpx.Response:
        return httpx.get(
            self.url + path, params={k: v for k, v in params.items() if v is not None}, timeout=30
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.reader is not None:
            self.reader.join(10)  # it reads to the end of the exited process's output
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def run_cli(
    db_path: Path, *args: str, timeout: float = 60, unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """`python -m ag2_otel.cli ARGS` run to completion against the store at `db_path`,
    without the environment variables in `unset` (e.g. OPENAI_API_KEY: the demo stays scripted)."""
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment["AG2_OTEL_DB"] = str(db_path)
    return subprocess.run(
        [sys.executable, "-m", "ag2_otel.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# `python -m ag2_otel.cli` with its own soft limit on open files (argv[1]), set in the child only.
_WITH_OPEN_FILES = (
    "import resource, runpy, sys; "
    "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]; "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv.pop(1)), hard)); "
    "runpy.run_module('ag2_otel.cli', run_name='__main__', alter_sys=True)"
)


def start_server(
    db_path: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
    open_files: int | None = None,
) -> ServerProcess:
    """Start `python -m ag2_otel.cli serve` on ports 0 and wait for its endpoint lines
    (`python`: another environment's interpreter, e.g. a fresh install of one extra;
    `open_files`: the server's own soft limit on open files, set in the child only)."""
    environment = {k: v for k, v in os.environ.items() if k != "AG2_OTEL_TOKEN"}
    environment.update({"AG2_OTEL_DB": str(db_path), "PYTHONUNBUFFERED": "1", **(env or {})})
    launcher = [python, "-m", "ag2_otel.cli"]
    if open_files is not None:
        launcher = [python, "-c", _WITH_OPEN_FILES, str(open_files)]
    proc = subprocess.Popen(
        [*launcher, "serve", "--http-port", "0", "--grpc-port", "0", *extra],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = ServerProcess(db_path=db_path, proc=proc)
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            server.output.append(line)
            match = _PORT_LINE.search(line)
            if match:
                setattr(server, "http_port" if match.group(1) == "HTTP" else "grpc_port", int(match.group(2)))
                if server.http_port and server.grpc_port:
                    ready.set()
        ready.set()

    server.reader = threading.Thread(target=pump, daemon=True)
    server.reader.start()
    # generous: a chDB store creates its tables and views first, slow on a loaded machine
    if not ready.wait(90) or not (server.http_port and server.grpc_port):
        server.stop()
        raise RuntimeError("server did not start:\n" + "".join(server.output))
    return server


def start_server_over(store: str, directory: Path) -> ServerProcess:
    """`serve` over `store`: "sqlite" (`directory/traces.db`) or "chdb" (`--store chdb:` in
    `directory/chdb`), for tests that run over both stores (fixture parameter)."""
    extra = ("--store", f"chdb:{directory / 'chdb'}") if store == "chdb" else ()
    running = start_server(directory / "traces.db", *extra)
    running.store = store
    return running


def wait_for(predicate: object, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


class FedServer:
    """`ag2-otel serve` (`start_server`) fed canned `Span` dicts over OTLP/HTTP
    (`ag2_otel.testing.viewer_traces`); `add` returns once the API serves the whole trace."""

    real = True

    def __init__(self, db_path: Path, *serve_args: str) -> None:
        self._server = start_server(db_path, *serve_args)
        self.base_url = self._server.url

    def add(self, spans: list[dict[str, Any]]) -> None:
        from ag2_otel.testing.otlp import export_span_dicts

        export_span_dicts(self.base_url, spans)
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
