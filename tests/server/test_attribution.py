"""The trace API's derived facts (`ag2_otel.server.attribution`, docs/contracts.md): the
same for both stores, consistent with the trace summary and the stored usage roll-up, and
safe on hostile trees. (What the viewer shows of them: tests/browser/test_attribution.py.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from ag2_otel.server import attribution
from ag2_otel.server.app import create_app
from ag2_otel.server.attribution import attribute_trace
from ag2_otel.server.store import Store
from ag2_otel.testing import viewer_traces as fixtures
from ag2_otel.testing.otlp import ingest, request_of, span_from_dict
from tests.server.stores import StorePair, demo_request, store_pair
from tests.server.storeutil import calls_by


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> StorePair:
    return store_pair(tmp_path_factory.mktemp("attribution"), [demo_request()])


def _traces(pair: StorePair) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    sqlite = pair.sqlite()
    ids = [t["trace_id"] for t in sqlite.list_traces(limit=50)[0]]
    from_sqlite = [found for i in ids if (found := sqlite.get_trace(i))]
    sqlite.close()
    clickhouse = pair.clickhouse()
    from_clickhouse = [found for i in ids if (found := clickhouse.get_trace(i))]
    clickhouse.close()
    return from_sqlite, from_clickhouse


def test_both_stores_derive_the_same_facts(demo: StorePair) -> None:
    from_sqlite, from_clickhouse = _traces(demo)
    assert len(from_sqlite) == 3
    for a, b in zip(from_sqlite, from_clickhouse, strict=True):
        assert a["derived"] == b["derived"]
        assert [s["derived"] for s in a["spans"]] == [s["derived"] for s in b["spans"]]


def test_the_stored_facts_give_what_promoting_the_attributes_gives(demo: StorePair) -> None:
    """The stores attribute from the promoted facts they hold; a document without them
    (an older server's, a report's input) is attributed from its attributes, alike."""
    for trace in _traces(demo)[0] + _traces(demo)[1]:
        bare = {"summary": trace["summary"], "spans": [_without_derived(s) for s in trace["spans"]]}
        assert attribute_trace(bare) == trace


def _without_derived(span: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in span.items() if key != "derived"}


async def test_serving_a_trace_promotes_nothing_again(
    demo: StorePair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`GET /api/traces/{id}` (polled every second by the live view) reads each span's facts
    from the store instead of running `promote()` over its attributes once more."""

    def refused(attributes: Any) -> Any:
        raise AssertionError("promote() ran on a trace read")

    monkeypatch.setattr(attribution, "promote", refused)
    for store in (demo.sqlite(), demo.clickhouse()):
        trace_id = store.list_traces(limit=1)[0][0]["trace_id"]
        transport = httpx.ASGITransport(app=create_app(store, None))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                response = await client.get(f"/api/traces/{trace_id}")
        finally:
            store.close()
        assert response.status_code == 200
        assert response.json()["derived"]["turns"]


def test_roll_ups_agree_with_the_summary_and_the_usage_by_agent(demo: StorePair) -> None:
    """One rule, one answer: the per-model rows add up to the trace summary, and the per-agent
    LLM rows of all traces to the stored usage roll-up by agent (`/api/usage`)."""
    traces, _ = _traces(demo)
    by_agent: Counter[str] = Counter()
    for trace in traces:
        summary, derived = trace["summary"], trace["derived"]
        for field in ("llm_calls", "input_tokens", "output_tokens"):
            assert sum(row[field] for row in derived["models"]) == summary[field]
            assert sum(row[field] for row in derived["turns"]) <= summary[field]
        assert sum(row["cost"] for row in derived["models"]) == pytest.approx(summary["cost"])
        assert derived["turn_type"] == "agent"
        assert {t["agent"] for t in derived["turns"]} <= set(summary["agents"])
        for row in derived["agents"]:
            by_agent[row["agent"] or ""] += row["llm_calls"]
    sqlite = demo.sqlite()
    rolled = Counter(calls_by(sqlite.usage(group_by=("agent",), bucket="day")))
    sqlite.close()
    assert +by_agent == +rolled
    assert sum(by_agent.values()) > 0


def test_an_unnamed_agent_keeps_its_llm_calls(tmp_path: Path) -> None:
    """Fixed rule: an agent span without a name no longer lends its LLM calls to the agent
    named above it (here the conversation's `alice`); the stored usage roll-up and the trace
    API say the same. The other drift cases: each call goes to the agent that owns it."""
    builder = fixtures.drift_trace(1_700_000_000_000_000_000)
    ingest(tmp_path / "traces.db", request_of([span_from_dict(s) for s in builder.spans]))
    store = Store(tmp_path / "traces.db")
    try:
        rolled = calls_by(store.usage(group_by=("agent",), bucket="day"))
        trace = store.get_trace(builder.trace_id)
    finally:
        store.close()
    assert rolled == {"alice": 2, "carol": 1, None: 1, "bob": 1}
    assert trace is not None
    derived = {row["agent"]: row["llm_calls"] for row in trace["derived"]["agents"]}
    assert derived == {"alice": 2, "carol": 1, None: 1, "bob": 1}


def _span(span_id: str, parent: str | None, span_type: str = "other", **extra: Any) -> dict[str, Any]:
    return {
        "span_id": span_id,
        "parent_span_id": parent,
        "name": span_id,
        "start_time_ns": int(extra.pop("start", 0)),
        "end_time_ns": int(extra.pop("end", 10)),
        "status_code": "UNSET",
        "span_type": span_type,
        "agent": extra.pop("agent", None),
        "attributes": extra.pop("attributes", {}),
    }


def test_parent_cycles_and_orphans_are_answered(tmp_path: Path) -> None:
    """A cycle (a <-> b) is no tree: its spans get no turn and no borrowed agent, the walk
    ends, and the rest of the trace is attributed as usual."""
    chat = {"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 5, "ag2.span.type": "llm"}
    spans = [
        _span("a", "b", "agent"),
        _span("b", "a", "llm", attributes=chat),
        _span("root", None, "agent", agent="root_agent"),
        _span("call", "root", "llm", start=1, attributes=chat),
        _span("orphan", "missing", "llm", start=2, attributes=chat),
    ]
    trace = attribute_trace({"summary": {}, "spans": spans})
    facts = {s["span_id"]: s["derived"] for s in trace["spans"]}
    assert facts["a"]["agent"] is None and facts["a"]["turn"] is None
    assert facts["b"]["agent"] is None and facts["b"]["turn"] is None
    assert facts["call"]["agent"] == "root_agent" and facts["call"]["turn"] == 1
    assert facts["orphan"]["agent"] is None and facts["orphan"]["turn"] is None
    assert [t["span_id"] for t in trace["derived"]["turns"]] == ["root"]
    assert trace["derived"]["turns"][0]["input_tokens"] == 5
    assert sum(row["llm_calls"] for row in trace["derived"]["models"]) == 3
