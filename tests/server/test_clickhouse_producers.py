"""Other producers' spans over a Collector-fed ClickHouse read as SQLite stores them.

The Collector's `clickhouse` exporter writes spans as their producer sent them (OpenInference's
`llm.*`, the older semconv's `gen_ai.system`/`…prompt_tokens`, ag2 1.x's OpenAI-shaped
messages), never through the producers step `ag2-otel serve` runs on ingest: the ClickHouse
reader runs it per span instead. chDB's own writer stores spans already read, and the step
leaves those as they are: both ways, a trace reads as SQLite gives it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opentelemetry.trace import Tracer
from opentelemetry.util.types import Attributes, AttributeValue

from ag2_otel.server.clickhouse.store import open_store
from ag2_otel.server.producers import DERIVED
from ag2_otel.server.store import Store
from ag2_otel.testing.otlp import capture, ingest, request_of
from tests.server.clickhouse_util import load_chdb


def _openinference(tracer: Tracer) -> None:
    """An agent step, its LLM call with a tool call, and the tool (OpenInference names)."""
    span = tracer.start_as_current_span
    agent: Attributes = {"openinference.span.kind": "AGENT", "agent.name": "planner", "session.id": "s-42",
             "input.value": "Weather in Paris?", "output.value": "Sunny, 21 C."}  # fmt: skip
    llm: Attributes = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini-2024-07-18",
        "llm.invocation_parameters": json.dumps({"model": "gpt-4o-mini", "temperature": 0}),
        "llm.provider": "openai",
        "llm.token_count.prompt": 31,
        "llm.token_count.completion": 9,
        "llm.token_count.total": 40,
        "llm.cost.total": 0.0012,
        "llm.input_messages.0.message.role": "system",
        "llm.input_messages.0.message.content": "You plan.",
        "llm.input_messages.1.message.role": "user",
        "llm.input_messages.1.message.content": "Weather in Paris?",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_1",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city": "Paris"}',
        "llm.finish_reason": "tool_calls",
        "llm.tools.0.tool.json_schema": json.dumps(
            {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
        ),
        "session.id": "s-42",
    }
    tool: Attributes = {"openinference.span.kind": "TOOL", "tool.name": "get_weather",
            "input.value": '{"city": "Paris"}', "output.value": "Sunny, 21 C."}  # fmt: skip
    with span("planner", attributes=agent):
        with span("ChatCompletion", attributes=llm):
            pass
        with span("get_weather", attributes=tool):
            pass


def _older_semconv(tracer: Tracer) -> None:
    """Traceloop-style flattened prompts, and content as one event per message."""
    span = tracer.start_as_current_span
    base: dict[str, AttributeValue] = {
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "llm.request.type": "chat",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    }
    flattened: Attributes = {
        **base,
        "gen_ai.usage.prompt_tokens": 7,
        "gen_ai.usage.completion_tokens": 2,
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "Hi?",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "Hello.",
    }
    with span("workflow"):
        with span("openai.chat", attributes=flattened):
            pass
        with span("openai.chat", attributes={**base, "gen_ai.usage.prompt_tokens": 5}) as call:
            call.add_event("gen_ai.system.message", {"content": "Be brief."})
            call.add_event("gen_ai.user.message", {"content": "And again?"})


# An AG2 assistant's LLM call, as both classic AG2 and ag2 1.x describe it
_ASSISTANT_CALL: dict[str, AttributeValue] = {
    "ag2.span.type": "llm",
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.agent.name": "assistant",
}


def _ag2_one(tracer: Tracer) -> None:
    """ag2 1.x: OpenAI-shaped messages, no conversation id (one is derived from them)."""
    call: Attributes = {
        **_ASSISTANT_CALL,
        "gen_ai.usage.input_tokens": 11,
        "gen_ai.usage.output_tokens": 4,
        "gen_ai.input.messages": json.dumps([{"role": "user", "content": "Hello?"}]),
        "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": "Hi there."}]),
        "gen_ai.response.finish_reasons": ["stop"],
    }
    with tracer.start_as_current_span("chat gpt-4o-mini", attributes=call):
        pass


PRODUCERS = {"openinference": _openinference, "older semconv": _older_semconv, "ag2 1.x": _ag2_one}


@pytest.mark.parametrize("collector", [True, False], ids=["collector rows", "chdb writer rows"])
@pytest.mark.parametrize("producer", list(PRODUCERS))
def test_other_producers_traces_read_as_sqlite_gives_them(
    tmp_path: Path, producer: str, collector: bool
) -> None:
    request = request_of(capture(PRODUCERS[producer]))
    ingest(tmp_path / "traces.db", request)
    url = load_chdb(tmp_path / "chdb", request, collector=collector)
    sqlite, clickhouse = Store(tmp_path / "traces.db"), open_store(url)
    try:
        spans = [s for r in request.resource_spans for scope in r.scope_spans for s in scope.spans]
        (trace_id,) = {span.trace_id.hex() for span in spans}
        expected = sqlite.get_trace(trace_id)
        assert expected is not None
        llm_calls = [s for s in expected["spans"] if s["span_type"] == "llm"]
        assert llm_calls and all(DERIVED in s["attributes"] for s in llm_calls)  # the step applies
        assert expected["summary"]["llm_calls"] == len(llm_calls) and expected["summary"]["models"]
        assert clickhouse.get_trace(trace_id) == expected
    finally:
        sqlite.close()
        clickhouse.close()


def _classic_ag2(tracer: Tracer) -> None:
    """Classic AG2's `autogen.opentelemetry`: finish reasons sent as a JSON string."""
    call: Attributes = {
        **_ASSISTANT_CALL,
        "gen_ai.usage.input_tokens": 3,
        "gen_ai.response.finish_reasons": '["stop"]',
    }
    with tracer.start_as_current_span("chat gpt-4o-mini", attributes=call):
        pass


def test_classic_ag2_reads_alike_but_for_what_the_exporter_cannot_tell(tmp_path: Path) -> None:
    """The exporter writes an array and a JSON string alike (`AsString()`), so over Collector
    rows the reasons read as the array SQLite makes of them, but not as derived by ag2-otel."""
    request = request_of(capture(_classic_ag2))
    ingest(tmp_path / "traces.db", request)
    sqlite, clickhouse = (
        Store(tmp_path / "traces.db"),
        open_store(load_chdb(tmp_path / "c", request, collector=True)),
    )
    try:
        (trace_id,) = {
            s.trace_id.hex() for r in request.resource_spans for c in r.scope_spans for s in c.spans
        }
        expected, got = sqlite.get_trace(trace_id), clickhouse.get_trace(trace_id)
        assert expected is not None and got is not None
        (span,) = expected["spans"]
        assert span["attributes"].pop(DERIVED) == ["gen_ai.response.finish_reasons"]
        assert got == expected
    finally:
        sqlite.close()
        clickhouse.close()
