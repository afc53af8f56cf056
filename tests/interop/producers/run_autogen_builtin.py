"""Classic AG2's built-in tracer (`autogen.opentelemetry`, autogen 0.14): a tool chat."""

from typing import Annotated

from _common import BASE_URL, MODEL, exporting, get_weather

with exporting("autogen-builtin-app") as provider:
    from autogen import AssistantAgent, LLMConfig, UserProxyAgent, register_function
    from autogen.opentelemetry import instrument_agent, instrument_llm_wrapper

    instrument_llm_wrapper(tracer_provider=provider, capture_messages=True)
    config = LLMConfig({"api_type": "openai", "model": MODEL, "base_url": BASE_URL, "api_key": "scripted"})
    assistant = AssistantAgent("weather_agent", system_message="You report the weather.", llm_config=config)
    user = UserProxyAgent(
        "user", human_input_mode="NEVER", code_execution_config=False, max_consecutive_auto_reply=2
    )

    def weather(city: Annotated[str, "city"]) -> str:
        return get_weather(city)

    register_function(
        weather, caller=assistant, executor=user, name="get_weather", description="Current weather."
    )
    instrument_agent(assistant, tracer_provider=provider)
    instrument_agent(user, tracer_provider=provider)
    user.initiate_chat(assistant, message="What is the weather in Paris?", max_turns=2)
