"""Cost of the ingest `producers` step (src/ag2_otel/server/producers.py) per span.

Three span shapes: an ag2-otel LLM span with content (the common case: nothing applies),
an OpenInference LLM span (flattened messages, token counts: everything applies), and an
ag2 1.x LLM span (OpenAI-shaped messages rewritten, conversation id derived), the last
also without the conversation id step, for its share.

    .venv/bin/python -m bench.producers_step
"""

from __future__ import annotations

import json
import timeit

from ag2_otel.server import producers
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


_CALL = {
    "id": "call_1_0",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}
AG2_1X = {
    "ag2.span.type": "llm",
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.usage.input_tokens": 39,
    "gen_ai.usage.output_tokens": 8,
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.input.messages": json.dumps(
        [
            {"content": "What is the weather in Paris?", "role": "user"},
            {"content": None, "role": "assistant", "tool_calls": [_CALL]},
            {"role": "tool", "tool_call_id": "call_1_0", "content": "Sunny, 22 C in Paris."},
            {"content": "Sunny, 22 C in Paris. Enjoy your day!", "role": "assistant"},
            {"content": "And in Rome?", "role": "user"},
        ]
    ),
    "gen_ai.output.messages": json.dumps([{"content": "Sunny, 22 C in Rome.", "role": "assistant"}]),
}


def per_span_us(attributes: dict[str, object], number: int = 20_000) -> float:
    best = min(timeit.repeat(lambda: canonical_attributes(attributes), number=number, repeat=5))
    return best / number * 1e6


if __name__ == "__main__":
    print(f"ag2-otel span (nothing applies): {per_span_us(OURS):.2f} us/span")
    print(f"OpenInference LLM span (mapped): {per_span_us(OPENINFERENCE, 2_000):.2f} us/span")
    print(f"ag2 1.x LLM span (mapped): {per_span_us(AG2_1X, 2_000):.2f} us/span")
    producers._ag2_conversation = lambda attributes, added: None  # type: ignore[assignment]
    print(f"ag2 1.x LLM span without the conversation id: {per_span_us(AG2_1X, 2_000):.2f} us/span")
