"""Sequential and nested chats, resume, reflection summaries, direct replies:
each one tree under the caller, nothing orphaned."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from ag2_otel import AG2Instrumentor, instrument_agent, instrument_llm_wrapper
from tests.instrumentation.agents import QUESTION
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import assert_one_tree, by_name, children_of, parent_id, shape, the


def _agent(name: str, llm_config: Any, **kwargs: Any) -> Any:
    from autogen import ConversableAgent

    return ConversableAgent(name, llm_config=llm_config, human_input_mode="NEVER", **kwargs)


def _user(name: str = "user_proxy") -> Any:
    from autogen import ConversableAgent

    return ConversableAgent(name, llm_config=False, human_input_mode="NEVER", max_consecutive_auto_reply=0)


def _instrument_all(tracer_provider: TracerProvider) -> AG2Instrumentor:
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    return instrumentor


def test_initiate_chats_is_one_sequence(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user = _user()
    first, second = _agent("first", llm_config), _agent("second", llm_config)
    instrument_llm_wrapper(tracer_provider=tracer_provider)
    for agent in (user, first, second):
        instrument_agent(agent, tracer_provider=tracer_provider)
    results = user.initiate_chats(
        [
            {"recipient": first, "message": QUESTION, "max_turns": 1},
            {"recipient": second, "message": "And the secondary ones?", "max_turns": 1},
        ]
    )
    assert len(results) == 2
    spans = exporter.get_finished_spans()
    root = assert_one_tree(spans)
    assert root.name == "sequential_chats user_proxy"
    assert root.attributes["ag2.sequential_chats.count"] == 2
    assert [c.name for c in children_of(spans, root)] == [
        "conversation user_proxy -> first",
        "conversation user_proxy -> second",
    ]
    chats = by_name(spans, "chat gpt-4o-mini")
    assert root.attributes["ag2.usage.llm_calls"] == len(chats) == 2
    assert root.attributes["ag2.usage.input_tokens"] == sum(
        c.attributes["gen_ai.usage.input_tokens"] for c in chats
    )


async def test_a_initiate_chats_with_prerequisites(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user = _user()
    first, second = _agent("first", llm_config), _agent("second", llm_config)
    instrumentor = _instrument_all(tracer_provider)
    try:
        await user.a_initiate_chats(
            [
                {"chat_id": 1, "recipient": first, "message": "Primary colors?", "max_turns": 1},
                {
                    "chat_id": 2,
                    "prerequisites": [1],
                    "recipient": second,
                    "message": "Secondary?",
                    "max_turns": 1,
                },
            ]
        )
    finally:
        instrumentor.uninstrument()
    spans = exporter.get_finished_spans()
    root = assert_one_tree(spans)
    assert root.name == "sequential_chats user_proxy"
    assert {c.name for c in children_of(spans, root)} == {
        "conversation user_proxy -> first",
        "conversation user_proxy -> second",
    }


def test_nested_chat_sits_under_the_turn_that_triggered_it(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Only the outer agents are instrumented: the nested chat's agents inherit tracing."""
    from autogen import ConversableAgent

    writer = _agent("writer", llm_config, system_message="You write.")
    critic = _agent("critic", llm_config, system_message="You critique.")
    inner_user = ConversableAgent("inner_user", llm_config=False, human_input_mode="NEVER")
    inner_user.register_nested_chats(
        [{"recipient": critic, "message": "Review the draft.", "max_turns": 1, "summary_method": "last_msg"}],
        trigger=writer,
    )
    instrument_llm_wrapper(tracer_provider=tracer_provider)
    instrument_agent(writer, tracer_provider=tracer_provider)
    instrument_agent(inner_user, tracer_provider=tracer_provider)
    writer.initiate_chat(inner_user, message="Write a haiku about coding.", max_turns=1)

    spans = exporter.get_finished_spans()
    root = assert_one_tree(spans)
    assert root.name == "conversation writer -> inner_user"
    turn = the(spans, "invoke_agent inner_user")
    (nested,) = children_of(spans, turn)
    assert nested.name == "conversation inner_user -> critic"
    assert nested.attributes["ag2.conversation.nested"] is True
    critic_turn = the(spans, "invoke_agent critic")
    assert parent_id(critic_turn) == nested.context.span_id
    assert [c.name for c in children_of(spans, critic_turn)] == ["chat gpt-4o-mini"]
    assert len({s.attributes["gen_ai.conversation.id"] for s in spans}) == 1


