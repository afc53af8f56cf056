"""`ag2-otel db migrate|backfill --store`, `traces list|show|export --store` and
`serve --store` over chDB, each compared with the same command over SQLite."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ag2_otel.testing.serve import run_cli
from tests.server.clickhouse_util import load_chdb
from tests.server.stores import StorePair, store_pair, workload_requests


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> StorePair:
    return store_pair(tmp_path_factory.mktemp("cli"), workload_requests())


def both(pair: StorePair, *args: str) -> tuple[subprocess.CompletedProcess[str], ...]:
    sqlite = run_cli(pair.db_path, *args)
    clickhouse = run_cli(pair.db_path, *args, "--store", pair.chdb_url)
    assert sqlite.returncode == 0, sqlite.stderr
    assert clickhouse.returncode == 0, clickhouse.stderr
    return sqlite, clickhouse


def test_traces_list_json_and_table(pair: StorePair) -> None:
    for args in (("--json",), ("--json", "--agent", "coder", "--limit", "5"), ()):
        sqlite, clickhouse = both(pair, "traces", "list", *args)
        assert clickhouse.stdout == sqlite.stdout
    assert len(json.loads(both(pair, "traces", "list", "--json", "--limit", "50")[0].stdout)["traces"]) == 18


def test_traces_show_by_prefix(pair: StorePair) -> None:
    listing = json.loads(run_cli(pair.db_path, "traces", "list", "--json", "--limit", "1").stdout)
    prefix = listing["traces"][0]["trace_id"][:10]
    for args in ((prefix,), (prefix, "--json")):
        sqlite, clickhouse = both(pair, "traces", "show", *args)
        assert clickhouse.stdout == sqlite.stdout
    assert "invoke_agent coder" in sqlite.stdout


def test_traces_export_is_otlp_json(pair: StorePair) -> None:
    sqlite, clickhouse = both(pair, "traces", "export", "--limit", "4")

    def without_flags(text: str) -> Any:
        return json.loads(re.sub(r',\s*"flags":\s*\d+', "", text))

    exported = without_flags(clickhouse.stdout)
    assert exported == without_flags(sqlite.stdout)
    assert sum(len(s["spans"]) for r in exported["resourceSpans"] for s in r["scopeSpans"]) == 40


def test_the_store_variable_selects_clickhouse(pair: StorePair) -> None:
    env = {
        **os.environ,
        "AG2_OTEL_STORE": pair.chdb_url,
        "AG2_OTEL_DB": str(pair.db_path.with_name("none.db")),
    }
    result = subprocess.run(
        [sys.executable, "-m", "ag2_otel.cli", "traces", "list", "--json"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["traces"]) == 18


def test_db_migrate_waits_for_the_exporters_tables(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "t.db", "db", "migrate", "--store", f"chdb:{tmp_path / 'empty'}")
    assert result.returncode != 0
    assert "otel.otel_traces does not exist yet" in result.stderr


def test_db_migrate_and_backfill_store(tmp_path: Path) -> None:
    url = load_chdb(tmp_path / "chdb", *workload_requests(), views=False)
    db = tmp_path / "unused.db"
    missing = run_cli(db, "traces", "list", "--store", url)
    assert missing.returncode != 0
    assert "db migrate --store" in missing.stderr
    first = run_cli(db, "db", "migrate", "--store", url)
    assert first.returncode == 0, first.stderr
    assert "applied 1:" in first.stdout
    again = run_cli(db, "db", "migrate", "--store", url)
    assert again.returncode == 0 and "applied" not in again.stdout
    assert json.loads(run_cli(db, "traces", "list", "--json", "--store", url).stdout)["traces"] == []
    filled = run_cli(db, "db", "backfill", "--store", url)
    assert filled.returncode == 0, filled.stderr
    assert "summarised 180 spans" in filled.stdout
    assert len(json.loads(run_cli(db, "traces", "list", "--json", "--store", url).stdout)["traces"]) == 18


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://host/db", "clickhouse://"),
        ("chdb:", "needs a directory"),
        ("clickhouse:///db", "clickhouse://"),
    ],
)
def test_bad_store_urls_are_clear_errors(tmp_path: Path, url: str, message: str) -> None:
    result = run_cli(tmp_path / "t.db", "traces", "list", "--store", url)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def viewer(pair: StorePair) -> Iterator[str]:
    """`ag2-otel serve --store chdb:PATH` on a free port; yields its base URL."""
    env = {k: v for k, v in os.environ.items() if k != "AG2_OTEL_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ag2_otel.cli", "serve", "--http-port", "0", "--store", pair.chdb_url],
        env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            found.append(line)
            if re.search(r"viewer\s+http://127\.0\.0\.1:\d+/", line):
                ready.set()
        ready.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), "".join(found)
        match = re.search(r"viewer\s+(http://127\.0\.0\.1:\d+)/", "".join(found))
        assert match, "".join(found)
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(15)
        reader.join(5)
        assert proc.stdout is not None
        proc.stdout.close()


def test_serve_store_answers_like_sqlite(pair: StorePair, viewer: str) -> None:
    sqlite = pair.sqlite()
    try:
        expected_list = sqlite.list_traces(limit=5)
        trace_id = expected_list[0][0]["trace_id"]
        expected_trace = sqlite.get_trace(trace_id)  # derived facts included
        assert expected_trace is not None
    finally:
        sqlite.close()
    listing = httpx.get(viewer + "/api/traces", params={"limit": 5}, timeout=30)
    assert listing.status_code == 200
    assert listing.json() == {"traces": expected_list[0], "next_cursor": expected_list[1]}
    assert httpx.get(f"{viewer}/api/traces/{trace_id}", timeout=30).json() == expected_trace
    page = httpx.get(viewer + "/", timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()
    # chDB has no Collector in front: this server also receives OTLP into it
    assert httpx.post(viewer + "/v1/traces", json={}, timeout=30).status_code == 200
