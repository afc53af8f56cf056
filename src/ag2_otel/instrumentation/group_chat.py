"""Group chats: the group-level `invoke_workflow` span (the manager's turn that
runs every round), and pattern registration so the manager AG2 creates inside
`initiate_group_chat` is traced. Each round's speaker selection: `speaker_selection.py`.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable
from typing import Any

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import agent_name
from ag2_otel.instrumentation._arguments import Parameter, reads
from ag2_otel.instrumentation._registry import Telemetry, registry
from ag2_otel.instrumentation._safety import telemetry_guard
from ag2_otel.instrumentation._scopes import new_scope, set_usage_rollup
from ag2_otel.instrumentation._spans import Operation

_pattern_names: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_resumed: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_pattern_lock = threading.Lock()
_MESSAGES = Parameter("messages")


def is_group_manager(agent: Any) -> bool:
    groupchat = getattr(type(agent), "groupchat", None)
    return groupchat is not None and hasattr(getattr(agent, "groupchat", None), "agents")


# --- the group-level span ---------------------------------------------------


def begin_group_chat(telemetry: Telemetry, manager: Any, marker: object) -> Operation[dict[str, Any]]:
    """The group's span; its `data` are the attributes of its metrics."""
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
        sc.AG2_SELECTION_METHOD: selection_method(getattr(groupchat, "speaker_selection_method", None)),
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
        telemetry,
        f"{sc.OP_INVOKE_WORKFLOW} {workflow}",
        attributes,
        scope=scope,
        active=marker,
        inherit=True,
        data={sc.GEN_AI_WORKFLOW_NAME: workflow, sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW},
    )
    operation.finish_on_failure = True  # rounds and roll-ups even when a round raised
    operation.duration_metric = (telemetry.instruments.workflow_duration, operation.data)
    return operation


def finish_group_chat(operation: Operation[dict[str, Any]], _: Any) -> None:
    scope = operation.scope
    if scope is None:
        return
    span = operation.span
    span.set_attribute(sc.AG2_GROUP_ROUNDS, scope.turns)
    set_usage_rollup(span, scope)
    instruments = operation.telemetry.instruments
    instruments.group_rounds.record(scope.turns, operation.data)


def selection_method(method: Any) -> str:
    """`ag2.speaker_selection.method`: AG2's name for it, `pattern`, or `custom:{function}`."""
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


@reads(_MESSAGES)
def wrap_resume(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """`resume` only restores messages; the chat that follows records how many."""
    _note_resume(instance, args, kwargs)
    return wrapped(*args, **kwargs)


@reads(_MESSAGES)
async def wrap_a_resume(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    _note_resume(instance, args, kwargs)
    return await wrapped(*args, **kwargs)


def _note_resume(manager: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with telemetry_guard("resume"):
        messages = _MESSAGES.of(args, kwargs)
        if isinstance(messages, str):  # AG2 also takes the history as a JSON string
            messages = json.loads(messages)
        if not isinstance(messages, list):
            return  # AG2 rejects it; nothing was resumed
        count = len(messages)
        with _pattern_lock:
            _resumed[manager] = count
