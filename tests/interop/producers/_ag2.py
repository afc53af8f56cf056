"""ag2 1.x agents traced by its TelemetryMiddleware, on the scripted model (ag2 venv only)."""

from typing import Any

from _common import BASE_URL, MODEL


def traced_agent(name: str, prompt: str, tools: list[Any], provider: Any) -> Any:
    from ag2 import Agent
    from ag2.config.openai import OpenAIConfig
    from ag2.middleware.builtin.telemetry import TelemetryMiddleware

    telemetry = TelemetryMiddleware(
        tracer_provider=provider, agent_name=name, provider_name="openai", model_name=MODEL
    )
    config = OpenAIConfig(model=MODEL, base_url=BASE_URL, api_key="scripted")
    return Agent(name, prompt=prompt, config=config, tools=tools, middleware=[telemetry])
