"""ag2 1.x with its built-in TelemetryMiddleware: one agent with a tool, asked twice."""

import asyncio

from _ag2 import traced_agent
from _common import exporting, get_weather

with exporting("ag2-telemetry-app") as provider:
    weather_agent = traced_agent("weather_agent", "You report the weather.", [get_weather], provider)

    async def main() -> None:
        await weather_agent.ask("What is the weather in Paris?")
        await weather_agent.ask("Name the primary colors.")

    asyncio.run(main())
