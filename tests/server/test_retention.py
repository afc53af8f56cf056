"""`--max-db-mb` keeps its promise: the file and its WAL end a pass under the cap, and a
large ingest is trimmed straight away, not at the next minute's pass."""

from __future__ import annotations

from pathlib import Path

import httpx

from ag2_otel.server.store import RetentionPolicy, Store
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.retention import enforce
from ag2_otel.testing.otlp import ag2_request, ingest
from tests.server.conftest import start_server, wait_for

MB = 1024 * 1024


def file_bytes(path: Path) -> int:
    """What the database takes on disk: the file and its write-ahead log."""
    parts = (path, path.with_name(path.name + "-wal"))
    return sum(part.stat().st_size for part in parts if part.exists())


def _write_past(path: Path, megabytes: float) -> int:
    """Ingest batches of 100 traces until the file (with WAL) holds `megabytes`; return the batches."""
    batches = 0
    while file_bytes(path) < megabytes * MB:
        ingest(path, ag2_request(100, first=batches * 100, shift_ns=(1000 - batches) * 1_000_000_000))
        batches += 1
    return batches


def test_one_pass_brings_file_and_wal_under_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    batches = _write_past(path, 14.5)
    reader = Store(path)  # a reader with the file open, as the API keeps one
    assert reader.list_traces()[0]
    conn = open_writer(path)
    try:
        removed = enforce(conn, RetentionPolicy(max_db_mb=1))
        assert removed > 0
        assert file_bytes(path) <= 1 * MB, f"{file_bytes(path) / MB:.2f} MB left"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        newest = reader.list_traces(limit=1)[0][0]
        assert newest["conversation_id"] == f"conv-{(batches - 1) * 100 + 99}"
    finally:
        conn.close()
        reader.close()


def test_a_pass_empties_a_grown_wal_even_when_nothing_is_deleted(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    ingest(path, ag2_request(10))
    conn = open_writer(path)
    try:
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # let the WAL grow, as under steady load
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE filler (x)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 1000,)] * 3000)
        conn.execute("COMMIT")
        conn.execute("DROP TABLE filler")
        assert file_bytes(path) > 3 * MB
        assert enforce(conn, RetentionPolicy(max_db_mb=2)) == 0
        assert file_bytes(path) <= 2 * MB
    finally:
        conn.close()


def test_serve_trims_a_large_ingest_at_once(tmp_path: Path) -> None:
    """14.5 MB over OTLP into `serve --max-db-mb 1`: under 1 MB on disk within seconds
    (the periodic pass is a minute away), and the newest traces are the ones kept."""
    db = tmp_path / "capped.db"
    server = start_server(db, "--max-db-mb", "1")
    try:
        sent = 0
        batch = 0
        while sent < 14.5 * MB:
            body = ag2_request(100, first=batch * 100).SerializeToString()
            response = httpx.post(
                f"{server.url}/v1/traces",
                content=body,
                headers={"content-type": "application/x-protobuf"},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            sent += len(body)
            batch += 1
        wait_for(lambda: file_bytes(db) <= 1 * MB, timeout_s=15)
        newest = server.api("/api/traces", limit=1).json()["traces"][0]
        assert newest["conversation_id"] == f"conv-{(batch - 1) * 100 + 99}"
    finally:
        server.stop()
