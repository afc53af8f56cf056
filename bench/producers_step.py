"""Cost of the ingest `producers` step (src/ag2_otel/server/producers.py) per span.

Two span shapes: an ag2-otel LLM span with content (the common case: nothing applies)
and an OpenInference LLM span (flattened messages, token counts: everything applies).

    .venv/bin/python bench/producers_step.py
"""

from __future__ import annotations

import json
import timeit

from ag2_otel.server.producers import canonical_attributes

MESSAGES = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "question " * 25}]}])
OURS = {
    "ag2.span.type": "llm",
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.agent.name": "assistant",
    "gen_ai.conversation.id": "c0ffee",
    "gen_ai.usage.input_tokens": 120,
    "gen_ai.usage.output_tokens": 30,
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.input.messages": MESSAGES,
}
OPENINFERENCE = {
    "openinference.span.kind": "LLM",
    "llm.system": "openai",
    "llm.model_name": "gpt-4o-mini-2024-07-18",
    "llm.invocation_parameters": '{"model": "gpt-4o-mini"}',
    "llm.token_count.prompt": 120,
    "llm.token_count.completion": 30,
    "llm.input_messages.0.message.role": "system",
    "llm.input_messages.0.message.content": "You report the weather.",
    "llm.input_messages.1.message.role": "user",
    "llm.input_messages.1.message.content": "question " * 25,
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.content": "answer " * 10,
    "llm.finish_reason": "stop",
}


def per_span_us(attributes: dict[str, object], number: int = 20_000) -> float:
    best = min(timeit.repeat(lambda: canonical_attributes(attributes), number=number, repeat=5))
    return best / number * 1e6


if __name__ == "__main__":
    print(f"ag2-otel span (nothing applies): {per_span_us(OURS):.2f} us/span")
    print(f"OpenInference LLM span (mapped): {per_span_us(OPENINFERENCE, 2_000):.2f} us/span")
