"""What `--max-db-mb` leaves on disk after a large ingest.

Starts the real `ag2-otel serve --max-db-mb CAP` on a temporary database, sends SEND MB of
OTLP/protobuf (requests of 100 AG2-shaped traces, `ag2_otel.testing.otlp.ag2_request`),
and reports the largest size the database file plus its WAL reached while ingesting, and
how long after the last acknowledged request they were back under the cap.

    .venv/bin/python -m bench.retention_cap [--cap-mb 1] [--send-mb 14.5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from ag2_otel.testing.otlp import ag2_request
from ag2_otel.testing.serve import start_server

MB = 1024 * 1024


def on_disk(db: Path) -> int:
    parts = (db, db.with_name(db.name + "-wal"))
    return sum(part.stat().st_size for part in parts if part.exists())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap-mb", type=float, default=1.0)
    parser.add_argument("--send-mb", type=float, default=14.5)
    parser.add_argument("--wait-s", type=float, default=70.0, help="give up waiting after this long")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "capped.db"
        server = start_server(db, "--max-db-mb", str(args.cap_mb))
        try:
            sent = requests = peak = 0
            while sent < args.send_mb * MB:
                body = ag2_request(100, first=requests * 100).SerializeToString()
                response = httpx.post(
                    f"{server.url}/v1/traces",
                    content=body,
                    headers={"content-type": "application/x-protobuf"},
                    timeout=30,
                )
                response.raise_for_status()
                sent, requests, peak = sent + len(body), requests + 1, max(peak, on_disk(db))
            started = time.monotonic()
            while on_disk(db) > args.cap_mb * MB and time.monotonic() - started < args.wait_s:
                time.sleep(0.02)
            waited, final = time.monotonic() - started, on_disk(db)
            kept = len(server.api("/api/traces", limit=500).json()["traces"])
        finally:
            server.stop()
    print(
        f"sent {sent / MB:.1f} MB in {requests} requests to --max-db-mb {args.cap_mb:g}: "
        f"peak on disk {peak / MB:.2f} MB, {final / MB:.2f} MB {waited:.2f} s after the last request, "
        f"{kept} traces kept"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
