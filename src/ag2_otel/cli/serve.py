"""`ag2-otel serve`: OTLP receiver (HTTP + gRPC), trace store and viewer in one process."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ag2_otel.cli import CLIError
from ag2_otel.server.config import (
    DB_ENV,
    DEFAULT_GRPC_PORT,
    DEFAULT_HOST,
    DEFAULT_HTTP_PORT,
    STORE_ENV,
    TOKEN_ENV,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the local trace backend (OTLP receiver, store, viewer)",
        description="Receive OTLP traces over HTTP and gRPC, store them in SQLite, serve the API and viewer.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="interface to bind (default %(default)s)")
    parser.add_argument(
        "--http-port", type=int, default=DEFAULT_HTTP_PORT, help="OTLP/HTTP, API and viewer; 0 = any"
    )
    parser.add_argument(
        "--grpc-port", type=int, default=DEFAULT_GRPC_PORT, help="OTLP/gRPC; 0 = any free port"
    )
    parser.add_argument(
        "--db", type=Path, help=f"database file (default ${DB_ENV} or the user data directory)"
    )
    parser.add_argument(
        "--store",
        default=os.environ.get(STORE_ENV) or None,
        help="read the Collector's ClickHouse tables instead of SQLite: clickhouse://[user:password@]host:8123/"
        f"database or chdb:PATH (or ${STORE_ENV}); serves the API and viewer only",
    )
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--token-file",
        type=Path,
        help=f"file holding the bearer token every request must carry (mode 600; or ${TOKEN_ENV})",
    )
    secret.add_argument(
        "--token",
        help="the bearer token itself (visible to local users in the process list: prefer --token-file)",
    )
    parser.add_argument("--retention-days", type=float, help="delete traces older than this many days")
    parser.add_argument("--max-db-mb", type=float, help="delete the oldest traces beyond this database size")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from ag2_otel.server.config import default_db_path, read_token_file
        from ag2_otel.server.runner import ServeOptions, serve
        from ag2_otel.server.store import RetentionPolicy
    except ModuleNotFoundError as exc:
        raise CLIError(
            f"{exc.name} is missing; install the server extra: pip install 'ag2-otel[server]'"
        ) from None
    try:
        options = ServeOptions(
            db_path=args.db or default_db_path(),
            host=args.host,
            http_port=args.http_port,
            grpc_port=args.grpc_port,
            token=(read_token_file(args.token_file) if args.token_file else args.token)
            or os.environ.get(TOKEN_ENV)
            or None,
            retention=RetentionPolicy(max_age_days=args.retention_days, max_db_mb=args.max_db_mb),
            store_url=args.store,
        )
        serve(options)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    except (OSError, RuntimeError) as exc:
        raise CLIError(f"cannot start the server: {exc}") from None
    return 0
