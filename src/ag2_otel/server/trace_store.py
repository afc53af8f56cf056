"""`TraceStore`: what the JSON API, the viewer and `ag2-otel traces` read through, and
`SpanWriter`: what the OTLP receivers hand decoded spans to.

The SQLite `Store`/`StoreWriter` satisfy them, and so do the ClickHouse store over the
Collector's tables and the chDB writer (`ag2_otel.server.clickhouse`); callers never
learn which one they have.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol, runtime_checkable

from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.store.queries import TraceFilter


class TraceStore(Protocol):
    def list_traces(
        self, where: TraceFilter | None = None, *, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]: ...

    def get_trace(self, trace_id: str) -> dict[str, Any] | None:
        """The `GET /api/traces/{id}` document, derived facts included (`queries.trace_document`)."""
        ...

    @property
    def usage(self) -> Callable[..., list[dict[str, Any]]]:
        """Keyword-only: group_by (("agent", "model")), bucket ("hour"), since_ns, until_ns."""
        ...

    def values(self, kind: str) -> list[str]: ...

    def find_trace_ids(self, prefix: str, *, limit: int = 10) -> list[str]: ...

    def span_rows(self, trace_id: str) -> list[SpanRow]:
        """Stored spans of one trace, oldest first (for `otlp_json`)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class LogWriter(Protocol):
    """A store that also keeps OTLP log records beside the spans (chDB's `otel_logs`)."""

    def submit_logs(self, rows: Sequence[Any]) -> Future[int]: ...


class SpanWriter(Protocol):
    def submit(self, rows: list[SpanRow]) -> Future[int]:
        """Queue one export request's spans; raise `Overloaded` when the backlog is full.

        The future's result is the number of spans that could not be stored."""
        ...
