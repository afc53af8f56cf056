"""Where the store lives and which environment variables relocate or protect it."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

DB_ENV = "AG2_OTEL_DB"
TOKEN_ENV = "AG2_OTEL_TOKEN"
STORE_ENV = "AG2_OTEL_STORE"  # clickhouse://… or chdb:PATH instead of the SQLite file
DEFAULT_HOST = "127.0.0.1"
DEFAULT_HTTP_PORT = 4318
DEFAULT_GRPC_PORT = 4317


def default_db_path() -> Path:
    """`$AG2_OTEL_DB`, else the XDG data directory, so every tool finds the same file."""
    explicit = os.environ.get(DB_ENV)
    if explicit:
        return Path(explicit).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "ag2-otel" / "traces.db"


def is_loopback(host: str) -> bool:
    """True for hosts that only this machine can reach (binding elsewhere needs a token)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
