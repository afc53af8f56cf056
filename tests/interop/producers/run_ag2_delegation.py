"""ag2 1.x with TelemetryMiddleware: a coordinator whose tool delegates to another agent
(the weather agent is asked from inside the coordinator's tool call)."""

import asyncio

from _common import BASE_URL, MODEL, exporting, get_weather

with exporting("ag2-delegation-app") as provider:
    from ag2 import Agent
    from ag2.config.openai import OpenAIConfig
    from ag2.middleware.builtin.telemetry import TelemetryMiddleware

    config = OpenAIConfig(model=MODEL, base_url=BASE_URL, api_key="scripted")

    def telemetry(name: str) -> TelemetryMiddleware:
        return TelemetryMiddleware(
            tracer_provider=provider, agent_name=name, provider_name="openai", model_name=MODEL
        )

    weather_agent = Agent(
        "weather_agent",
        prompt="You report the weather.",
        config=config,
        tools=[get_weather],
        middleware=[telemetry("weather_agent")],
    )

    async def ask_weather_agent(city: str) -> str:
        reply = await weather_agent.ask(f"What is the weather in {city}?")
        return str(reply.body)

    ask_weather_agent.__name__ = "get_weather"  # the scripted model calls a tool of this name
    coordinator = Agent(
        "coordinator",
        prompt="You coordinate.",
        config=config,
        tools=[ask_weather_agent],
        middleware=[telemetry("coordinator")],
    )
    asyncio.run(coordinator.ask("What is the weather in Paris?"))
