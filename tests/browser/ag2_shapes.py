"""Real AG2 conversations of several shapes, sent to a real `ag2-otel serve` over OTLP/HTTP.

Run as `python -m tests.browser.ag2_shapes URL` in a child process (its own working
directory: the nested chat's code executor writes there), so AG2's patches never touch the
browser tests' process. Shapes: the demo's two-agent chat, tool chat and group chat
(`ag2_otel.demo`), and AG2's nested-chat example (tests/instrumentation/programs). The
model is the scripted one on 127.0.0.1.
"""

from __future__ import annotations

import io
import sys

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor


def send_all(base_url: str) -> None:
    from ag2_otel import AG2Instrumentor
    from ag2_otel.demo.runner import ModelChoice, run_demo
    from ag2_otel.testing import ScriptedModel, ScriptedOpenAIServer
    from tests.instrumentation.programs import nested_chat

    endpoint = f"{base_url}/v1/traces"
    run_demo(
        ModelChoice(base_url=None, model="gpt-4o-mini", api_key=None),
        OTLPSpanExporter(endpoint),
        io.StringIO(),
    )
    provider = TracerProvider(resource=Resource.create({"service.name": "nested-chat"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint)))
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=provider, capture_content=True)
    try:
        with ScriptedOpenAIServer(ScriptedModel()) as server:
            config = {
                "api_type": "openai",
                "model": "gpt-4o-mini",
                "base_url": server.base_url,
                "api_key": "x",
            }
            nested_chat.main({"config_list": [config]})
    finally:
        instrumentor.uninstrument()
        provider.shutdown()


if __name__ == "__main__":
    send_all(sys.argv[1])
