"""opentelemetry-instrumentation-openai-v2 (latest experimental GenAI semconv). Content mode
from `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (`span_only` / `event_only`)."""

import os

os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"

from _common import BASE_URL, exporting, weather_calls

with exporting("openai-v2-app") as provider:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=provider)
    import openai

    with provider.get_tracer("app").start_as_current_span("weather app"):
        weather_calls(openai.OpenAI(base_url=BASE_URL, api_key="scripted"))
