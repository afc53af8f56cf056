"""CPU cost of `RunningSpanProcessor` per span: `on_start` + `on_end` for spans that end before
they are announced (most LLM and tool calls), measured with `time.process_time`.

    .venv/bin/python -m bench.live_processor
"""

from __future__ import annotations

import time

from opentelemetry.sdk.trace import TracerProvider

from ag2_otel.live.processor import RunningSpanProcessor

SPANS = 100_000


def main() -> None:
    processor = RunningSpanProcessor("http://127.0.0.1:9", delay_s=3600)  # never announces here
    tracer = TracerProvider().get_tracer("bench")
    spans = [tracer.start_span("invoke_agent a", attributes={"ag2.span.type": "agent"}) for _ in range(SPANS)]
    for span in spans:
        span.end()
    started = time.process_time()
    for span in spans:
        processor.on_start(span)  # type: ignore[arg-type]
        processor.on_end(span)  # type: ignore[arg-type]
    cpu_s = time.process_time() - started
    processor.shutdown()
    print(f"on_start + on_end: {cpu_s / SPANS * 1e6:.2f} µs CPU per span ({SPANS:,} spans)")


if __name__ == "__main__":
    main()
