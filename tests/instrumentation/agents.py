"""The agents most tests need: a user proxy and an LLM assistant, optionally instrumented."""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import TracerProvider

from ag2_otel import instrument_agent, instrument_llm_wrapper

QUESTION = "What are the three primary colors?"


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
