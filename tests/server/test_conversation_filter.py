"""`conversation=` on the trace list: the traces of one conversation, in both stores."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.trace import Tracer

from ag2_otel.server.store import QueryError, TraceFilter
from ag2_otel.server.store.queries import list_traces_sql
from ag2_otel.testing.otlp import ag2_request, http_exporter, ingest, send
from tests.server.conftest import ServerProcess, wait_for
from tests.server.stores import store_pair


def test_both_stores_list_the_traces_of_one_conversation(tmp_path: Path) -> None:
    # emit_trace: trace i is conversation conv-{i}; conv-2 sent twice (two asks of one conversation)
    pair = store_pair(tmp_path, [ag2_request(4), ag2_request(1, first=2, shift_ns=10**9)])
    for store in (pair.sqlite(), pair.clickhouse()):
        try:
            found, _ = store.list_traces(TraceFilter(conversation="conv-2"))
            assert [t["conversation_id"] for t in found] == ["conv-2", "conv-2"]
            assert store.list_traces(TraceFilter(conversation="conv-9"))[0] == []
        finally:
            store.close()


def test_the_sqlite_list_reads_the_conversation_index(tmp_path: Path) -> None:
    ingest(tmp_path / "t.db", ag2_request(30))
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("ANALYZE")
    head, order = list_traces_sql(TraceFilter()).split(" ORDER BY ")
    sql = f"{head} WHERE t.conversation_id = ? ORDER BY {order}"
    plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, ("conv-3",)))
    assert "traces_by_conversation" in plan and "TEMP B-TREE" not in plan, plan
    conn.close()
    with pytest.raises(QueryError, match="conversation"):
        TraceFilter(conversation="x" * 1001)


def _ask(tracer: Tracer, history: list[dict[str, str]], reply: str) -> None:
    """One ag2 1.x `ask()`: its own trace, an agent span and an LLM call that resends the
    conversation's history, OpenAI-shaped, with no conversation id (tests/interop runs the
    real ag2 1.x; this is its shape, sent through the real exporter to both stores)."""
    with tracer.start_as_current_span("invoke_agent weather_agent", attributes={"ag2.span.type": "agent"}):
        llm = {
            "ag2.span.type": "llm",
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.input.messages": json.dumps(history),
            "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": reply}]),
        }
        with tracer.start_as_current_span("chat gpt-4o-mini", attributes=llm):
            pass


def test_derived_conversation_ids_filter_the_list_over_both_stores(server: ServerProcess) -> None:
    """ag2 1.x asks carry no conversation id: the id derived from the opening exchange links
    them in the list's `conversation=` filter over SQLite and chDB alike."""
    paris = {"role": "user", "content": "What is the weather in Paris?"}

    def asks(tracer: Tracer) -> None:
        _ask(tracer, [paris], "Sunny.")
        _ask(
            tracer,
            [paris, {"role": "assistant", "content": "Sunny."}, {"role": "user", "content": "Rome?"}],
            "Rain.",
        )
        _ask(tracer, [paris], "Cloudy.")  # another conversation: same question, another reply

    send(http_exporter(server.url), asks, service="derived-conversations")
    listing: list[dict[str, Any]] = []

    def arrived() -> bool:
        nonlocal listing
        listing = server.api("/api/traces", service="derived-conversations").json()["traces"]
        return len(listing) == 3

    wait_for(arrived)
    cloudy, rome, sunny = listing  # newest first
    assert sunny["conversation_id"].startswith("ag2-")
    assert rome["conversation_id"] == sunny["conversation_id"] != cloudy["conversation_id"]
    linked = server.api("/api/traces", conversation=sunny["conversation_id"]).json()["traces"]
    assert [t["trace_id"] for t in linked] == [rome["trace_id"], sunny["trace_id"]]
    alone = server.api("/api/traces", conversation=cloudy["conversation_id"]).json()["traces"]
    assert [t["trace_id"] for t in alone] == [cloudy["trace_id"]]
