"""`ChdbWriter`: OTLP spans and log records into chDB for `serve --store chdb:PATH`, the single-machine
analytical store. Rows go in as the Collector's exporter would insert them, so the same
materialized views fill and the same reader serves them as for a ClickHouse server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ag2_otel.server.clickhouse.client import Client
from ag2_otel.server.clickhouse.exporter_ddl import (
    LOGS_TABLE,
    TRACES_TABLE,
    event_name_column,
    exporter_statements,
)
from ag2_otel.server.clickhouse.exporter_rows import exporter_log_row, exporter_row
from ag2_otel.server.clickhouse.migrations import backfill, migrate
from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.receiver.logs_and_metrics import LogRow
from ag2_otel.server.store import Overloaded

logger = logging.getLogger(__name__)


class ChdbWriter:
    """Same contract as the SQLite `StoreWriter`: `submit` returns a future, one insert
    per export request (as the exporter does per batch), `Overloaded` past the backlog."""

    def __init__(self, client: Client, *, max_pending_spans: int = 100_000) -> None:
        self._client = client
        self._max_pending = max_pending_spans
        self._pending = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ag2-otel-chdb-writer")

    def start(self) -> None:
        """Create the exporter's tables and ag2-otel's views (chDB has no Collector to do it).
        A migration's new tables start empty: `serve` owns its chDB directory (one process at
        a time), so it also runs the backfill `db backfill` would, before taking any span."""
        for statement in exporter_statements(self._client.database):
            self._client.command(statement)
        self._client.command(event_name_column(self._client.database))
        if migrate(self._client):
            backfill(self._client)

    def submit(self, rows: list[SpanRow]) -> Future[int]:
        return self._submit(rows, TRACES_TABLE, exporter_row)

    def submit_logs(self, rows: Sequence[LogRow]) -> Future[int]:
        """Log records into the exporter's `otel_logs`, as its logs pipeline would."""
        return self._submit(rows, LOGS_TABLE, exporter_log_row)

    def _submit(
        self, rows: Sequence[Any], table: str, convert: Callable[[Any], dict[str, Any]]
    ) -> Future[int]:
        with self._lock:
            if self._pending and self._pending + len(rows) > self._max_pending:
                raise Overloaded(f"{self._pending} rows are waiting to be written")
            self._pending += len(rows)
        return self._pool.submit(self._write, rows, table, convert)

    def _write(self, rows: Sequence[Any], table: str, convert: Callable[[Any], dict[str, Any]]) -> int:
        """Insert one request's rows; none of them is ever left behind half-written (0 failed)."""
        try:
            self._client.insert_json_rows(f"{self._client.database}.{table}", [convert(row) for row in rows])
            return 0
        except Exception as exc:
            logger.error("writing %d rows to %s failed: %s", len(rows), table, type(exc).__name__)
            raise
        finally:
            with self._lock:
                self._pending -= len(rows)

    def stop(self) -> None:
        self._pool.shutdown(wait=True)
