"""Group-chat handoffs as `handoff {source} -> {target}` spans.

AG2 builds one transition event for every handoff that fires (LLM-based
`OnCondition`, `OnContextCondition`, after-work conditions, `ReplyResult`
targets), whatever the target (agent, terminate, revert to user, stay, ...).
Observing those constructors records each handoff exactly where it happened,
with the condition that fired, so a reader can follow the routing without
decoding `transfer_to_*` tool calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import agent_name
from ag2_otel.instrumentation._registry import registry
from ag2_otel.instrumentation._safety import telemetry_guard
from ag2_otel.instrumentation._scopes import current_scope

# AG2 transition event class -> (handoff kind, attribute of `Handoffs` listing its conditions)
HANDOFF_EVENTS: dict[str, tuple[str, str | None]] = {
    "OnConditionLLMTransitionEvent": ("llm_condition", "llm_conditions"),
    "OnContextConditionTransitionEvent": ("context_condition", "context_conditions"),
    "AfterWorksTransitionEvent": ("after_work", "after_works"),
    "ReplyResultTransitionEvent": ("reply_result", None),
}
_MAX_CONDITION_CHARS = 256


def wrap_transition_event_init(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    result = wrapped(*args, **kwargs)
    with telemetry_guard("handoff"):
        _record_handoff(instance)
    return result


def _record_handoff(event: Any) -> None:
    source = getattr(event, "source_agent", None)
    target = getattr(event, "transition_target", None)
    telemetry = registry.for_agent(source) if source is not None else None
    if telemetry is None or target is None:
        return
    kind, conditions_attribute = HANDOFF_EVENTS.get(type(event).__name__, ("unknown", None))
    source_name, target_name = agent_name(source), _target_name(target)
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_HANDOFF,
        sc.AG2_HANDOFF_KIND: kind,
        sc.AG2_HANDOFF_SOURCE: source_name,
        sc.AG2_HANDOFF_TARGET: target_name,
        sc.AG2_HANDOFF_TARGET_TYPE: type(target).__name__,
    }
    condition = _condition_that_fired(source, conditions_attribute, target)
    if condition:
        attributes[sc.AG2_HANDOFF_CONDITION] = condition
    scope = current_scope()
    if scope is not None:
        attributes[sc.AG2_CONVERSATION_ID] = scope.conversation_id
    span = telemetry.tracer.start_span(f"handoff {source_name} -> {target_name}", attributes=attributes)
    span.end()
    telemetry.instruments.handoffs.add(
        1, {sc.AG2_HANDOFF_KIND: kind, sc.AG2_HANDOFF_SOURCE: source_name, sc.AG2_HANDOFF_TARGET: target_name}
    )


def _target_name(target: Any) -> str:
    display = getattr(target, "display_name", None)
    if callable(display):
        return str(display())
    return type(target).__name__


def _condition_that_fired(source: Any, conditions_attribute: str | None, target: Any) -> str | None:
    """The text of the source agent's condition whose target is the one taken."""
    if conditions_attribute is None:
        return None
    handoffs = getattr(source, "handoffs", None)
    for candidate in getattr(handoffs, conditions_attribute, None) or []:
        if getattr(candidate, "target", None) != target:
            continue
        condition = getattr(candidate, "condition", None)
        if condition is None:
            return "always"
        text = _condition_text(condition)
        return text[:_MAX_CONDITION_CHARS] if text else type(condition).__name__
    return None


def _condition_text(condition: Any) -> str:
    """`StringLLMCondition.prompt`, `ContextStrLLMCondition.context_str.template`,
    `StringContextCondition.variable_name`, `ExpressionContextCondition.expression.expression`."""
    for attribute in ("prompt", "context_str", "variable_name", "expression"):
        value = getattr(condition, attribute, None)
        if value is None:
            continue
        if isinstance(value, str):
            return value
        inner = getattr(value, "template", None) or getattr(value, "expression", None)
        return str(inner if inner is not None else value)
    return ""
