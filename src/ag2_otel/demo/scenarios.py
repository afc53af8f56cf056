"""The seed notebook's scenarios, as functions (its code, import lines aside).

`instrument=False` leaves instrumenting to the caller (e.g. `AG2Instrumentor`);
`capture_content` is passed to the instrument calls (the demo records content: its prompts are
fixed and its model is scripted, so there is nothing private in them).
"""

from __future__ import annotations

from typing import Annotated, Any

from opentelemetry.trace import TracerProvider

from ag2_otel import instrument_agent, instrument_llm_wrapper, instrument_pattern


def make_llm_config(model: str = "gpt-4o-mini") -> Any:
    from autogen import LLMConfig

    return LLMConfig({"api_type": "openai", "model": model})


def two_agent_chat(
    llm_config: Any,
    tracer_provider: TracerProvider,
    *,
    instrument: bool = True,
    capture_content: str | None = None,
) -> Any:
    from autogen import ConversableAgent

    assistant = ConversableAgent(
        "assistant",
        system_message="You are a helpful assistant. Reply concisely in one or two sentences.",
        llm_config=llm_config,
        human_input_mode="NEVER",
    )
    user_proxy = ConversableAgent(
        "user_proxy", human_input_mode="NEVER", llm_config=False, max_consecutive_auto_reply=0
    )
    if instrument:
        instrument_llm_wrapper(tracer_provider=tracer_provider, capture_content=capture_content)
        instrument_agent(assistant, tracer_provider=tracer_provider, capture_content=capture_content)
        instrument_agent(user_proxy, tracer_provider=tracer_provider, capture_content=capture_content)
    return user_proxy.initiate_chat(assistant, message="What are the three primary colors?", max_turns=1)


def get_weather(city: Annotated[str, "The city to get weather for"]) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny, 72F."


def tool_chat(
    llm_config: Any,
    tracer_provider: TracerProvider,
    *,
    instrument: bool = True,
    capture_content: str | None = None,
) -> Any:
    from autogen import ConversableAgent

    tool_agent = ConversableAgent(
        "tool_agent",
        system_message="Use the get_weather tool to answer weather questions. Reply concisely.",
        llm_config=llm_config,
        human_input_mode="NEVER",
    )
    tool_user = ConversableAgent(
        "tool_user", human_input_mode="NEVER", llm_config=False, max_consecutive_auto_reply=2
    )
    tool_agent.register_for_llm()(get_weather)
    tool_user.register_for_execution()(get_weather)
    if instrument:
        instrument_agent(tool_agent, tracer_provider=tracer_provider, capture_content=capture_content)
        instrument_agent(tool_user, tracer_provider=tracer_provider, capture_content=capture_content)
    return tool_user.initiate_chat(tool_agent, message="What's the weather in Tokyo?", max_turns=2)


def seed_pattern(llm_config: Any) -> Any:
    """The seed's AutoPattern: planner and executor, a group user, an LLM-backed manager."""
    from autogen import ConversableAgent
    from autogen.agentchat.group.patterns.auto import AutoPattern

    planner = ConversableAgent(
        "planner",
        system_message="You plan tasks. Be concise and reply in one sentence.",
        llm_config=llm_config,
        human_input_mode="NEVER",
    )
    executor = ConversableAgent(
        "executor",
        system_message="You execute planned tasks. Be concise and reply in one sentence.",
        llm_config=llm_config,
        human_input_mode="NEVER",
    )
    group_user = ConversableAgent("group_user", human_input_mode="NEVER", llm_config=False)
    return AutoPattern(
        initial_agent=planner,
        agents=[planner, executor],
        user_agent=group_user,
        group_manager_args={"llm_config": llm_config},
    )


def group_chat(
    llm_config: Any,
    tracer_provider: TracerProvider,
    *,
    instrument: bool = True,
    capture_content: str | None = None,
) -> Any:
    from autogen.agentchat import initiate_group_chat

    pattern = seed_pattern(llm_config)
    if instrument:
        instrument_pattern(pattern, tracer_provider=tracer_provider, capture_content=capture_content)
    result, _context, _last = initiate_group_chat(
        pattern=pattern, messages="Write a haiku about coding.", max_rounds=3
    )
    return result
