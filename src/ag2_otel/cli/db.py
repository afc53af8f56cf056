"""`ag2-otel db path|migrate|vacuum`: look after the trace database file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ag2_otel.cli import CLIError
from ag2_otel.server.config import DB_ENV, STORE_ENV, default_db_path


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="show, migrate or vacuum the trace database")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    for name, handler, text in (
        ("path", _path, "print the database path"),
        ("migrate", _migrate, "create or upgrade the schema"),
        ("vacuum", _vacuum, "apply retention limits, then compact the file"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument(
            "--db", type=Path, help=f"database file (default ${DB_ENV} or the user data directory)"
        )
        action.set_defaults(handler=handler)
        if name == "migrate":
            action.add_argument(
                "--store",
                help="create ag2-otel's views beside the Collector's ClickHouse tables instead:"
                f" clickhouse://… or chdb:PATH (or ${STORE_ENV})",
            )
        if name == "vacuum":
            action.add_argument("--retention-days", type=float, help="first delete traces older than this")
            action.add_argument(
                "--max-db-mb", type=float, help="first delete the oldest traces beyond this size"
            )

    backfill = actions.add_parser(
        "backfill", help="summarise ClickHouse spans written before `db migrate --store` created the views"
    )
    backfill.add_argument("--store", help=f"clickhouse://… or chdb:PATH (or ${STORE_ENV})")
    backfill.add_argument(
        "--before-ns",
        type=int,
        help="only spans that started before this (default: when the views were created)",
    )
    backfill.set_defaults(handler=_backfill)


def _clickhouse(args: argparse.Namespace, *, create: bool = False) -> Any:
    from ag2_otel.server.clickhouse.client import open_client

    url = args.store or os.environ.get(STORE_ENV)
    if not url:
        raise CLIError(f"name the ClickHouse store: --store clickhouse://host:8123/otel or ${STORE_ENV}")
    try:
        return open_client(url, create=create)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def _backfill(args: argparse.Namespace) -> int:
    from ag2_otel.server.clickhouse.migrations import backfill

    client = _clickhouse(args)
    try:
        spans = backfill(client, before_ns=args.before_ns)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    finally:
        client.close()
    print(f"summarised {spans} spans written before the views existed")
    return 0


def _db(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else default_db_path()


def _path(args: argparse.Namespace) -> int:
    print(_db(args))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    if args.store or os.environ.get(STORE_ENV):
        return _migrate_clickhouse(args)
    from ag2_otel.server.store.files import ensure_schema
    from ag2_otel.server.store.migrations import LATEST

    applied = ensure_schema(_db(args))
    for migration in applied:
        print(f"applied {migration.version}: {migration.name}")
    print(f"schema at version {LATEST}: {_db(args)}")
    return 0


def _migrate_clickhouse(args: argparse.Namespace) -> int:
    from ag2_otel.server.clickhouse.migrations import LATEST, migrate

    client = _clickhouse(args, create=True)
    try:
        applied = migrate(client)
    except Exception as exc:  # the driver's own errors: refused connection, missing rights…
        raise CLIError(f"cannot migrate the ClickHouse store: {exc}") from None
    finally:
        client.close()
    for migration in applied:
        print(f"applied {migration.version}: {migration.name}")
    print(f"ClickHouse views at version {LATEST} in database {client.database}")
    if applied:
        print("spans written before now: ag2-otel db backfill --store …")
    return 0


def _vacuum(args: argparse.Namespace) -> int:
    from ag2_otel.server.store.connection import open_writer
    from ag2_otel.server.store.files import ensure_schema
    from ag2_otel.server.store.retention import RetentionPolicy, enforce, vacuum

    path = _db(args)
    if not path.exists():
        raise CLIError(f"no trace database at {path}")
    try:
        policy = RetentionPolicy(max_age_days=args.retention_days, max_db_mb=args.max_db_mb)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    ensure_schema(path)
    before = path.stat().st_size
    conn = open_writer(path)
    try:
        removed = enforce(conn, policy)
        vacuum(conn)
    finally:
        conn.close()
    print(f"removed {removed} traces; {before / 1e6:.1f} MB → {path.stat().st_size / 1e6:.1f} MB")
    return 0
