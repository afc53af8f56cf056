"""The AG2 methods we wrap, applied once per process and removable exactly.

Wrapping is class-level, so agents created later are covered; whether a call
is traced is decided per call by the registry. Only methods AG2 calls as
`obj.method(...)` are wrapped, never functions AG2 keeps by identity in
reply-function lists.

Each wrapped method is replaced by a plain function (not a `wrapt` proxy):
AG2 checks `isinstance(x, Agent)` against runtime-checkable protocols dozens
of times per group chat, and every check reads each protocol method; a plain
function binds several times faster than a wrapt proxy, which showed even in
group chats with nothing traced (figures: docs/performance.md). Wrappers keep wrapt's calling convention,
`wrapper(wrapped, instance, args, kwargs)`, with `wrapped` the bound original.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from opentelemetry import context as otel_context

from ag2_otel.instrumentation import (
    _imports,
    agent,
    code_execution,
    conversation,
    group_chat,
    handoffs,
    human_input,
    llm,
    remote,
    speaker_selection,
    tool,
)
from ag2_otel.instrumentation._arguments import learn_positions
from ag2_otel.instrumentation._carriers import CARRIERS, install_context_carriers, uninstall_context_carriers
from ag2_otel.instrumentation._sampling import QUIET_KEY

logger = logging.getLogger(__name__)

_AGENT = "autogen.agentchat.conversable_agent"
_GROUP = "autogen.agentchat.groupchat"
_TRANSITIONS = "autogen.agentchat.group.events.transition_events"

PATCHES: tuple[tuple[str, str, str, Callable[..., Any]], ...] = (
    ("autogen.oai.client", "OpenAIWrapper", "create", llm.wrap_create),
    ("autogen.oai.client", "OpenAIWrapper", "_update_usage", llm.wrap_update_usage),
    ("autogen.oai.client", "OpenAIClient", "create", llm.wrap_client_create),
    ("openai._base_client", "SyncAPIClient", "_sleep_for_retry", llm.wrap_sleep_for_retry),
    ("openai._base_client", "AsyncAPIClient", "_sleep_for_retry", llm.wrap_async_sleep_for_retry),
    (_AGENT, "ConversableAgent", "initiate_chat", conversation.wrap_initiate_chat),
    (_AGENT, "ConversableAgent", "a_initiate_chat", conversation.wrap_a_initiate_chat),
    (_AGENT, "ConversableAgent", "initiate_chats", conversation.wrap_initiate_chats),
    (_AGENT, "ConversableAgent", "a_initiate_chats", conversation.wrap_a_initiate_chats),
    (_AGENT, "ConversableAgent", "_reflection_with_llm", conversation.wrap_reflection_with_llm),
    (_AGENT, "ConversableAgent", "sequential_run", conversation.wrap_sequential_run),
    (_AGENT, "ConversableAgent", "a_sequential_run", conversation.wrap_a_sequential_run),
    (_AGENT, "ConversableAgent", "generate_reply", agent.wrap_generate_reply),
    (_AGENT, "ConversableAgent", "a_generate_reply", agent.wrap_a_generate_reply),
    (_AGENT, "ConversableAgent", "execute_function", tool.wrap_execute_function),
    (_AGENT, "ConversableAgent", "a_execute_function", tool.wrap_a_execute_function),
    (_GROUP, "GroupChat", "select_speaker", speaker_selection.wrap_select_speaker),
    (_GROUP, "GroupChat", "a_select_speaker", speaker_selection.wrap_a_select_speaker),
    (_GROUP, "GroupChat", "_prepare_and_select_agents", speaker_selection.wrap_prepare_and_select_agents),
    (_GROUP, "GroupChat", "_validate_speaker_name", speaker_selection.wrap_validate_speaker_name),
    (_GROUP, "GroupChatManager", "resume", group_chat.wrap_resume),
    (_GROUP, "GroupChatManager", "a_resume", group_chat.wrap_a_resume),
    (
        "autogen.agentchat.group.patterns.pattern",
        "Pattern",
        "prepare_group_chat",
        group_chat.wrap_prepare_group_chat,
    ),
    *(
        # `@wrap_event` envelopes each event class; `:content` reaches the real one.
        (_TRANSITIONS, f"{event}:content", "__init__", handoffs.wrap_transition_event_init)
        for event in handoffs.HANDOFF_EVENTS
    ),
    # code execution, human input, remote agents (A2A)
    (_AGENT, "ConversableAgent", "execute_code_blocks", code_execution.wrap_execute_code_blocks),
    *(
        (module, executor, "execute_code_blocks", code_execution.wrap_executor_execute_code_blocks)
        for module, executor in code_execution.EXECUTORS
    ),
    (_AGENT, "ConversableAgent", "get_human_input", human_input.wrap_get_human_input),
    (_AGENT, "ConversableAgent", "a_get_human_input", human_input.wrap_a_get_human_input),
    *remote.PATCHES,
)

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]

# Wrappers that run even inside a quiet step (see `_sampling`): they register the agents
# a group chat creates, or carry trace context to another process. Every other wrapper
# hands a call made inside a quiet step straight to AG2.
_EVEN_WHEN_QUIET: frozenset[Callable[..., Any]] = frozenset(
    {
        group_chat.wrap_prepare_group_chat,
        group_chat.wrap_resume,
        group_chat.wrap_a_resume,
        *(wrapper for _, _, _, wrapper in remote.PATCHES),
    }
)

# (owner, method name, original attribute, our replacement)
_applied: list[tuple[type, str, Any, Any]] = []
_patching = threading.Event()
"""Set from `apply_patches` to `remove_patches`, even while no module is imported yet."""
_lock = threading.Lock()


def is_applied() -> bool:
    return _patching.is_set()


def apply_patches() -> None:
    """Wrap every target once, each when its module is imported (now if it already is: we
    never import a module the program does not use). If patching an imported module fails,
    undo what was wrapped and re-raise."""
    with _lock:
        if _patching.is_set():
            return
        _patching.set()
    try:
        for module_name in dict.fromkeys([*(p[0] for p in PATCHES), *CARRIERS]):
            _imports.when_imported(module_name, _patch_module)
    except Exception:
        remove_patches()
        raise


def _patch_module(module: ModuleType) -> None:
    with _lock:
        for module_name, class_name, method, wrapper in PATCHES:
            if module_name != module.__name__:
                continue
            owner = _resolve(module, class_name)
            if owner is None or method not in vars(owner):
                logger.debug("ag2-otel: %s.%s.%s not present; skipped", module_name, class_name, method)
                continue
            original = vars(owner)[method]
            if not inspect.isfunction(original):  # a classmethod, property, ...: not ours to wrap
                logger.debug("ag2-otel: %s.%s is not a plain method; skipped", class_name, method)
                continue
            learn_positions(wrapper, original)
            replacement = _method_calling(wrapper, original, quiet_passes=wrapper not in _EVEN_WHEN_QUIET)
            setattr(owner, method, replacement)
            _applied.append((owner, method, original, replacement))
    install_context_carriers(module)


def remove_patches() -> None:
    _imports.clear()
    with _lock:
        _patching.clear()
        _remove_all()


def _remove_all() -> None:
    while _applied:
        owner, method, original, replacement = _applied.pop()
        if vars(owner).get(method) is replacement:
            setattr(owner, method, original)
        else:  # wrapped again by someone else: theirs stays; ours passes through (registry empty)
            logger.debug("ag2-otel: %s.%s was re-wrapped by another library; left in place", owner, method)
    uninstall_context_carriers()


def _method_calling(wrapper: Wrapper, original: Any, *, quiet_passes: bool) -> Callable[..., Any]:
    """A method that hands each call to `wrapper(bound original, self, args, kwargs)`
    (or, inside a quiet step, when `quiet_passes`, straight to `original`); a coroutine
    function for a coroutine function, with the original's name, docstring and
    signature (`__wrapped__`)."""
    if inspect.iscoroutinefunction(original):

        async def async_method(self: Any, *args: Any, **kwargs: Any) -> Any:
            if quiet_passes and QUIET_KEY in otel_context.get_current():
                return await original(self, *args, **kwargs)
            return await wrapper(original.__get__(self, type(self)), self, args, kwargs)

        return functools.wraps(original)(async_method)

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if quiet_passes and QUIET_KEY in otel_context.get_current():
            return original(self, *args, **kwargs)
        return wrapper(original.__get__(self, type(self)), self, args, kwargs)

    return functools.wraps(original)(method)


def _resolve(module: ModuleType, class_name: str) -> type | None:
    """`Class`, or `Class:field` for the class a pydantic envelope holds in `field`."""
    name, _, field = class_name.partition(":")
    owner = getattr(module, name, None)
    if field and owner is not None:
        model_fields = getattr(owner, "model_fields", {})
        owner = getattr(model_fields.get(field), "annotation", None)
    return owner if isinstance(owner, type) else None
