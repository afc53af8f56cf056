"""ag2 1.x: one conversation over two asks (`reply.ask()` continues it), then another one."""

import asyncio

from _ag2 import traced_agent
from _common import exporting, get_weather

with exporting("ag2-conversation-app") as provider:
    weather_agent = traced_agent("weather_agent", "You report the weather.", [get_weather], provider)

    async def main() -> None:
        reply = await weather_agent.ask("What is the weather in Paris?")
        await reply.ask("And in Rome?")
        await weather_agent.ask("What is the weather in Paris?")  # a new conversation, same opening

    asyncio.run(main())
