"""`invoke_agent {name}` spans around `ConversableAgent.generate_reply` and its
async twin: one span per agent turn, whatever called it (a two-agent chat, a
group chat manager, a nested chat or user code)."""

from __future__ import annotations

from typing import Any

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import AGENT_KEY, agent_facts, agent_name
from ag2_otel.instrumentation._arguments import Parameter, reads
from ag2_otel.instrumentation._registry import Telemetry, registry
from ag2_otel.instrumentation._scopes import current_scope, new_scope
from ag2_otel.instrumentation._spans import Operation, Planned, async_wrapper, is_active, sync_wrapper
from ag2_otel.instrumentation.group_chat import begin_group_chat, finish_group_chat, is_group_manager
from ag2_otel.instrumentation.messages import output_message

_MESSAGES, _SENDER = Parameter("messages"), Parameter("sender")


def _plan(instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    scope = current_scope()
    if scope is not None:
        scope.turns += 1
    telemetry = registry.for_agent(instance)
    marker = ("agent", id(instance))
    if telemetry is None or is_active(marker):
        return None, finish_agent_turn
    if is_group_manager(instance):
        return (lambda: begin_group_chat(telemetry, instance, marker)), finish_group_chat
    return (
        lambda: begin_agent_turn(
            telemetry,
            instance,
            _MESSAGES.of(args, kwargs),
            _SENDER.of(args, kwargs),
            marker,
        )
    ), finish_agent_turn


def begin_agent_turn(
    telemetry: Telemetry, agent: Any, messages: Any, sender: Any, marker: object
) -> Operation:
    """The `invoke_agent {name}` span of one turn (also used for A2A-served turns)."""
    facts = agent_facts(agent)
    name, model = facts.name, facts.model
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_AGENT,
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
        sc.GEN_AI_AGENT_NAME: name,
        **model,
    }
    if sender is not None:
        attributes[sc.AG2_AGENT_SENDER] = agent_name(sender)
    # A turn outside any conversation (a direct `generate_reply`) starts its own, so it and
    # everything beneath carry a `gen_ai.conversation.id` like every other trace.
    scope = new_scope(sc.TYPE_AGENT, owner=agent) if current_scope() is None else None
    # Agents acting inside this turn (nested chats, agents called by tools) are traced too.
    operation = Operation(
        telemetry,
        f"{sc.OP_INVOKE_AGENT} {name}",
        attributes,
        scope=scope,
        active=marker,
        inherit=True,
        values={AGENT_KEY: agent},
    )
    # `model` holds only provider and request model (`AgentFacts.model`): all metric keys.
    operation.duration_metric = (
        telemetry.instruments.agent_duration,
        {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT, sc.GEN_AI_AGENT_NAME: name, **model},
    )
    if telemetry.content is None:  # nothing below is recorded without content capture
        return operation
    if messages is None and sender is not None:
        messages = getattr(agent, "_oai_messages", {}).get(sender)
    if isinstance(messages, list):
        history = messages
        scope = current_scope()
        operation.record_content(
            sc.GEN_AI_INPUT_MESSAGES, lambda p: p.history(scope, ("agent", name), history)
        )
    system_message = getattr(agent, "system_message", None)
    if isinstance(system_message, str) and system_message:
        operation.record_content(sc.GEN_AI_SYSTEM_INSTRUCTIONS, lambda p: p.instructions(system_message))
    return operation


def finish_agent_turn(operation: Operation, reply: Any) -> None:
    if reply is None:
        operation.span.set_attribute(sc.AG2_AGENT_REPLY_EMPTY, True)
    else:
        operation.record_content(sc.GEN_AI_OUTPUT_MESSAGES, lambda p: p.messages([output_message(reply)]))


wrap_generate_reply = reads(_MESSAGES, _SENDER)(sync_wrapper(_plan))
wrap_a_generate_reply = reads(_MESSAGES, _SENDER)(async_wrapper(_plan))
