"""Opening an existing store file from tools (CLI, exporter) with the schema brought up to date."""

from __future__ import annotations

from pathlib import Path

from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.migrations import Migration, migrate


def ensure_schema(path: Path) -> list[Migration]:
    """Create or upgrade the schema at `path`; return migrations applied."""
    conn = open_writer(path)
    try:
        return migrate(conn)
    finally:
        conn.close()
