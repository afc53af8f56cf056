"""Two-agent chats: names, parents, attribute names and types, totals; sync and async twins."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, StatusCode

from ag2_otel.testing import ScriptedOpenAIServer, count_tokens
from tests.instrumentation.agents import ONE_TURN_TREE, QUESTION, user_and_assistant
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import one_trace, shape, the


def _agents(llm_config: Any, tracer_provider: TracerProvider) -> tuple[Any, Any]:
    return user_and_assistant(llm_config, tracer_provider)


def _check_two_agent(exporter: InMemorySpanExporter, server: ScriptedOpenAIServer, result: Any) -> None:
    spans = exporter.get_finished_spans()
    assert shape(spans) == ONE_TURN_TREE
    one_trace(spans)
    conversation = the(spans, "conversation user_proxy -> assistant")
    agent = the(spans, "invoke_agent assistant")
    chat = the(spans, "chat gpt-4o-mini")

    assert chat.kind is SpanKind.CLIENT
    assert agent.kind is SpanKind.INTERNAL
    assert {s.attributes["ag2.span.type"] for s in spans} == {"conversation", "agent", "llm"}
    assert conversation.attributes["gen_ai.operation.name"] == "invoke_workflow"
    assert agent.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert agent.attributes["gen_ai.agent.name"] == "assistant"
    assert chat.attributes["gen_ai.operation.name"] == "chat"
    assert chat.attributes["gen_ai.provider.name"] == "openai"
    assert chat.attributes["gen_ai.request.model"] == "gpt-4o-mini"
    assert chat.attributes["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert chat.attributes["gen_ai.response.id"].startswith("chatcmpl-scripted-")
    assert chat.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert chat.attributes["server.address"] == "127.0.0.1"
    assert isinstance(chat.attributes["server.port"], int)
    assert chat.attributes["gen_ai.agent.name"] == "assistant"

    request = server.requests[-1]
    expected_in = count_tokens(request["messages"])
    assert chat.attributes["gen_ai.usage.input_tokens"] == expected_in
    assert isinstance(chat.attributes["gen_ai.usage.output_tokens"], int)
    assert isinstance(chat.attributes["ag2.usage.cost"], float)
    assert "gen_ai.usage.cost" not in chat.attributes

    # one conversation id on every span; roll-ups equal the LLM call
    conversation_ids = {s.attributes["gen_ai.conversation.id"] for s in spans}
    assert len(conversation_ids) == 1
    assert conversation.attributes["ag2.usage.input_tokens"] == expected_in
    assert conversation.attributes["ag2.usage.output_tokens"] == chat.attributes["gen_ai.usage.output_tokens"]
    assert conversation.attributes["ag2.usage.llm_calls"] == 1
    assert conversation.attributes["ag2.conversation.turns"] == 1
    assert "gen_ai.usage.input_tokens" not in conversation.attributes  # never double counted
    assert all(s.status.status_code is StatusCode.UNSET for s in spans)
    assert result.summary == "The three primary colors are red, yellow, and blue."


def test_two_agent_chat(
    llm_config: Any,
    tracer_provider: TracerProvider,
    exporter: InMemorySpanExporter,
    scripted_server: ScriptedOpenAIServer,
) -> None:
    user_proxy, assistant = _agents(llm_config, tracer_provider)
    result = user_proxy.initiate_chat(assistant, message=QUESTION, max_turns=1)
    _check_two_agent(exporter, scripted_server, result)


async def test_two_agent_chat_async(
    llm_config: Any,
    tracer_provider: TracerProvider,
    exporter: InMemorySpanExporter,
    scripted_server: ScriptedOpenAIServer,
) -> None:
    user_proxy, assistant = _agents(llm_config, tracer_provider)
    result = await user_proxy.a_initiate_chat(assistant, message=QUESTION, max_turns=1)
    _check_two_agent(exporter, scripted_server, result)
    assert the(exporter.get_finished_spans(), "conversation user_proxy -> assistant").attributes[
        "ag2.conversation.async"
    ]


def test_same_chat_three_times_gives_the_same_totals(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user_proxy, assistant = _agents(llm_config, tracer_provider)
    totals = []
    for _ in range(3):
        exporter.clear()
        user_proxy.initiate_chat(assistant, message=QUESTION, max_turns=1)
        conversation = the(exporter.get_finished_spans(), "conversation user_proxy -> assistant")
        totals.append(
            (
                conversation.attributes["ag2.usage.input_tokens"],
                conversation.attributes["ag2.usage.output_tokens"],
            )
        )
    assert totals[0] == totals[1] == totals[2]


def test_chat_result_is_not_mutated(llm_config: Any, tracer_provider: TracerProvider) -> None:
    def run(instrumented: bool) -> tuple[Any, Any]:
        user, assistant = user_and_assistant(llm_config, tracer_provider if instrumented else None)
        result = user.initiate_chat(assistant, message=QUESTION, max_turns=1)
        return result, result.cost

    plain, plain_cost = run(False)
    traced, traced_cost = run(True)
    assert traced.chat_history == plain.chat_history
    assert traced.summary == plain.summary
    assert set(traced_cost) == set(plain_cost)
    assert "total_cost" in traced_cost["usage_including_cached_inference"]


@pytest.mark.parametrize("keyword", [True, False])
def test_recipient_by_keyword_or_position(
    keyword: bool, llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user_proxy, assistant = _agents(llm_config, tracer_provider)
    if keyword:
        user_proxy.initiate_chat(recipient=assistant, message=QUESTION, max_turns=1)
    else:
        user_proxy.initiate_chat(assistant, True, False, None, 1, message=QUESTION)
    conversation = the(exporter.get_finished_spans(), "conversation user_proxy -> assistant")
    assert conversation.attributes["gen_ai.request.model"] == "gpt-4o-mini"
    assert conversation.attributes["gen_ai.provider.name"] == "openai"
    assert conversation.attributes["ag2.conversation.max_turns"] == 1


def test_only_one_side_instrumented_is_still_one_trace(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user, assistant = user_and_assistant(llm_config, tracer_provider, instrument_user=False)
    user.initiate_chat(assistant, message=QUESTION, max_turns=1)
    spans = exporter.get_finished_spans()
    one_trace(spans)
    assert shape(spans) == ONE_TURN_TREE


def test_concurrent_async_chats_never_mix(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    pairs = [_agents(llm_config, tracer_provider) for _ in range(4)]

    async def main() -> None:
        await asyncio.gather(*(u.a_initiate_chat(a, message=QUESTION, max_turns=1) for u, a in pairs))

    asyncio.run(main())
    spans = exporter.get_finished_spans()
    roots = [s for s in spans if s.parent is None]
    assert len(roots) == 4
    for root in roots:
        members = [s for s in spans if s.context.trace_id == root.context.trace_id]
        assert shape(members) == ONE_TURN_TREE
