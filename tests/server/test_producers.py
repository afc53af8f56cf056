"""The producers step on shapes the real-package tests (tests/interop) do not emit:
OpenInference's non-LLM span kinds, the older token names, Traceloop's flattened prompts.
The attribute sets follow each producer's documented conventions."""

from __future__ import annotations

import json
from typing import Any

from ag2_otel.server.producers import DERIVED, canonical_attributes
from ag2_otel.server.promote import promote
from tests.semconv import content_violations


def _canonical(attributes: dict[str, Any]) -> dict[str, Any]:
    return canonical_attributes(attributes)


def test_our_own_spans_pass_through_untouched() -> None:
    ours = {
        "ag2.span.type": "llm",
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
    }
    assert _canonical(ours) is ours


def test_openinference_tool_agent_and_chain_kinds() -> None:
    tool = _canonical(
        {"openinference.span.kind": "TOOL", "tool.name": "get_weather", "input.value": '{"city": "Paris"}'}
    )
    assert promote(tool).span_type == "tool"
    assert promote(tool).tool == "get_weather"
    assert tool["gen_ai.tool.call.arguments"] == '{"city": "Paris"}'
    agent = _canonical(
        {"openinference.span.kind": "AGENT", "agent.name": "planner", "output.value": "Plan ready."}
    )
    assert (promote(agent).span_type, promote(agent).agent) == ("agent", "planner")
    assert json.loads(agent["gen_ai.output.messages"])[0]["parts"][0]["content"] == "Plan ready."
    assert content_violations(agent) == []
    chain = _canonical({"openinference.span.kind": "CHAIN", "session.id": "s-1"})
    assert promote(chain).span_type == "workflow"
    assert promote(chain).conversation_id == "s-1"
    assert sorted(chain[DERIVED]) == ["gen_ai.conversation.id", "gen_ai.operation.name"]


def test_openinference_llm_tokens_are_counted_once() -> None:
    llm = _canonical(
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o-mini",
            "llm.token_count.prompt": 12,
            "llm.token_count.completion": 3,
            "llm.token_count.total": 15,
        }
    )
    promoted = promote(llm)
    assert (promoted.span_type, promoted.input_tokens, promoted.output_tokens) == ("llm", 12, 3)


def test_older_semconv_token_names_and_traceloop_prompts() -> None:
    old = _canonical(
        {
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "llm.request.type": "chat",
            "gen_ai.usage.prompt_tokens": 7,
            "gen_ai.usage.completion_tokens": 2,
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "Hi?",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.content": "Hello.",
        }
    )
    promoted = promote(old)
    assert (promoted.span_type, promoted.provider) == ("llm", "openai")
    assert (promoted.input_tokens, promoted.output_tokens) == (7, 2)
    assert json.loads(old["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Hi?"}]}
    ]
    assert content_violations(old) == []
