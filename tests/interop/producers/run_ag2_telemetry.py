"""ag2 1.x with its built-in TelemetryMiddleware: one agent with a tool, asked twice."""

import asyncio

from _common import BASE_URL, MODEL, exporting, get_weather

with exporting("ag2-telemetry-app") as provider:
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

    async def main() -> None:
        first = await weather_agent.ask("What is the weather in Paris?")
        print(first.body if hasattr(first, "body") else first)
        await weather_agent.ask("Name the primary colors.")

    asyncio.run(main())
