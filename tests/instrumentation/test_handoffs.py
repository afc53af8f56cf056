"""Handoffs are spans with source, target, kind and the condition that fired."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ag2_otel.testing import Reply, ScriptedOpenAIServer, ToolCall
from tests.instrumentation.conftest import llm_config_for
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import assert_one_tree, by_name


def _call_tool_starting_with(prefix: str, arguments: Mapping[str, Any] | None = None) -> Any:
    """The scripted model calls the first offered tool named `prefix...` once per agent, then talks."""

    def respond(request: Mapping[str, Any]) -> Reply:
        messages = request.get("messages", [])
        tools = [t["function"]["name"] for t in request.get("tools", []) or []]
        wanted = [name for name in tools if name.startswith(prefix)]
        if wanted and not any(m.get("role") == "tool" for m in messages[-2:]):
            return Reply(tool_calls=[ToolCall(wanted[0], dict(arguments or {}))])
        return Reply(content="Done.")

    return respond


def _handoffs(exporter: InMemorySpanExporter) -> list[dict[str, Any]]:
    spans = exporter.get_finished_spans()
    assert_one_tree(spans)
    handoffs = sorted(
        (s for s in spans if s.attributes.get("ag2.span.type") == "handoff"), key=lambda s: s.start_time
    )
    for span in handoffs:
        assert (
            span.name
            == f"handoff {span.attributes['ag2.handoff.source']} -> {span.attributes['ag2.handoff.target']}"
        )
    return [dict(s.attributes) for s in handoffs]


@pytest.mark.usefixtures("traced")
def test_llm_condition_context_condition_and_after_work(exporter: InMemorySpanExporter) -> None:
    from autogen import ConversableAgent
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

    with ScriptedOpenAIServer(_call_tool_starting_with("transfer_")) as server:
        config = llm_config_for(server.base_url)
        alice, bob, carol = (
            ConversableAgent(n, system_message=f"You are {n}.", llm_config=config, human_input_mode="NEVER")
            for n in ("alice", "bob", "carol")
        )
        alice.handoffs.add_llm_condition(
            OnCondition(
                target=AgentTarget(bob), condition=StringLLMCondition(prompt="When a review is needed")
            )
        )
        bob.handoffs.add_context_condition(
            OnContextCondition(
                target=AgentTarget(carol), condition=StringContextCondition(variable_name="ready")
            )
        )
        carol.handoffs.set_after_work(TerminateTarget())
        pattern = DefaultPattern(
            initial_agent=alice,
            agents=[alice, bob, carol],
            context_variables=ContextVariables(data={"ready": True}),
        )
        initiate_group_chat(pattern=pattern, messages="Write a haiku about coding.", max_rounds=10)

    handoffs = _handoffs(exporter)
    kinds = [(h["ag2.handoff.kind"], h["ag2.handoff.source"], h["ag2.handoff.target"]) for h in handoffs]
    assert kinds == [
        ("llm_condition", "alice", "bob"),
        ("context_condition", "bob", "carol"),
        ("after_work", "carol", "Terminate"),
    ]
    assert handoffs[0]["ag2.handoff.condition"] == "When a review is needed"
    assert handoffs[0]["ag2.handoff.target_type"] == "AgentTarget"
    assert handoffs[1]["ag2.handoff.condition"] == "ready"
    assert handoffs[2]["ag2.handoff.condition"] == "always"
    assert handoffs[2]["ag2.handoff.target_type"] == "TerminateTarget"


def route(topic: str) -> Any:
    """Route the request by topic."""
    from autogen.agentchat.group import ReplyResult, RevertToUserTarget

    return ReplyResult(message=f"routed {topic}", target=RevertToUserTarget())


@pytest.mark.usefixtures("traced")
def test_reply_result_target(exporter: InMemorySpanExporter) -> None:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group.patterns import DefaultPattern

    with ScriptedOpenAIServer(_call_tool_starting_with("route", {"topic": "billing"})) as server:
        config = llm_config_for(server.base_url)
        router = ConversableAgent(
            "router", system_message="Route.", llm_config=config, human_input_mode="NEVER", functions=[route]
        )
        user = ConversableAgent("customer", llm_config=False, human_input_mode="NEVER")
        pattern = DefaultPattern(initial_agent=router, agents=[router], user_agent=user)
        initiate_group_chat(pattern=pattern, messages="Help with my bill.", max_rounds=4)

    handoffs = _handoffs(exporter)
    assert handoffs, "expected a ReplyResult handoff"
    first = handoffs[0]
    assert first["ag2.handoff.kind"] == "reply_result"
    assert first["ag2.handoff.source"] == "router"
    assert first["ag2.handoff.target_type"] == "RevertToUserTarget"
    assert len(by_name(exporter.get_finished_spans(), "execute_tool route")) == 1
