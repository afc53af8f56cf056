"""OpenLIT (its own SDK setup, pointed at serve through the standard OTLP variables).

Its prices come from a local file: by default OpenLIT downloads them from GitHub."""

import os
from pathlib import Path

import openai
import openlit
from _common import BASE_URL, weather_calls
from opentelemetry import trace

openlit.init(
    otlp_endpoint=os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"],
    application_name="openlit-app",
    disable_metrics=True,
    pricing_json=str(Path(__file__).with_name("openlit_pricing.json")),
)
with trace.get_tracer("app").start_as_current_span("weather app"):
    weather_calls(openai.OpenAI(base_url=BASE_URL, api_key="scripted"))
trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
