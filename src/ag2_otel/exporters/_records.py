"""A neutral, exporter-independent view of one finished span.

The console exporter builds these from SDK spans and the trace store builds them
from database rows, so both render trees with the same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan


@dataclass(frozen=True)
class SpanRecord:
    """One finished span, reduced to what trees and summaries need."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_time_ns: int
    end_time_ns: int
    attributes: Mapping[str, Any] = field(default_factory=dict)
    status_code: str = "UNSET"
    status_message: str = ""
    kind: str = "INTERNAL"

    @property
    def duration_ms(self) -> float:
        return max(0, self.end_time_ns - self.start_time_ns) / 1e6

    @classmethod
    def from_readable_span(cls, span: ReadableSpan) -> SpanRecord:
        context = span.context
        parent = span.parent
        return cls(
            trace_id=format(context.trace_id, "032x") if context else "",
            span_id=format(context.span_id, "016x") if context else "",
            parent_span_id=format(parent.span_id, "016x") if parent else None,
            name=span.name,
            start_time_ns=span.start_time or 0,
            end_time_ns=span.end_time or span.start_time or 0,
            attributes=dict(span.attributes or {}),
            status_code=span.status.status_code.name,
            status_message=span.status.description or "",
            kind=span.kind.name,
        )
