"""The tree console exporter: children before parents, traces across batches."""

from __future__ import annotations

import io

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from ag2_otel import ConsoleTreeSpanExporter


def _trace(provider: TracerProvider) -> None:
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("conversation a -> b"):
        with tracer.start_as_current_span("invoke_agent b"), tracer.start_as_current_span("chat m") as chat:
            chat.set_attribute("gen_ai.usage.input_tokens", 12)
            chat.set_attribute("gen_ai.usage.output_tokens", 3)
        with tracer.start_as_current_span("execute_tool t") as tool:
            tool.set_attribute("error.type", "tool_error")
            tool.set_status(Status(StatusCode.ERROR, "boom"))


@pytest.mark.parametrize("batched", [False, True])
def test_prints_one_tree_per_trace(batched: bool) -> None:
    out = io.StringIO()
    provider = TracerProvider()
    exporter = ConsoleTreeSpanExporter(out=out)
    processor = (
        BatchSpanProcessor(exporter, max_export_batch_size=1, schedule_delay_millis=1)
        if batched
        else SimpleSpanProcessor(exporter)
    )
    provider.add_span_processor(processor)
    _trace(provider)
    provider.shutdown()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("trace ") and lines[0].endswith("(4 spans)")
    assert lines[1].startswith("conversation a -> b  ")
    assert lines[2].startswith("├── invoke_agent b  ")
    assert lines[3].startswith("│   └── chat m  ") and "tokens 12/3" in lines[3]
    assert lines[4].startswith("└── execute_tool t  ") and "ERROR tool_error: boom" in lines[4]
    assert len(lines) == 5


def test_rejects_a_bad_buffer_size() -> None:
    with pytest.raises(ValueError, match="max_pending_traces"):
        ConsoleTreeSpanExporter(max_pending_traces=0)
