"""`ag2_otel.launch()`: the local backend and viewer for this notebook or script, in one call.

The backend runs in a child process (`serve_child`): Jupyter's running event loop, the
program's threads and signals stay untouched, and the child stops with this process. A second
call returns the running viewer; if an `ag2-otel serve` already answers on 127.0.0.1:4318, it
is used instead of starting another.
"""

from __future__ import annotations

import atexit
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from ag2_otel.instrumentation._settings import ContentCapture
from ag2_otel.start.probe import is_ag2_otel_server, local_endpoint
from ag2_otel.start.setup import Tracing, setup

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
_ANNOUNCED = re.compile(r"viewer\s+(http://\S+?)/?\s*$", re.MULTILINE)

_lock = threading.Lock()
_running: dict[str, Viewer] = {}


@dataclass
class Viewer:
    """A running local viewer. Shows its URL as text and, in Jupyter, as a link."""

    url: str
    process: subprocess.Popen[bytes] | None = None
    """The child serving it; None when an already running `ag2-otel serve` was found."""
    log_path: Path | None = None
    tracing: Tracing | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.process is None or self.process.poll() is None

    def stop(self) -> None:
        """Stop the child this process started (a server found running is left alone)."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        if self.tracing is not None:
            self.tracing.force_flush()
        if process.stdin is not None:
            process.stdin.close()  # the child's signal to stop, as when this process dies
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __str__(self) -> str:
        where = f"ag2-otel viewer: {self.url}/"
        if self.tracing is not None and self.tracing.viewer_url != self.url:
            where += (
                f"\n  (tracing was already set up -> {self.tracing.destination}; traces do not come here)"
            )
        return where

    def _repr_html_(self) -> str:
        url = escape(self.url + "/", quote=True)
        return (
            f"<div>ag2-otel viewer: <a href='{url}' target='_blank' rel='noopener'>{url}</a>"
            f" <span style='opacity:.7'>traces of this notebook appear there as they finish</span></div>"
        )


def launch(
    *,
    db: str | Path | None = None,
    port: int | None = None,
    service_name: str | None = None,
    capture_content: str | bool | ContentCapture | None = None,
) -> Viewer:
    """Start (or reuse) the local viewer and send this process's traces to it via `setup()`.

    `port` None means 4318 (or the port of `$AG2_OTEL_LOCAL_ENDPOINT`) when free, else any free
    port; `db` defaults to the store `ag2-otel serve` uses (`$AG2_OTEL_DB`).
    """
    with _lock:
        viewer = _running.get("viewer")
        if viewer is None or not viewer.running:
            viewer = _find_or_start(db, port)
            _running["viewer"] = viewer
    viewer.tracing = setup(service_name=service_name, endpoint=viewer.url, capture_content=capture_content)
    return viewer


def _find_or_start(db: str | Path | None, port: int | None) -> Viewer:
    if port is None and db is None and is_ag2_otel_server(local_endpoint()):
        return Viewer(local_endpoint())
    default_port = urlsplit(local_endpoint()).port or 4318
    http_port = port if port is not None else (default_port if _free(default_port) else 0)
    args = ["--http-port", str(http_port), "--grpc-port", "4317" if _free(4317) else "0"]
    if db is not None:
        args += ["--db", str(db)]
    log = Path(tempfile.mkstemp(prefix="ag2-otel-launch-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ag2_otel.start.serve_child", *args],
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = _await_url(process, log)
    except BaseException:
        process.kill()
        process.wait()
        if process.stdin is not None:
            process.stdin.close()
        raise
    viewer = Viewer(url, process, log)
    atexit.register(viewer.stop)
    return viewer


def _await_url(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        announced = _ANNOUNCED.search(text)
        if announced and is_ag2_otel_server(announced.group(1)):
            return announced.group(1).rstrip("/")
        if process.poll() is not None:
            if process.stdin is not None:  # the pipe would otherwise be left to the GC (ResourceWarning)
                process.stdin.close()
            raise RuntimeError(f"ag2-otel serve did not start (exit {process.returncode}): {text.strip()}")
        time.sleep(0.05)
    raise RuntimeError(f"ag2-otel serve did not answer within {START_TIMEOUT_S:.0f} s; log: {log}")


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
