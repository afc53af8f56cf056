"""Each real producer's traces, read back through `ag2-otel serve`'s JSON API: LLM calls,
tokens, models and (when the producer captured them) the messages, as semconv that
validates against the GenAI schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ag2_otel.testing import ScriptedOpenAIServer
from tests.interop.conftest import one_trace, run_producer
from tests.semconv import content_violations
from tests.serve_process import ServerProcess

pytestmark = pytest.mark.slow

# The scripted model's stand-in tokenizer makes these exact for the three weather calls.
WEATHER_TOKENS = (42, 19)
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"


def _llm_spans(trace: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted((s for s in trace["spans"] if s["span_type"] == "llm"), key=lambda s: s["start_time_ns"])


def _messages(span: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = span["attributes"][key]
    return json.loads(value) if isinstance(value, str) else value


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