def test_reflection_summary_is_its_own_step(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user, assistant = _user(), _agent("assistant", llm_config, system_message="Reply.")
    instrument_llm_wrapper(tracer_provider=tracer_provider)
    instrument_agent(user, tracer_provider=tracer_provider)
    instrument_agent(assistant, tracer_provider=tracer_provider)
    user.initiate_chat(
        assistant,
        message=QUESTION,
        max_turns=1,
        summary_method="reflection_with_llm",
        summary_args={"summary_role": "system"},
    )
    spans = exporter.get_finished_spans()
    root = assert_one_tree(spans)
    assert [c.name for c in children_of(spans, root)] == ["invoke_agent assistant", "summary assistant"]
    summary = the(spans, "summary assistant")
    assert summary.attributes["ag2.span.type"] == "summary"
    assert summary.attributes["ag2.summary.method"] == "reflection_with_llm"
    assert [c.name for c in children_of(spans, summary)] == ["chat gpt-4o-mini"]
    assert root.attributes["ag2.usage.llm_calls"] == 2


def test_direct_generate_reply_is_an_agent_turn(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    assistant = _agent("assistant", llm_config, system_message="Reply.")
    instrument_llm_wrapper(tracer_provider=tracer_provider)
    instrument_agent(assistant, tracer_provider=tracer_provider)
    with tracer_provider.get_tracer("test").start_as_current_span("caller"):
        reply = assistant.generate_reply(messages=[{"role": "user", "content": QUESTION}])
    assert "red" in str(reply)
    spans = exporter.get_finished_spans()
    assert shape(spans) == [("caller", [("invoke_agent assistant", [("chat gpt-4o-mini", [])])])]
    # like every traced step, the turn and its LLM call carry one conversation id
    ids = {s.attributes.get("gen_ai.conversation.id") for s in spans if s.name != "caller"}
    assert len(ids) == 1 and None not in ids


def test_resumed_group_chat_records_the_restored_messages(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group.patterns import RoundRobinPattern

    first, second = _agent("first", llm_config), _agent("second", llm_config)
    pattern = RoundRobinPattern(initial_agent=first, agents=[first, second])
    instrumentor = _instrument_all(tracer_provider)
    history = [
        {"role": "user", "content": "Write a haiku about coding."},
        {"role": "assistant", "name": "first", "content": "A first draft."},
    ]
    try:
        initiate_group_chat(pattern=pattern, messages=history, max_rounds=3)
    finally:
        instrumentor.uninstrument()
    spans = exporter.get_finished_spans()
    assert_one_tree(spans)
    workflow = the(spans, "invoke_workflow RoundRobinPattern")
    assert workflow.attributes["ag2.group_chat.resumed_messages"] == 2


def test_group_chat_resumed_from_a_json_string_counts_its_messages(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """AG2 documents `manager.resume(messages=json_string)` (resuming-group-chat.mdx)."""
    from autogen import GroupChat, GroupChatManager

    first, second = _agent("first", llm_config), _agent("second", llm_config)
    groupchat = GroupChat(
        agents=[first, second], messages=[], max_round=3, speaker_selection_method="round_robin"
    )
    manager = GroupChatManager(groupchat=groupchat, llm_config=llm_config)
    history = [
        {"role": "user", "name": "first", "content": "Write a haiku about coding."},
        {"role": "user", "name": "second", "content": "A first draft."},
        {"role": "user", "name": "first", "content": "Make it shorter."},
    ]
    instrumentor = _instrument_all(tracer_provider)
    try:
        last_agent, last_message = manager.resume(messages=json.dumps(history))
        last_agent.initiate_chat(recipient=manager, message=last_message, clear_history=False)
    finally:
        instrumentor.uninstrument()
    workflow = the(exporter.get_finished_spans(), "invoke_workflow GroupChat")
    assert workflow.attributes["ag2.group_chat.resumed_messages"] == 3


def _queue(llm_config: Any) -> tuple[Any, list[dict[str, Any]]]:
    user = _user()
    first, second = _agent("first", llm_config), _agent("second", llm_config)
    return user, [
        {"recipient": first, "message": QUESTION, "max_turns": 1},
        {"recipient": second, "message": "And the secondary ones?", "max_turns": 1},
    ]


def _check_sequence_run(exporter: InMemorySpanExporter) -> None:
    spans = exporter.get_finished_spans()
    root = assert_one_tree(spans)
    assert root.name == "sequential_chats user_proxy"
    chats = children_of(spans, root)
    assert [c.name for c in chats] == [
        "conversation user_proxy -> first",
        "conversation user_proxy -> second",
    ]
    assert root.end_time >= max(c.end_time for c in chats)  # lasts as long as the chats it started
    assert root.attributes["ag2.usage.llm_calls"] == 2


def test_sequential_run_thread_is_one_sequence(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user, queue = _queue(llm_config)
    instrumentor = _instrument_all(tracer_provider)
    try:
        responses = user.sequential_run(queue)
        for response in responses:
            response.process()
        _wait_for(exporter, "sequential_chats user_proxy")
    finally:
        instrumentor.uninstrument()
    _check_sequence_run(exporter)


async def test_a_sequential_run_task_is_one_sequence(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user, queue = _queue(llm_config)
    instrumentor = _instrument_all(tracer_provider)
    try:
        responses = await user.a_sequential_run(queue)
        for response in responses:
            await response.process()
        for _ in range(500):  # the task's done-callback ends the span on a later loop turn
            if by_name(exporter.get_finished_spans(), "sequential_chats user_proxy"):
                break
            await asyncio.sleep(0.01)
    finally:
        instrumentor.uninstrument()
    _check_sequence_run(exporter)


def _wait_for(exporter: InMemorySpanExporter, name: str) -> None:
    """The background work ends its span just after the last chat's events are processed."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not by_name(exporter.get_finished_spans(), name):
        time.sleep(0.01)
