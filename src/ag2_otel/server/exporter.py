"""`StoreSpanExporter`: write SDK spans straight into the store, no server needed.

Spans take the same path as OTLP traffic (OTLP encode → normalize → write_batch),
so what `ag2-otel demo` leaves behind is indistinguishable from served data.
SQLite's lock lets this coexist with a running server writing the same file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ag2_otel.server.config import default_db_path
from ag2_otel.server.normalize import normalize
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.ingest import SharedJson, write_batch
from ag2_otel.server.store.migrations import migrate

logger = logging.getLogger(__name__)


class StoreSpanExporter(SpanExporter):
    """Export finished spans into the SQLite trace store at `db_path` (default: the user's store)."""

    def __init__(self, db_path: str | Path | None = None) -> None:
        self.db_path = Path(db_path) if db_path is not None else default_db_path()
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._shared = SharedJson()
        self._closed = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._closed:
            return SpanExportResult.FAILURE
        try:
            batch = normalize(encode_spans(spans))
            with self._lock:
                write_batch(self._connection(), batch.rows, self._shared)
        except Exception as exc:  # telemetry must never break the caller
            logger.warning("could not store %d spans in %s: %s", len(spans), self.db_path, exc)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = open_writer(self.db_path)
            migrate(conn)
            self._conn = conn
        return self._conn
