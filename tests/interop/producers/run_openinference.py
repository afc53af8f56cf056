"""OpenInference's OpenAI instrumentation (openinference-instrumentation-openai)."""

from _common import BASE_URL, exporting, weather_calls

with exporting("openinference-app") as provider:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=provider)
    import openai

    with provider.get_tracer("app").start_as_current_span("weather app"):
        weather_calls(openai.OpenAI(base_url=BASE_URL, api_key="scripted"))
