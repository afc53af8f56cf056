"""`invoke_agent {name}` spans around `ConversableAgent.generate_reply` and its
async twin: one span per agent turn, whatever called it (a two-agent chat, a
group chat manager, a nested chat or user code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import agent_name, bound_argument, model_attributes
from ag2_otel.instrumentation._context import current_scope
from ag2_otel.instrumentation._registry import Telemetry, registry
from ag2_otel.instrumentation._spans import Finish, Operation, async_wrapper, is_active, sync_wrapper
from ag2_otel.instrumentation.group_chat import begin_group_chat, finish_group_chat, is_group_manager
from ag2_otel.instrumentation.messages import to_semconv_message


def _plan(
    instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Callable[[], Operation | None] | None, Finish]:
    scope = current_scope()
    if scope is not None:
        scope.turns += 1
    telemetry = registry.for_agent(instance)
    marker = ("agent", id(instance))
    if telemetry is None or is_active(marker):
        return None, _finish_agent
    if is_group_manager(instance):
        return (lambda: begin_group_chat(telemetry, instance, marker)), finish_group_chat
    return (lambda: _begin_agent(telemetry, instance, args, kwargs, marker)), _finish_agent


def _begin_agent(
    telemetry: Telemetry, agent: Any, args: tuple[Any, ...], kwargs: dict[str, Any], marker: object
) -> Operation:
    name = agent_name(agent)
    sender = bound_argument(args, kwargs, "sender", 1)
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_AGENT,
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
        sc.GEN_AI_AGENT_NAME: name,
        **model_attributes(agent),
    }
    if sender is not None:
        attributes[sc.AG2_AGENT_SENDER] = agent_name(sender)
    # Agents acting inside this turn (nested chats, agents called by tools) are traced too.
    operation = Operation(telemetry, f"{sc.OP_INVOKE_AGENT} {name}", attributes, active=marker, inherit=True)
    operation.duration_metric = (
        telemetry.instruments.agent_duration,
        {k: v for k, v in attributes.items() if k in _METRIC_KEYS},
    )
    messages = bound_argument(args, kwargs, "messages", 0)
    if messages is None and sender is not None:
        messages = getattr(agent, "_oai_messages", {}).get(sender)
    if isinstance(messages, list):
        history = messages
        scope = current_scope()
        operation.record_content(
            sc.GEN_AI_INPUT_MESSAGES, lambda p: p.history(scope, ("agent", name), history)
        )
    system_message = getattr(agent, "system_message", None)
    if system_message:
        operation.record_content(
            sc.GEN_AI_SYSTEM_INSTRUCTIONS, lambda p: p.text([{"type": "text", "content": system_message}])
        )
    return operation


_METRIC_KEYS = frozenset(
    {sc.GEN_AI_OPERATION_NAME, sc.GEN_AI_AGENT_NAME, sc.GEN_AI_PROVIDER_NAME, sc.GEN_AI_REQUEST_MODEL}
)


def _finish_agent(operation: Operation, reply: Any) -> None:
    if reply is None:
        operation.span.set_attribute(sc.AG2_AGENT_REPLY_EMPTY, True)
    else:
        operation.record_content(
            sc.GEN_AI_OUTPUT_MESSAGES, lambda p: p.messages([to_semconv_message(reply, role="assistant")])
        )


wrap_generate_reply = sync_wrapper(_plan)
wrap_a_generate_reply = async_wrapper(_plan)
