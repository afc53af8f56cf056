"""OpenLIT (its own SDK setup, pointed at serve through the standard OTLP variables)."""

import os

import openai
import openlit
from _common import BASE_URL, weather_calls
from opentelemetry import trace

openlit.init(
    otlp_endpoint=os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"],
    application_name="openlit-app",
    disable_metrics=True,
)
with trace.get_tracer("app").start_as_current_span("weather app"):
    weather_calls(openai.OpenAI(base_url=BASE_URL, api_key="scripted"))
trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
