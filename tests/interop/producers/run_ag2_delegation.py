"""ag2 1.x with TelemetryMiddleware: a coordinator whose tool delegates to another agent
(the weather agent is asked from inside the coordinator's tool call)."""

import asyncio

from _ag2 import traced_agent
from _common import exporting, get_weather

with exporting("ag2-delegation-app") as provider:
    weather_agent = traced_agent("weather_agent", "You report the weather.", [get_weather], provider)

    async def ask_weather_agent(city: str) -> str:
        reply = await weather_agent.ask(f"What is the weather in {city}?")
        return str(reply.body)

    ask_weather_agent.__name__ = "get_weather"  # the scripted model calls a tool of this name
    coordinator = traced_agent("coordinator", "You coordinate.", [ask_weather_agent], provider)
    asyncio.run(coordinator.ask("What is the weather in Paris?"))
