"""`RecentTraces`: the last few finished traces of this process, kept for `ag2_otel.show()`.

`show()` must work whatever the export path (a local viewer, a remote Collector, the console),
so `setup()` keeps finished spans here too. Bounded both ways: the newest `max_traces` traces
and at most `max_spans_per_trace` spans each; holding a reference costs no copy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor


class RecentTraces(SpanProcessor):
    """Keep finished spans of the newest traces; `latest()` is the last trace whose root ended."""

    def __init__(self, *, max_traces: int = 20, max_spans_per_trace: int = 10_000) -> None:
        if max_traces < 1 or max_spans_per_trace < 1:
            raise ValueError("max_traces and max_spans_per_trace must be >= 1")
        self._max_traces = max_traces
        self._max_spans = max_spans_per_trace
        self._traces: OrderedDict[int, list[ReadableSpan]] = OrderedDict()
        self._finished: list[int] = []  # trace ids whose local root ended, oldest first
        self._lock = threading.Lock()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return

    def on_end(self, span: ReadableSpan) -> None:
        context = span.context
        if context is None:
            return
        trace_id = context.trace_id
        with self._lock:
            spans = self._traces.get(trace_id)
            if spans is None:
                spans = self._traces[trace_id] = []
                while len(self._traces) > self._max_traces:
                    dropped, _ = self._traces.popitem(last=False)
                    if dropped in self._finished:
                        self._finished.remove(dropped)
            if len(spans) < self._max_spans:
                spans.append(span)
            if span.parent is None or span.parent.is_remote:
                if trace_id in self._finished:
                    self._finished.remove(trace_id)
                self._finished.append(trace_id)

    def latest(self) -> list[ReadableSpan]:
        """Spans of the newest trace whose local root has ended (empty when none has)."""
        with self._lock:
            return list(self._traces[self._finished[-1]]) if self._finished else []

    def find(self, trace_id_prefix: str) -> list[ReadableSpan]:
        """Spans of the newest kept trace whose hex id starts with `trace_id_prefix`."""
        prefix = trace_id_prefix.strip().lower()
        with self._lock:
            for trace_id in reversed(self._traces):
                if format(trace_id, "032x").startswith(prefix):
                    return list(self._traces[trace_id])
        return []

    def shutdown(self) -> None:
        return

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
