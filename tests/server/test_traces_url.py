"""`ag2-otel traces --url`: reading a running server's API, and what it says when it cannot
(token refused, nothing listening, not our server, unknown trace, a chDB directory the server
holds). Each failure is one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ag2_otel.testing.otlp import http_exporter, send
from ag2_otel.testing.serve import ServerProcess, run_cli, start_server, start_server_over
from ag2_otel.testing.workload import SPANS_PER_TRACE, emit_trace

TOKEN = "cli-reads-with-this-token"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that wants a bearer token, holding one trace."""
    running = start_server(tmp_path_factory.mktemp("guarded") / "traces.db", "--token", TOKEN)
    send(
        http_exporter(running.url, headers={"Authorization": f"Bearer {TOKEN}"}),
        lambda t: emit_trace(t, 1),
        service="guarded",
    )
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _no_token_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AG2_OTEL_TOKEN", raising=False)
    monkeypatch.delenv("AG2_OTEL_URL", raising=False)
    monkeypatch.delenv("AG2_OTEL_STORE", raising=False)


def _fails(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The one-line error of a failed command, after checking its form."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("ag2-otel: error: ")
    for text in expected:
        assert text in line
    return line


def _cli(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(server.db_path.with_name("unused.db"), "traces", *args)


def test_the_token_comes_from_a_file_the_environment_or_the_flag(
    guarded: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "token"
    secret.write_text(TOKEN + "\n")
    secret.chmod(0o600)
    by_file = _cli(guarded, "list", "--url", guarded.url, "--token-file", str(secret), "--json")
    assert by_file.returncode == 0, by_file.stderr
    (summary,) = json.loads(by_file.stdout)["traces"]
    assert summary["span_count"] == SPANS_PER_TRACE

    by_flag = _cli(guarded, "show", summary["trace_id"][:8], "--url", guarded.url, "--token", TOKEN)
    assert by_flag.returncode == 0, by_flag.stderr
    assert by_flag.stdout.startswith(f"trace {summary['trace_id']} ")

    monkeypatch.setenv("AG2_OTEL_TOKEN", TOKEN)
    monkeypatch.setenv("AG2_OTEL_URL", guarded.url)
    by_environment = _cli(guarded, "export", summary["trace_id"])
    assert by_environment.returncode == 0, by_environment.stderr
    assert by_environment.stdout == _cli(guarded, "export", "--limit", "1").stdout


def test_a_missing_or_wrong_token_is_named(guarded: ServerProcess) -> None:
    _fails(_cli(guarded, "list", "--url", guarded.url), "needs a token (401)", "--token-file")
    _fails(
        _cli(guarded, "list", "--url", guarded.url, "--token", "not-it"),
        "refused the token",
        "$AG2_OTEL_TOKEN",
    )


def test_an_unknown_trace_is_named(guarded: ServerProcess) -> None:
    reader = ("--url", guarded.url, "--token", TOKEN)
    for action in ("show", "export"):
        line = _fails(_cli(guarded, action, "abcdef012345", *reader))
        assert line == "ag2-otel: error: no trace with id starting 'abcdef012345'"
    _fails(_cli(guarded, "show", "not-an-id", *reader), "hexadecimal")
    _fails(_cli(guarded, "list", "--limit", "0", *reader), "limit must be between 1 and")


def test_nothing_listening_and_not_our_server_are_named(guarded: ServerProcess) -> None:
    with socket.socket() as probe:  # a port nothing listens on once this socket is closed
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    _fails(_cli(guarded, "list", "--url", closed), f"cannot reach the server at {closed}")
    wrong_path = f"{guarded.url}/somewhere-else"
    _fails(
        _cli(guarded, "list", "--url", wrong_path, "--token", TOKEN),
        f"{wrong_path} is not an ag2-otel server",
    )
    _fails(_cli(guarded, "list", "--url", "ftp://127.0.0.1"), "expected http://HOST:PORT")


def test_url_and_store_flags_do_not_mix(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    _fails(run_cli(db, "traces", "list", "--url", "http://127.0.0.1:1", "--store", "chdb:x"), "--url")
    _fails(run_cli(db, "traces", "list", "--token", TOKEN), "go with --url")


def test_a_chdb_directory_the_server_holds_is_named_with_the_way_round(tmp_path: Path) -> None:
    server = start_server_over("chdb", tmp_path)
    try:
        send(http_exporter(server.url), lambda t: emit_trace(t, 2), service="held")
        directly = run_cli(server.db_path, "traces", "list", "--store", f"chdb:{tmp_path / 'chdb'}")
        _fails(directly, f"in use by process {server.proc.pid}", "--url")
        through_server = run_cli(server.db_path, "traces", "list", "--url", server.url)
        assert through_server.returncode == 0, through_server.stderr
        assert "conversation user_proxy → manager" in through_server.stdout
    finally:
        server.stop()
    # once the server is gone the directory is free again
    after = run_cli(server.db_path, "traces", "list", "--store", f"chdb:{tmp_path / 'chdb'}", "--json")
    assert after.returncode == 0, after.stderr
    assert len(json.loads(after.stdout)["traces"]) == 1
