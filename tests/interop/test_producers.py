"""Each real producer's traces, read back through `ag2-otel serve`'s JSON API: LLM calls,
tokens, models and (when the producer captured them) the messages, as semconv that
validates against the GenAI schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ag2_otel.testing import ScriptedOpenAIServer
from ag2_otel.testing.serve import ServerProcess, wait_for
from tests.interop.conftest import one_trace, run_producer
from tests.semconv import content_violations

pytestmark = pytest.mark.slow

# The scripted model's stand-in tokenizer makes these exact for the three weather calls.
WEATHER_TOKENS = (42, 19)
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"


def _llm_spans(trace: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted((s for s in trace["spans"] if s["span_type"] == "llm"), key=lambda s: s["start_time_ns"])


def _messages(span: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = span["attributes"][key]
    parsed: list[dict[str, Any]] = json.loads(value) if isinstance(value, str) else value
    return parsed


def _assert_weather_calls(trace: dict[str, Any]) -> None:
    summary = trace["summary"]
    assert summary["llm_calls"] == 3
    assert (summary["input_tokens"], summary["output_tokens"]) == WEATHER_TOKENS
    assert summary["models"] == [RESPONSE_MODEL]
    first, second, third = _llm_spans(trace)
    for span in (first, second, third):
        assert content_violations(span["attributes"]) == []
    assert _messages(first, "gen_ai.output.messages")[0]["parts"][0] == {
        "type": "tool_call",
        "id": "call_1_0",
        "name": "get_weather",
        "arguments": {"city": "Paris"},
    }
    tool_result = _messages(second, "gen_ai.input.messages")[-1]
    assert tool_result["role"] == "tool"
    assert tool_result["parts"][0]["id"] == "call_1_0"
    assert tool_result["parts"][0]["response"] == "Sunny, 22 C in Paris."
    assert _messages(third, "gen_ai.input.messages")[-1]["parts"][0]["content"] == "Name the primary colors."
    answer = _messages(third, "gen_ai.output.messages")[0]
    assert answer["parts"][0]["content"] == "The three primary colors are red, yellow, and blue."


def test_openinference(serve: ServerProcess, scripted: ScriptedOpenAIServer) -> None:
    run_producer("openinference", serve, scripted)
    trace = one_trace(serve, "openinference-app")
    _assert_weather_calls(trace)
    first = _llm_spans(trace)[0]
    assert first["attributes"]["openinference.span.kind"] == "LLM"  # the producer's own stay
    assert "gen_ai.operation.name" in first["attributes"]["ag2_otel.derived"]
    assert json.loads(first["attributes"]["gen_ai.tool.definitions"])[0]["name"] == "get_weather"


def test_openai_v2_span_content(serve: ServerProcess, scripted: ScriptedOpenAIServer) -> None:
    run_producer("openai_v2", serve, scripted, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="span_only")
    _assert_weather_calls(one_trace(serve, "openai-v2-app"))


def test_openai_v2_event_content_arrives_as_logs(
    serve: ServerProcess, scripted: ScriptedOpenAIServer
) -> None:
    """`event_only`: the content is only in log records, which attach to their spans."""
    run_producer(
        "openai_v2", serve, scripted, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="event_only"
    )
    trace = one_trace(serve, "openai-v2-app")
    _assert_weather_calls(trace)
    first = _llm_spans(trace)[0]
    assert "gen_ai.input.messages" in first["attributes"]["ag2_otel.derived"]


def test_openlit(serve: ServerProcess, scripted: ScriptedOpenAIServer) -> None:
    run_producer("openlit", serve, scripted)
    trace = one_trace(serve, "openlit-app")
    # OpenLIT leaves the assistant's tool-call message out of the next call's input
    # (the tool result follows the user's question directly): the rest reads the same.
    _assert_weather_calls(trace)
    # its own prices (tests/interop/producers/openlit_pricing.json): cost per 1k tokens
    assert trace["summary"]["cost"] == pytest.approx(42 / 1000 * 0.00015 + 19 / 1000 * 0.0006)


def test_classic_ag2_builtin_tracer(serve: ServerProcess, scripted: ScriptedOpenAIServer) -> None:
    run_producer("autogen_builtin", serve, scripted)
    trace = one_trace(serve, "autogen-builtin-app")
    summary = trace["summary"]
    assert summary["llm_calls"] == 2
    assert summary["tool_calls"] == 1
    assert summary["agents"] == ["user", "weather_agent"]
    assert summary["cost"] > 0  # AG2 computes it and its tracer sends `gen_ai.usage.cost`
    llm = _llm_spans(trace)
    # it sends finish reasons as a JSON string; the store reads them as the array semconv says
    assert [s["attributes"]["gen_ai.response.finish_reasons"] for s in llm] == [["tool_calls"], ["stop"]]
    for span in llm:
        assert content_violations({k: v for k, v in span["attributes"].items() if "output" not in k}) == []


def test_ag2_1x_telemetry_middleware(serve: ServerProcess, scripted: ScriptedOpenAIServer) -> None:
    run_producer("ag2_telemetry", serve, scripted)
    listing = serve.api("/api/traces", service="ag2-telemetry-app").json()["traces"]
    assert len(listing) == 2  # each `ask()` is its own trace
    usage = serve.api("/api/usage").json()["rows"]
    # record_usage spans repeat each call's usage: counted once, from the chat spans
    assert sum(r["llm_calls"] for r in usage) == 4
    assert sum(r["input_tokens"] for r in usage) == sum(t["input_tokens"] for t in listing)
    assert {r["agent"] for r in usage} == {"weather_agent"}
    for summary in listing:
        trace = serve.api(f"/api/traces/{summary['trace_id']}").json()
        assert summary["tool_calls"] == 1
        for span in _llm_spans(trace):
            # ag2 1.x sends OpenAI-shaped messages; the store rewrites them as semconv parts
            assert content_violations(span["attributes"]) == []
            assert _messages(span, "gen_ai.output.messages")[0]["finish_reason"] in ("tool_calls", "stop")


def test_older_semconv_openai_v2_with_per_message_log_events(
    serve: ServerProcess, scripted: ScriptedOpenAIServer
) -> None:
    """openai-v2 2.1b0: `gen_ai.system` and one log event per message (`gen_ai.user.message`,
    `gen_ai.tool.message`, `gen_ai.choice`, …) instead of content attributes."""
    run_producer(
        "openai_v2_legacy", serve, scripted, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="true"
    )
    trace = one_trace(serve, "openai-v2-legacy-app")
    _assert_weather_calls(trace)
    first = _llm_spans(trace)[0]
    assert first["attributes"]["gen_ai.system"] == "openai"
    assert first["attributes"]["gen_ai.provider.name"] == "openai"


def test_ag2_1x_asks_of_one_conversation_are_linked(
    serve: ServerProcess, scripted: ScriptedOpenAIServer
) -> None:
    """ag2 1.x puts no conversation id on its spans: the store derives one from the opening
    exchange every LLM call of a conversation resends, so `reply.ask()`'s trace joins the
    first ask's, and a new conversation (its first reply calls the tool with another id)
    does not."""
    run_producer("ag2_conversation", serve, scripted, venv="ag2_telemetry")
    listing: list[dict[str, Any]] = []

    def all_arrived() -> bool:
        nonlocal listing
        listing = serve.api("/api/traces", service="ag2-conversation-app").json()["traces"]
        return len(listing) == 3 and all(t["llm_calls"] == 2 for t in listing)

    wait_for(all_arrived)
    third, second, first = listing  # newest first
    assert first["conversation_id"].startswith("ag2-")
    assert second["conversation_id"] == first["conversation_id"]
    assert third["conversation_id"] not in (None, first["conversation_id"])
    linked = serve.api("/api/traces", conversation=first["conversation_id"]).json()["traces"]
    assert [t["trace_id"] for t in linked] == [second["trace_id"], first["trace_id"]]
