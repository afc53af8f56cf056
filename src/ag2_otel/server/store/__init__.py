"""The SQLite trace store: migrations, one writer, read-only queries."""

from __future__ import annotations

from ag2_otel.server.store.queries import QueryError, TraceFilter
from ag2_otel.server.store.reader import Store
from ag2_otel.server.store.retention import RetentionPolicy
from ag2_otel.server.store.writer import Overloaded, StoreWriter

__all__ = ["Overloaded", "QueryError", "RetentionPolicy", "Store", "StoreWriter", "TraceFilter"]
