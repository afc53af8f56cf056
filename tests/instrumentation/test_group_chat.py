"""Group chats: the group-level span, rounds, speaker selection, roll-ups;
`initiate_group_chat`, `run_group_chat` and `a_run_group_chat` each stay one
trace under the caller's span."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from ag2_otel import instrument_llm_wrapper, instrument_pattern
from ag2_otel.demo.scenarios import seed_pattern
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import by_name, is_descendant, one_trace, parent_id, the


def _pattern(llm_config: Any, tracer_provider: TracerProvider) -> Any:
    pattern = seed_pattern(llm_config)
    instrument_llm_wrapper(tracer_provider=tracer_provider)
    instrument_pattern(pattern, tracer_provider=tracer_provider)
    return pattern


def _check_group(exporter: InMemorySpanExporter, caller_span_id: int | None = None) -> None:
    spans = exporter.get_finished_spans()
    one_trace(spans)
    conversation = the(spans, "conversation group_user -> chat_manager")
    if caller_span_id is not None:
        assert conversation.parent is not None and conversation.parent.span_id == caller_span_id
    workflow = the(spans, "invoke_workflow AutoPattern")
    assert parent_id(workflow) == conversation.context.span_id
    attributes = workflow.attributes
    assert attributes["ag2.span.type"] == "group_chat"
    assert attributes["gen_ai.operation.name"] == "invoke_workflow"
    assert attributes["gen_ai.workflow.name"] == "AutoPattern"
    assert attributes["ag2.group_chat.pattern"] == "AutoPattern"
    assert attributes["ag2.group_chat.manager"] == "chat_manager"
    assert attributes["ag2.group_chat.max_rounds"] == 3
    assert attributes["ag2.group_chat.rounds"] == 2

    selections = by_name(spans, "speaker_selection")
    assert len(selections) == 2
    assert all(parent_id(s) == workflow.context.span_id for s in selections)
    first, second = sorted(selections, key=lambda s: s.start_time)
    assert first.attributes["ag2.speaker_selection.selected"] == "planner"
    assert second.attributes["ag2.speaker_selection.selected"] == "executor"
    assert second.attributes["ag2.speaker_selection.method"] == "auto"
    assert set(second.attributes["ag2.speaker_selection.candidates"]) >= {"planner", "executor"}
    assert second.attributes["ag2.speaker_selection.attempts"] == 1
    # the selecting LLM call sits beneath its selection
    selecting_chats = [s for s in by_name(spans, "chat gpt-4o-mini") if is_descendant(spans, s, second)]
    assert len(selecting_chats) == 1

    for speaker in ("planner", "executor"):
        turn = the(spans, f"invoke_agent {speaker}")
        assert parent_id(turn) == workflow.context.span_id
        assert [c.name for c in spans if c.parent and c.parent.span_id == turn.context.span_id] == [
            "chat gpt-4o-mini"
        ]

    chats = by_name(spans, "chat gpt-4o-mini")
    total_in = sum(c.attributes["gen_ai.usage.input_tokens"] for c in chats)
    total_out = sum(c.attributes["gen_ai.usage.output_tokens"] for c in chats)
    for rollup in (conversation, workflow):
        assert rollup.attributes["ag2.usage.input_tokens"] == total_in
        assert rollup.attributes["ag2.usage.output_tokens"] == total_out
        assert rollup.attributes["ag2.usage.llm_calls"] == 3
    # AG2-only steps (speaker selection) carry it as `ag2.conversation.id`: no GenAI operation
    ids = {
        s.attributes.get("gen_ai.conversation.id", s.attributes.get("ag2.conversation.id"))
        for s in spans
        if s.name != "caller"
    }
    assert len(ids) == 1
    assert None not in ids


def test_initiate_group_chat(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from autogen.agentchat import initiate_group_chat

    pattern = _pattern(llm_config, tracer_provider)
    tracer = tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("caller") as caller:
        result, _, last = initiate_group_chat(
            pattern=pattern, messages="Write a haiku about coding.", max_rounds=3
        )
    assert last.name == "executor"
    assert "build turns green" in result.summary
    _check_group(exporter, caller.get_span_context().span_id)


def test_run_group_chat_thread_keeps_the_callers_trace(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from autogen.agentchat import run_group_chat

    pattern = _pattern(llm_config, tracer_provider)
    tracer = tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("caller") as caller:
        response = run_group_chat(pattern=pattern, messages="Write a haiku about coding.", max_rounds=3)
        response.process()
    _check_group(exporter, caller.get_span_context().span_id)


async def test_a_run_group_chat_keeps_the_callers_trace(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from autogen.agentchat import a_run_group_chat

    pattern = _pattern(llm_config, tracer_provider)
    tracer = tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("caller") as caller:
        response = await a_run_group_chat(
            pattern=pattern, messages="Write a haiku about coding.", max_rounds=3
        )
        await response.process()
    _check_group(exporter, caller.get_span_context().span_id)


async def test_a_initiate_group_chat(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from autogen.agentchat import a_initiate_group_chat

    pattern = _pattern(llm_config, tracer_provider)
    await a_initiate_group_chat(pattern=pattern, messages="Write a haiku about coding.", max_rounds=3)
    _check_group(exporter)
