"""opentelemetry-instrumentation-openai-v2 2.1b0: the older GenAI semconv (`gen_ai.system`,
content as `gen_ai.user.message` / `gen_ai.choice` … log events with `…CONTENT=true`)."""

from _common import BASE_URL, exporting, weather_calls

with exporting("openai-v2-legacy-app") as provider:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=provider)
    import openai

    with provider.get_tracer("app").start_as_current_span("weather app"):
        weather_calls(openai.OpenAI(base_url=BASE_URL, api_key="scripted"))
