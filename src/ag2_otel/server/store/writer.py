"""The single writer thread that owns the store's write connection.

Requests hand a batch over and wait on a future that resolves only after the
transaction commits, so an OTLP acknowledgement always means "on disk". A bound
on pending spans turns overload into a retryable refusal instead of growing
memory without limit.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.store.connection import open_writer
from ag2_otel.server.store.ingest import SharedJson, write_batch
from ag2_otel.server.store.migrations import migrate
from ag2_otel.server.store.retention import RetentionPolicy, enforce, over_size

logger = logging.getLogger(__name__)


class Overloaded(Exception):
    """Too much is already waiting to be written; the client should retry later."""


Write = Callable[[sqlite3.Connection, Sequence[Any], SharedJson], None]
"""Writes one batch of rows in one transaction (spans: `write_batch`; logs: `write_logs`)."""


@dataclass
class _Job:
    rows: Sequence[Any]
    done: Future[int]
    write: Write


class StoreWriter:
    """Serialises every write to one SQLite connection on one thread."""

    def __init__(
        self,
        path: Path,
        *,
        max_pending_spans: int = 100_000,
        retention: RetentionPolicy | None = None,
        maintenance_interval_s: float = 60.0,
    ) -> None:
        if max_pending_spans <= 0:
            raise ValueError("max_pending_spans must be positive")
        self.path = path
        self._max_pending = max_pending_spans
        self._retention = retention or RetentionPolicy()
        self._interval = maintenance_interval_s
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ag2-otel-store-writer", daemon=True)

    def start(self) -> None:
        """Start the thread; migrations run first, and their failure is raised here."""
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error

    def submit(self, rows: Sequence[SpanRow] | Sequence[Any], *, write: Write = write_batch) -> Future[int]:
        """Queue rows for one transaction; raise `Overloaded` when the backlog is full.

        The future's result is the number of rows that could not be stored (see `_write`).
        """
        done: Future[int] = Future()
        with self._lock:
            if self._pending and self._pending + len(rows) > self._max_pending:
                raise Overloaded(f"{self._pending} spans are waiting to be written")
            self._pending += len(rows)
        self._queue.put(_Job(rows, done, write))
        return done

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish queued writes, then close the connection."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            conn = open_writer(self.path)
            migrate(conn)
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        shared = SharedJson()
        next_maintenance = time.monotonic()
        try:
            while True:
                if time.monotonic() >= next_maintenance:
                    self._maintain(conn)
                    next_maintenance = time.monotonic() + self._interval
                try:
                    job = self._queue.get(timeout=max(0.0, next_maintenance - time.monotonic()))
                except queue.Empty:
                    continue
                if job is None:
                    return
                self._write(conn, job, shared)
                if over_size(self.path, self._retention):  # a large ingest is trimmed now, not next interval
                    self._maintain(conn)
        finally:
            conn.close()

    def _write(self, conn: sqlite3.Connection, job: _Job, shared: SharedJson) -> None:
        try:
            try:
                job.write(conn, job.rows, shared)
                failed = 0
            except Exception as exc:
                if _store_failure(exc):
                    raise
                failed = self._write_one_by_one(conn, job, shared, exc)
        except Exception as exc:
            logger.error("writing %d spans failed: %s", len(job.rows), type(exc).__name__)
            job.done.set_exception(exc)
        else:
            job.done.set_result(failed)
        finally:
            with self._lock:
                self._pending -= len(job.rows)

    def _write_one_by_one(
        self, conn: sqlite3.Connection, job: _Job, shared: SharedJson, first: Exception
    ) -> int:
        """A batch failed on its data, not the store: keep every row that can be written.

        A span that still fails is reported back as rejected (OTLP partial success)
        instead of costing the unrelated spans of its batch.
        """
        failed = 0
        for row in job.rows:
            try:
                job.write(conn, [row], shared)
            except Exception as exc:
                if _store_failure(exc):
                    raise
                failed += 1
        logger.error("%d of %d spans could not be stored: %s", failed, len(job.rows), type(first).__name__)
        return failed

    def _maintain(self, conn: sqlite3.Connection) -> None:
        try:
            enforce(conn, self._retention)
        except Exception as exc:
            logger.warning("retention pass failed: %s", exc)


def _store_failure(exc: Exception) -> bool:
    """Errors of the store itself (busy, full, I/O, corrupt): retrying the batch later may work."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError
