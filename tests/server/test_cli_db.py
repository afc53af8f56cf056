"""`ag2-otel db path|migrate|vacuum` and CLI error handling, on a store written without a server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ag2_otel.cli import CLIError
from ag2_otel.cli.traces import parse_time_ns
from ag2_otel.server.config import default_db_path
from ag2_otel.testing.otlp import ag2_request, ingest
from ag2_otel.testing.serve import run_cli


def test_db_path_migrate_and_vacuum(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "traces.db"
    assert run_cli(db, "db", "path").stdout.strip() == str(db)
    migrated = run_cli(db, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "applied 1:" in migrated.stdout
    assert "applied" not in run_cli(db, "db", "migrate").stdout
    ingest(db, ag2_request(5))
    vacuumed = run_cli(db, "db", "vacuum", "--retention-days", "1")
    assert vacuumed.returncode == 0, vacuumed.stderr
    assert "removed 0 traces" in vacuumed.stdout
    listed = json.loads(run_cli(db, "traces", "list", "--json", "--limit", "2").stdout)
    assert len(listed["traces"]) == 2
    assert listed["next_cursor"]
    rest = json.loads(run_cli(db, "traces", "list", "--json", "--cursor", listed["next_cursor"]).stdout)
    assert len(rest["traces"]) == 3


def test_cli_errors_are_one_clean_line(tmp_path: Path) -> None:
    missing = run_cli(tmp_path / "none.db", "traces", "list")
    assert missing.returncode == 2
    assert missing.stderr.startswith("ag2-otel: error: no trace database")
    no_db = run_cli(tmp_path / "none.db", "db", "vacuum")
    assert no_db.returncode == 2
    db = tmp_path / "t.db"
    ingest(db, ag2_request(1))
    assert run_cli(db, "traces", "list", "--limit", "0").returncode == 2
    assert run_cli(db, "traces", "list", "--since", "last tuesday").returncode == 2


def test_time_arguments() -> None:
    assert parse_time_ns("1700000000000000000") == 1700000000000000000
    assert parse_time_ns("2h", now_s=10_000.0) == int((10_000 - 7200) * 1e9)
    assert parse_time_ns("1970-01-01T00:00:01+00:00") == 1_000_000_000
    with pytest.raises(CLIError):
        parse_time_ns("soon")


def test_default_db_path_follows_env_and_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AG2_OTEL_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "ag2-otel" / "traces.db"
    monkeypatch.setenv("AG2_OTEL_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"


@pytest.mark.parametrize("command", [("traces", "list"), ("traces", "export"), ("db", "path")])
def test_a_closed_pipe_ends_the_cli_quietly(tmp_path: Path, command: tuple[str, ...]) -> None:
    """`ag2-otel traces list | head` once head has exited: no BrokenPipeError traceback."""
    db = tmp_path / "t.db"
    ingest(db, ag2_request(3))
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: deterministic EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ag2_otel.cli", *command],
            env={**os.environ, "AG2_OTEL_DB": str(db)},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 141  # 128 + SIGPIPE, like `yes | head`
