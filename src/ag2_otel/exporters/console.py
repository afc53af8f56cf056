"""`ConsoleTreeSpanExporter`: prints each finished trace as a tree.

Spans arrive child-first and possibly across many export batches; they are
buffered per trace and printed when the trace's local root ends (or at
flush/shutdown for traces whose root never ends here).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TextIO

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ag2_otel.exporters._records import SpanRecord
from ag2_otel.exporters.tree import render_trace

Formatter = Callable[[Sequence[SpanRecord]], str]


class ConsoleTreeSpanExporter(SpanExporter):
    """Print finished traces as indented trees, like the seed notebook draws them."""

    def __init__(
        self,
        out: TextIO = sys.stdout,
        formatter: Formatter = render_trace,
        *,
        max_pending_traces: int = 1000,
    ) -> None:
        if max_pending_traces < 1:
            raise ValueError(f"max_pending_traces must be >= 1, got {max_pending_traces}")
        self._out = out
        self._formatter = formatter
        self._max_pending = max_pending_traces
        self._pending: OrderedDict[str, list[SpanRecord]] = OrderedDict()
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        complete: list[list[SpanRecord]] = []
        with self._lock:
            for span in spans:
                record = SpanRecord.from_readable_span(span)
                self._pending.setdefault(record.trace_id, []).append(record)
                if span.parent is None or span.parent.is_remote:
                    complete.append(self._pending.pop(record.trace_id))
            while len(self._pending) > self._max_pending:
                complete.append(self._pending.popitem(last=False)[1])
        for trace_spans in complete:
            self._write(trace_spans)
        return SpanExportResult.SUCCESS

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        with self._lock:
            leftovers = list(self._pending.values())
            self._pending.clear()
        for trace_spans in leftovers:
            self._write(trace_spans)
        return True

    def shutdown(self) -> None:
        self.force_flush()

    def _write(self, spans: Sequence[SpanRecord]) -> None:
        self._out.write(self._formatter(spans) + "\n")
        self._out.flush()
