"""The AG2 methods we wrap, applied once per process and removable exactly.

Wrapping is class-level (wrapt), so agents created later are covered; whether
a call is traced is decided per call by the registry. Only methods AG2 calls
as `obj.method(...)` are wrapped, never functions AG2 keeps by identity in
reply-function lists.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import wrapt
from opentelemetry.instrumentation.utils import unwrap

from ag2_otel.instrumentation import (
    agent,
    code_execution,
    conversation,
    group_chat,
    handoffs,
    human_input,
    llm,
    remote,
    tool,
)
from ag2_otel.instrumentation._context import install_context_carriers, uninstall_context_carriers

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
    (_GROUP, "GroupChat", "select_speaker", group_chat.wrap_select_speaker),
    (_GROUP, "GroupChat", "a_select_speaker", group_chat.wrap_a_select_speaker),
    (_GROUP, "GroupChat", "_prepare_and_select_agents", group_chat.wrap_prepare_and_select_agents),
    (_GROUP, "GroupChat", "_validate_speaker_name", group_chat.wrap_validate_speaker_name),
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

_applied: list[tuple[type, str]] = []
_lock = threading.Lock()


def is_applied() -> bool:
    return bool(_applied)


def apply_patches() -> None:
    """Wrap every target once; on any failure undo what was wrapped and re-raise."""
    with _lock:
        if _applied:
            return
        try:
            for module_name, class_name, method, wrapper in PATCHES:
                owner = _resolve(module_name, class_name)
                if owner is None or method not in vars(owner):
                    logger.debug("ag2-otel: %s.%s.%s not present; skipped", module_name, class_name, method)
                    continue
                wrapt.wrap_function_wrapper(owner, method, wrapper)
                _applied.append((owner, method))
            install_context_carriers()
        except Exception:
            _remove_all()
            raise


def remove_patches() -> None:
    with _lock:
        _remove_all()


def _remove_all() -> None:
    while _applied:
        owner, method = _applied.pop()
        unwrap(owner, method)
    uninstall_context_carriers()


def _resolve(module_name: str, class_name: str) -> type | None:
    """`Class`, or `Class:field` for the class a pydantic envelope holds in `field`."""
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    name, _, field = class_name.partition(":")
    owner = getattr(module, name, None)
    if field and owner is not None:
        model_fields = getattr(owner, "model_fields", {})
        owner = getattr(model_fields.get(field), "annotation", None)
    return owner if isinstance(owner, type) else None
