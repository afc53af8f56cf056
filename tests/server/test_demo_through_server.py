"""`ag2-otel demo` sends its traces to a running `ag2-otel serve` (real OTLP/HTTP)
and returns instead of starting a second server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_demo_sends_to_the_running_server(tmp_path: Path) -> None:
    env = {**os.environ, "AG2_OTEL_DB": str(tmp_path / "served.db"), "PYTHONUNBUFFERED": "1"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("AG2_OTEL_TOKEN", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "ag2_otel.cli", "serve", "--http-port", "0", "--grpc-port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = ""
        deadline = time.monotonic() + 20
        while not url and time.monotonic() < deadline:
            match = re.search(r"OTLP/HTTP\s+(http://\S+)", server.stdout.readline())
            url = match.group(1) if match else ""
        assert url, "ag2-otel serve did not start"
        demo = subprocess.run(
            [sys.executable, "-m", "ag2_otel.cli", "demo", "--endpoint", url, "--serve"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert demo.returncode == 0, demo.stderr[-3000:]
        assert f"the running server at {url}" in demo.stdout
        assert "already being served" in demo.stdout
        traces: list[dict[str, object]] = []
        deadline = time.monotonic() + 10
        while len(traces) < 3 and time.monotonic() < deadline:
            traces = httpx.get(f"{url}/api/traces", timeout=5).json()["traces"]
            time.sleep(0.05)
        assert sorted(t["root_name"] for t in traces) == [
            "conversation group_user -> chat_manager",
            "conversation tool_user -> tool_agent",
            "conversation user_proxy -> assistant",
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)
