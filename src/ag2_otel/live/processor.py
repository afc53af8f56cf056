"""`RunningSpanProcessor`: tells `ag2-otel serve` about conversation, group, agent, tool and LLM
spans that have started and not yet ended, so the viewer can show them as "running".

Only spans still open after `delay_s` are announced (most LLM and tool calls end before and cost
nothing but two dict operations), then again every `heartbeat_s` with a fresh end time: the
backend replaces the record each time, and the real span replaces it for good. A producer that
dies leaves its last record, whose age tells the viewer the span never finished. The records go
straight to the `ag2-otel serve` endpoint in their own request; other backends never see them.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import Status, StatusCode

from ag2_otel.live import RUNNING_ATTRIBUTE

logger = logging.getLogger(__name__)

SEND_TIMEOUT_S = 2.0
LIVE_SPAN_TYPES = frozenset({"conversation", "group_chat", "sequential_chats", "agent", "tool", "llm"})


class RunningSpanProcessor(SpanProcessor):
    """Send start records of long-running AG2 spans to an `ag2-otel serve` at `endpoint`."""

    def __init__(self, endpoint: str, *, delay_s: float = 0.5, heartbeat_s: float = 5.0) -> None:
        self._endpoint = urlsplit(endpoint)
        self._delay_ns = int(delay_s * 1e9)
        self._heartbeat_ns = int(heartbeat_s * 1e9)
        self._open: dict[int, tuple[Span, int]] = {}  # span id -> (span, when last announced; 0 = never)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ag2-otel-running-spans", daemon=True)
        self._thread.start()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        attributes = span.attributes or {}
        if attributes.get("ag2.span.type") in LIVE_SPAN_TYPES and span.context is not None:
            with self._lock:
                self._open[span.context.span_id] = (span, 0)

    def on_end(self, span: ReadableSpan) -> None:
        if span.context is not None:
            with self._lock:
                self._open.pop(span.context.span_id, None)

    def _run(self) -> None:
        while not self._stop.wait(self._delay_ns / 4e9):
            self.announce()

    def announce(self, now_ns: int | None = None) -> int:
        """Send records for spans open longer than the delay and not announced for a heartbeat."""
        now = now_ns if now_ns is not None else time.time_ns()
        due: list[ReadableSpan] = []
        with self._lock:
            for span_id, (span, announced) in list(self._open.items()):
                started = span.start_time or now
                if now - started >= self._delay_ns and now - announced >= self._heartbeat_ns:
                    record = _start_record(span, now)
                    if record is not None:
                        due.append(record)
                        self._open[span_id] = (span, now)
        if due:
            try:
                self._send(due)
            except Exception as exc:  # a missed record only delays what the viewer shows
                logger.debug("could not send %d running-span records: %s", len(due), exc)
        return len(due)

    def _send(self, records: list[ReadableSpan]) -> None:
        """One OTLP/HTTP request, no retry: the SDK exporter's retry jitter would draw from the
        program's global `random`, and the next heartbeat is the retry."""
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

        body = encode_spans(records).SerializeToString()
        connection = http.client.HTTPConnection(
            self._endpoint.hostname or "127.0.0.1", self._endpoint.port or 80, timeout=SEND_TIMEOUT_S
        )
        try:
            connection.request("POST", "/v1/traces", body, {"Content-Type": "application/x-protobuf"})
            connection.getresponse().read()
        finally:
            connection.close()

    def shutdown(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _start_record(span: Span, now_ns: int) -> ReadableSpan | None:
    """A finished-looking copy of an open span, marked as running, ending now."""
    try:
        attributes: dict[str, Any] = dict(span.attributes or {})
    except RuntimeError:  # being written by its own thread this instant: next round
        return None
    attributes[RUNNING_ATTRIBUTE] = True
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        kind=span.kind,
        status=Status(StatusCode.UNSET),
        start_time=span.start_time,
        end_time=now_ns,
        instrumentation_scope=span.instrumentation_scope,
    )
