"""Group chats: the group-level `invoke_workflow` span (the manager's turn that
runs every round), one `speaker_selection` span per selection, and pattern
registration so the manager AG2 creates inside `initiate_group_chat` is traced.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable
from typing import Any

from opentelemetry import context as otel_context

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import agent_facts, agent_name
from ag2_otel.instrumentation._registry import Telemetry, registry
from ag2_otel.instrumentation._safety import telemetry_guard
from ag2_otel.instrumentation._scopes import new_scope, set_usage_rollup
from ag2_otel.instrumentation._spans import Finish, Operation, async_wrapper, sync_wrapper

_SELECTION_KEY = otel_context.create_key("ag2_otel.speaker_selection")
_pattern_names: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_resumed: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_pattern_lock = threading.Lock()


def is_group_manager(agent: Any) -> bool:
    groupchat = getattr(type(agent), "groupchat", None)
    return groupchat is not None and hasattr(getattr(agent, "groupchat", None), "agents")


# --- the group-level span ---------------------------------------------------


def begin_group_chat(telemetry: Telemetry, manager: Any, marker: object) -> Operation:
    groupchat = manager.groupchat
    with _pattern_lock:
        pattern = _pattern_names.get(manager)
        resumed = _resumed.pop(manager, None)
    workflow = pattern or type(groupchat).__name__
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_GROUP_CHAT,
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
        sc.GEN_AI_WORKFLOW_NAME: workflow,
        sc.AG2_GROUP_MANAGER: agent_name(manager),
        sc.AG2_GROUP_AGENTS: [agent_name(a) for a in getattr(groupchat, "agents", [])],
        sc.AG2_SELECTION_METHOD: _method_name(getattr(groupchat, "speaker_selection_method", None)),
    }
    if pattern:
        attributes[sc.AG2_GROUP_PATTERN] = pattern
    if resumed is not None:
        attributes[sc.AG2_GROUP_RESUMED_MESSAGES] = resumed
    max_round = getattr(groupchat, "max_round", None)
    if isinstance(max_round, int):
        attributes[sc.AG2_GROUP_MAX_ROUNDS] = max_round
    scope = new_scope(sc.TYPE_GROUP_CHAT, owner=manager)
    operation = Operation(
        telemetry, f"{sc.OP_INVOKE_WORKFLOW} {workflow}", attributes, scope=scope, active=marker, inherit=True
    )
    operation.data = {sc.GEN_AI_WORKFLOW_NAME: workflow, sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW}
    operation.finish_on_failure = True  # rounds and roll-ups even when a round raised
    operation.duration_metric = (telemetry.instruments.workflow_duration, operation.data)
    return operation


def finish_group_chat(operation: Operation, _: Any) -> None:
    scope = operation.scope
    if scope is None:
        return
    span = operation.span
    span.set_attribute(sc.AG2_GROUP_ROUNDS, scope.turns)
    set_usage_rollup(span, scope)
    instruments = operation.telemetry.instruments
    instruments.group_rounds.record(scope.turns, operation.data)


# --- speaker selection ------------------------------------------------------


class _Selection:
    """State of one speaker selection, reachable from AG2 code running inside it."""

    __slots__ = ("attempts", "operation")

    def __init__(self) -> None:
        self.operation: Operation | None = None
        self.attempts = 0


def _plan_selection(
    groupchat: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Callable[[], Operation] | None, Finish]:
    last_speaker = kwargs.get("last_speaker", args[0] if args else None)
    selector = kwargs.get("selector", args[1] if len(args) > 1 else None)
    telemetry = registry.for_agent(selector) if selector is not None else None
    if telemetry is None:
        return None, _finish_selection

    def begin() -> Operation:
        facts = agent_facts(selector)
        attributes: dict[str, Any] = {
            sc.AG2_SPAN_TYPE: sc.TYPE_SPEAKER_SELECTION,
            sc.AG2_SELECTION_METHOD: _method_name(getattr(groupchat, "speaker_selection_method", None)),
            sc.AG2_GROUP_MANAGER: facts.name,
            **facts.ag2_model,
        }
        if last_speaker is not None:
            attributes[sc.AG2_SELECTION_LAST_SPEAKER] = agent_name(last_speaker)
        # Agents AG2 creates for this selection (checking_agent, speaker_selection_agent)
        # inherit tracing from the manager: `inherit=True`.
        selection = _Selection()
        operation = Operation(
            telemetry, sc.TYPE_SPEAKER_SELECTION, attributes, inherit=True, values={_SELECTION_KEY: selection}
        )
        selection.operation = operation
        operation.data = selection
        operation.control_flow = _termination_exceptions()
        return operation

    return begin, _finish_selection


def _termination_exceptions() -> tuple[type[BaseException], ...]:
    """AG2 ends a group chat by raising `NoEligibleSpeakerError` from selection."""
    try:
        from autogen.exception_utils import NoEligibleSpeakerError
    except ImportError:
        return ()
    return (NoEligibleSpeakerError,)


def _finish_selection(operation: Operation, selected: Any) -> None:
    selection = operation.data
    span = operation.span
    if selected is not None:
        span.set_attribute(sc.AG2_SELECTION_SELECTED, agent_name(selected))
    if selection.attempts:
        span.set_attribute(sc.AG2_SELECTION_ATTEMPTS, selection.attempts)
        operation.telemetry.instruments.selection_attempts.record(
            selection.attempts, {sc.AG2_SELECTION_METHOD: "auto"}
        )


wrap_select_speaker = sync_wrapper(_plan_selection)
wrap_a_select_speaker = async_wrapper(_plan_selection)


def _current_selection() -> _Selection | None:
    selection = otel_context.get_value(_SELECTION_KEY)
    return selection if isinstance(selection, _Selection) else None


def wrap_prepare_and_select_agents(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Annotate the current selection with its candidates and effective method."""
    result = wrapped(*args, **kwargs)
    selection = _current_selection()
    if selection is not None and selection.operation is not None:
        with telemetry_guard("selection candidates"):
            selected, candidates, llm_messages = result
            span = selection.operation.span
            span.set_attribute(sc.AG2_SELECTION_CANDIDATES, [agent_name(a) for a in candidates or []])
            configured = getattr(instance, "speaker_selection_method", None)
            if llm_messages is not None:
                span.set_attribute(sc.AG2_SELECTION_METHOD, "auto")
            elif callable(configured) and selected is not None:
                span.set_attribute(sc.AG2_SELECTION_METHOD, _method_name(configured))
    return result


