"""Where the store lives and which environment variables relocate or protect it."""

from __future__ import annotations

import ipaddress
import os
import stat
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


def read_token_file(path: Path) -> str:
    """The token kept in `path`, refused when other users could read or change it.

    A file (like `$AG2_OTEL_TOKEN`) keeps the token out of the process list, where
    every local user can read `--token` in /proc/PID/cmdline.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"token file {path} is not a regular file")
        if info.st_mode & 0o077:
            raise ValueError(
                f"token file {path} is open to other users (mode {stat.S_IMODE(info.st_mode):04o}); "
                f"run: chmod 600 {path}"
            )
        token = path.read_text("utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read token file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"token file {path} is not UTF-8 text") from None
    if not token or any(ch.isspace() for ch in token):
        raise ValueError(f"token file {path} must hold exactly one token (one word)")
    return token
