"""`OpenInferenceSpanExporter`: the demo's real spans leave with the OpenInference kind and
input/output Phoenix reads (bench/phoenix_interop.py shows what Phoenix makes of them)."""

from __future__ import annotations

import json
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ag2_otel import instrument_llm_wrapper
from ag2_otel.demo import scenarios
from ag2_otel.exporters.openinference import OpenInferenceSpanExporter, openinference_attributes


def test_the_tool_scenario_gets_kinds_and_input_output(llm_config: Any) -> None:
    inner = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(OpenInferenceSpanExporter(inner)))
    instrument_llm_wrapper(
        tracer_provider=provider, capture_content="span_only"
    )  # as the demo's first scenario does
    scenarios.tool_chat(llm_config, provider, capture_content="span_only")
    provider.get_tracer("app").start_span("not an AG2 span").end()
    provider.shutdown()
    spans: dict[str, list[dict[str, Any]]] = {}
    for span in inner.get_finished_spans():
        spans.setdefault(span.name.split(" ")[0], []).append(dict(span.attributes or {}))
    kinds = {name: {a.get("openinference.span.kind") for a in group} for name, group in spans.items()}
    assert kinds == {
        "conversation": {"CHAIN"},
        "invoke_agent": {"AGENT"},
        "chat": {"LLM"},
        "execute_tool": {"TOOL"},
        "not": {None},
    }
    (tool,) = spans["execute_tool"]
    assert json.loads(tool["input.value"]) == {"city": "Tokyo"}
    assert tool["output.value"] == tool["gen_ai.tool.call.result"]
    for attributes in spans["conversation"] + spans["chat"]:
        assert attributes["input.value"] == attributes["gen_ai.input.messages"]  # the semconv one stays
        assert attributes["input.mime_type"] == "application/json"
    assert spans["not"] == [{}]


def test_a_kind_or_value_already_set_is_kept() -> None:
    attributes = {
        "gen_ai.operation.name": "chat",
        "openinference.span.kind": "LLM",
        "gen_ai.input.messages": "[]",
        "input.value": "as sent",
    }
    assert openinference_attributes(attributes) == {}
    assert openinference_attributes({"ag2.span.type": "speaker_selection"}) == {
        "openinference.span.kind": "CHAIN"
    }
