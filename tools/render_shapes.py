"""Render the span tree of every AG2 conversation shape, for docs/shapes.md.

Runs each shape with real AG2 against the scripted endpoint and prints the
tree `ConsoleTreeSpanExporter` draws (durations vary run to run).

    .venv/bin/python tools/render_shapes.py > /tmp/shapes.md
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from ag2_otel import AG2Instrumentor, ConsoleTreeSpanExporter
from ag2_otel.demo.brain import demo_reply
from ag2_otel.testing import Reply, ScriptedOpenAIServer, ToolCall


def _config(base_url: str, model: str = "gpt-4o-mini") -> Any:
    from autogen import LLMConfig

    return LLMConfig({"api_type": "openai", "model": model, "base_url": base_url, "api_key": "scripted"})


def _agent(name: str, config: Any, **options: Any) -> Any:
    from autogen import ConversableAgent

    return ConversableAgent(name, llm_config=config, human_input_mode="NEVER", **options)


def sequential_chats(config: Any) -> None:
    user = _agent("user", False, max_consecutive_auto_reply=0)
    first, second = _agent("researcher", config), _agent("writer", config)
    user.initiate_chats(
        [
            {"recipient": first, "message": "What are the three primary colors?", "max_turns": 1},
            {"recipient": second, "message": "Write a line about them.", "max_turns": 1},
        ]
    )


def nested_chat(config: Any) -> None:
    writer = _agent("writer", config, system_message="You write.")
    critic = _agent("critic", config, system_message="You critique.")
    reviewer = _agent("reviewer", False)
    reviewer.register_nested_chats(
        [{"recipient": critic, "message": "Review the draft.", "max_turns": 1, "summary_method": "last_msg"}],
        trigger=writer,
    )
    writer.initiate_chat(reviewer, message="Write a haiku about coding.", max_turns=1)


def reflection_summary(config: Any) -> None:
    user = _agent("user_proxy", False, max_consecutive_auto_reply=0)
    assistant = _agent("assistant", config, system_message="Reply.")
    user.initiate_chat(
        assistant,
        message="What are the three primary colors?",
        max_turns=1,
        summary_method="reflection_with_llm",
    )


def classic_group_chat_auto(config: Any) -> None:
    from autogen import GroupChat, GroupChatManager

    members = [_agent(n, config, system_message=f"You are {n}.") for n in ("alice", "bob", "carol")]
    groupchat = GroupChat(agents=members, messages=[], max_round=3, speaker_selection_method="auto")
    manager = GroupChatManager(groupchat=groupchat, llm_config=config)
    _agent("user", False).initiate_chat(manager, message="Write a haiku about coding.", max_turns=1)


def handoffs(config: Any) -> None:
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group import (
        AgentTarget,
        ContextVariables,
        OnCondition,
        OnContextCondition,
        StringContextCondition,
        StringLLMCondition,
        TerminateTarget,
    )
    from autogen.agentchat.group.patterns import DefaultPattern

    alice, bob, carol = (_agent(n, config, system_message=f"You are {n}.") for n in ("alice", "bob", "carol"))
    alice.handoffs.add_llm_condition(
        OnCondition(target=AgentTarget(bob), condition=StringLLMCondition(prompt="When a review is needed"))
    )
    bob.handoffs.add_context_condition(
        OnContextCondition(target=AgentTarget(carol), condition=StringContextCondition(variable_name="ready"))
    )
    carol.handoffs.set_after_work(TerminateTarget())
    pattern = DefaultPattern(
        initial_agent=alice,
        agents=[alice, bob, carol],
        context_variables=ContextVariables(data={"ready": True}),
    )
    initiate_group_chat(pattern=pattern, messages="Write a haiku about coding.", max_rounds=10)


def _transfer_once(request: Mapping[str, Any]) -> Reply:
    tools = [t["function"]["name"] for t in request.get("tools", []) or []]
    transfers = [name for name in tools if name.startswith("transfer_")]
    if transfers and request["messages"][-1].get("role") != "tool":
        return Reply(tool_calls=[ToolCall(transfers[0], {})])
    return demo_reply(request)


SHAPES: tuple[tuple[str, Callable[[Any], None], Callable[[Mapping[str, Any]], Reply]], ...] = (
    ("Sequential chats (`initiate_chats`)", sequential_chats, demo_reply),
    ("Nested chats (`register_nested_chats`)", nested_chat, demo_reply),
    ('Reflection summary (`summary_method="reflection_with_llm"`)', reflection_summary, demo_reply),
    ("Classic GroupChat, `auto` selection", classic_group_chat_auto, demo_reply),
    ("Handoffs (OnCondition, OnContextCondition, after-work)", handoffs, _transfer_once),
)


def render(title: str, shape: Callable[[Any], None], script: Callable[[Mapping[str, Any]], Reply]) -> str:
    out = io.StringIO()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ConsoleTreeSpanExporter(out=out)))
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        with ScriptedOpenAIServer(script) as server, contextlib.redirect_stdout(io.StringIO()):
            shape(_config(server.base_url))
    finally:
        instrumentor.uninstrument()
    tree = "\n".join(line for line in out.getvalue().splitlines() if not line.startswith("trace "))
    tree = re.sub(r"  cost \$[0-9.]+", "", tree)
    return f"### {title}\n```\n{tree}\n```\n"


def main() -> None:
    for title, shape, script in SHAPES:
        print(render(title, shape, script))


if __name__ == "__main__":
    main()
