"""The agents most tests need: a user proxy and an LLM assistant, optionally instrumented."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.trace import TracerProvider

from ag2_otel import instrument_agent, instrument_llm_wrapper
from ag2_otel.testing import Reply, ScriptedOpenAIServer
from tests.instrumentation.conftest import llm_config_for
from tests.instrumentation.trees import leaf

QUESTION = "What are the three primary colors?"
ONE_TURN_TREE = [
    ("conversation user_proxy -> assistant", [("invoke_agent assistant", [leaf("chat gpt-4o-mini")])])
]
"""The trace of `user_and_assistant` asked QUESTION for one turn, as `trees.shape` draws it."""


def user_and_assistant(
    llm_config: Any, tracer_provider: TracerProvider | None = None, *, instrument_user: bool = True
) -> tuple[Any, Any]:
    """`user_proxy` (no LLM, replies never) and `assistant`; instrumented with the LLM
    wrapper when a provider is given."""
    from autogen import ConversableAgent

    assistant = ConversableAgent(
        "assistant", system_message="Reply.", llm_config=llm_config, human_input_mode="NEVER"
    )
    user = ConversableAgent(
        "user_proxy", human_input_mode="NEVER", llm_config=False, max_consecutive_auto_reply=0
    )
    if tracer_provider is not None:
        instrument_llm_wrapper(tracer_provider=tracer_provider)
        instrument_agent(assistant, tracer_provider=tracer_provider)
        if instrument_user:
            instrument_agent(user, tracer_provider=tracer_provider)
    return user, assistant


def scripted_tool_chat(
    tool: Callable[..., Any],
    script: Sequence[Reply],
    message: str,
    tracer_provider: TracerProvider,
    **options: Any,
) -> Any:
    """`tool_user` asks `tool_agent`, which may call `tool`, for two turns, against a scripted
    model; the LLM wrapper and both agents instrumented with `options`. Returns the ChatResult."""
    from autogen import ConversableAgent

    with ScriptedOpenAIServer(list(script)) as server:
        agent = ConversableAgent(
            "tool_agent",
            system_message="Use tools.",
            llm_config=llm_config_for(server.base_url),
            human_input_mode="NEVER",
        )
        user = ConversableAgent(
            "tool_user", human_input_mode="NEVER", llm_config=False, max_consecutive_auto_reply=2
        )
        agent.register_for_llm()(tool)
        user.register_for_execution()(tool)
        instrument_llm_wrapper(tracer_provider=tracer_provider, **options)
        instrument_agent(agent, tracer_provider=tracer_provider, **options)
        instrument_agent(user, tracer_provider=tracer_provider, **options)
        return user.initiate_chat(agent, message=message, max_turns=2)
