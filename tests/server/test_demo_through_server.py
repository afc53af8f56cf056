"""`ag2-otel demo` sends its traces to a running `ag2-otel serve` (real OTLP/HTTP)
and returns instead of starting a second server."""

from __future__ import annotations

from pathlib import Path

from ag2_otel.testing.serve import run_cli, start_server, wait_for


def test_demo_sends_to_the_running_server(tmp_path: Path) -> None:
    server = start_server(tmp_path / "served.db")
    try:
        demo = run_cli(
            tmp_path / "not-used.db",
            *("demo", "--endpoint", server.url, "--serve"),
            timeout=180,
            unset=("OPENAI_API_KEY", "AG2_OTEL_TOKEN"),
        )
        assert demo.returncode == 0, demo.stderr[-3000:]
        assert f"the running server at {server.url}" in demo.stdout
        assert "already being served" in demo.stdout
        wait_for(lambda: len(server.api("/api/traces").json()["traces"]) == 3)
        roots = sorted(t["root_name"] for t in server.api("/api/traces").json()["traces"])
        assert roots == [
            "conversation group_user -> chat_manager",
            "conversation tool_user -> tool_agent",
            "conversation user_proxy -> assistant",
        ]
        assert not (tmp_path / "not-used.db").exists()  # nothing went around the server
    finally:
        server.stop()
