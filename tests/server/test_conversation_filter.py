"""`conversation=` on the trace list: the traces of one conversation, in both stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ag2_otel.server.store import QueryError, TraceFilter
from ag2_otel.server.store.queries import list_traces_sql
from ag2_otel.testing.otlp import ag2_request, ingest
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
