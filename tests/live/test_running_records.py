"""Start records in the store: replaced by a newer record or the real span, never the reverse;
and `RunningSpanProcessor` announces only spans still open after its delay."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.trace import SpanContext, TraceFlags
from opentelemetry.util.types import AttributeValue

from ag2_otel.live import RUNNING_ATTRIBUTE
from ag2_otel.live.processor import RunningSpanProcessor
from ag2_otel.server.normalize import normalize
from ag2_otel.server.store.ingest import SharedJson, write_batch
from ag2_otel.server.store.migrations import migrate
from ag2_otel.server.store.queries import get_trace

TRACE_ID, SPAN_ID = 0xABC, 0x123


def _span(end_ns: int, *, running: bool) -> ReadableSpan:
    attributes: dict[str, AttributeValue] = {
        "ag2.span.type": "agent",
        **({RUNNING_ATTRIBUTE: True} if running else {}),
    }
    context = SpanContext(TRACE_ID, SPAN_ID, is_remote=False, trace_flags=TraceFlags(1))
    return ReadableSpan(
        "invoke_agent planner", context, attributes=attributes, start_time=1_000, end_time=end_ns
    )


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    migrate(connection)
    yield connection
    connection.close()


def _store(conn: sqlite3.Connection, *spans: ReadableSpan) -> list[tuple[int, bool]]:
    shared = SharedJson()
    for span in spans:
        write_batch(conn, normalize(encode_spans([span])).rows, shared)
    trace = get_trace(conn, format(TRACE_ID, "032x"))
    assert trace is not None
    return [(s["end_time_ns"], bool(s["attributes"].get(RUNNING_ATTRIBUTE))) for s in trace["spans"]]


def test_a_newer_record_then_the_real_span_replace_the_record(conn: sqlite3.Connection) -> None:
    assert _store(conn, _span(2_000, running=True)) == [(2_000, True)]
    assert _store(conn, _span(3_000, running=True)) == [(3_000, True)]  # heartbeat moves the end
    assert _store(conn, _span(5_000, running=False)) == [(5_000, False)]


def test_a_late_record_never_replaces_the_real_span(conn: sqlite3.Connection) -> None:
    assert _store(conn, _span(5_000, running=False), _span(9_000, running=True)) == [(5_000, False)]


def test_only_spans_still_open_after_the_delay_are_announced() -> None:
    processor = RunningSpanProcessor("http://127.0.0.1:9", delay_s=30, heartbeat_s=60)  # thread idles
    tracer = TracerProvider().get_tracer("test")
    try:
        quick = tracer.start_span("chat quick", attributes={"ag2.span.type": "llm"})
        processor.on_start(quick)  # type: ignore[arg-type]
        long = tracer.start_span("invoke_agent planner", attributes={"ag2.span.type": "agent"})
        processor.on_start(long)  # type: ignore[arg-type]
        other = tracer.start_span("my own span")
        processor.on_start(other)  # type: ignore[arg-type]
        quick.end()
        processor.on_end(quick)  # type: ignore[arg-type]
        now = time.time_ns()
        assert processor.announce(now) == 0  # nothing open for 30 s yet
        assert processor.announce(now + 31 * 10**9) == 1  # only the agent span (the LLM call ended)
        assert processor.announce(now + 40 * 10**9) == 0  # announced: next one after a heartbeat
        assert processor.announce(now + 92 * 10**9) == 1
        long.end()
        processor.on_end(long)  # type: ignore[arg-type]
        assert processor.announce(now + 200 * 10**9) == 0
    finally:
        processor.shutdown()