def wrap_validate_speaker_name(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Count `auto` selection attempts (the first try plus each re-query)."""
    selection = _current_selection()
    if selection is not None:
        selection.attempts += 1
    return wrapped(*args, **kwargs)


def _method_name(method: Any) -> str:
    if isinstance(method, str):
        return method
    if method is None:
        return "auto"
    name = getattr(method, "__name__", None) or type(method).__name__
    return "pattern" if name == "group_transition" else f"custom:{name}"


# --- patterns ---------------------------------------------------------------


def wrap_prepare_group_chat(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Register the manager (and tool executor) AG2 creates for a pattern."""
    result = wrapped(*args, **kwargs)
    with telemetry_guard("pattern registration"):
        telemetry = registry.for_pattern(instance)
        if telemetry is None and registry.inherited() is None:
            return result  # nothing will trace this chat's manager
        for item in result if isinstance(result, tuple) else ():
            for agent in item if isinstance(item, list) else [item]:
                # a class lookup: `hasattr` on the messages and pydantic models here is slow
                if getattr(type(agent), "generate_reply", None) is None:
                    continue
                if is_group_manager(agent):
                    with _pattern_lock:
                        _pattern_names[agent] = type(instance).__name__
                if telemetry is not None and registry.for_agent(agent) is None:
                    registry.register_agent(agent, telemetry)
    return result


def wrap_resume(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """`resume` only restores messages; the chat that follows records how many."""
    _note_resume(instance, args, kwargs)
    return wrapped(*args, **kwargs)


async def wrap_a_resume(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    _note_resume(instance, args, kwargs)
    return await wrapped(*args, **kwargs)


def _note_resume(manager: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with telemetry_guard("resume"):
        messages = kwargs.get("messages", args[0] if args else None)
        if isinstance(messages, str):  # AG2 also takes the history as a JSON string
            messages = json.loads(messages)
        if not isinstance(messages, list):
            return  # AG2 rejects it; nothing was resumed
        count = len(messages)
        with _pattern_lock:
            _resumed[manager] = count
