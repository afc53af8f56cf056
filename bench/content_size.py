"""Message-content bytes per conversation: ag2-otel vs AG2's built-in tracer.

Runs an N-turn two-agent chat (both agents backed by the scripted endpoint,
short replies) with content capture on, and sums the bytes of
`gen_ai.input.messages` + `gen_ai.output.messages` over every span. Each
tracer runs in its own subprocess (AG2's built-in tracer cannot be undone).

    .venv/bin/python -m bench.content_size            # prints a Markdown table
"""

from __future__ import annotations

import json
import subprocess
import sys

TURNS = (1, 10, 20, 40)
MESSAGE_KEYS = ("gen_ai.input.messages", "gen_ai.output.messages")

_CHILD = r"""
import json, sys
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from autogen import ConversableAgent, LLMConfig
from ag2_otel.testing import ScriptedOpenAIServer

tracer, turns = sys.argv[1], int(sys.argv[2])
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
with ScriptedOpenAIServer(["A short reply of about ten words, as chats often have."]) as server:
    config = LLMConfig(
        {"api_type": "openai", "model": "gpt-4o-mini", "base_url": server.base_url, "api_key": "x"}
    )
    options = dict(system_message="Talk briefly.", llm_config=config, human_input_mode="NEVER")
    left = ConversableAgent("left", **options)
    right = ConversableAgent("right", **options)
    if tracer == "ag2-otel":
        from ag2_otel import instrument_agent, instrument_llm_wrapper
        instrument_llm_wrapper(tracer_provider=provider, capture_content="span_only")
        for agent in (left, right):
            instrument_agent(agent, tracer_provider=provider, capture_content="span_only")
    else:
        from autogen.opentelemetry import instrument_agent, instrument_llm_wrapper
        instrument_llm_wrapper(tracer_provider=provider, capture_messages=True)
        for agent in (left, right):
            instrument_agent(agent, tracer_provider=provider)
    left.initiate_chat(right, message="Hello, shall we talk?", max_turns=turns, silent=True)
total = sum(
    len(str(value).encode())
    for span in exporter.get_finished_spans()
    for key, value in (span.attributes or {}).items()
    if key in ("gen_ai.input.messages", "gen_ai.output.messages")
)
print(json.dumps({"bytes": total, "spans": len(exporter.get_finished_spans())}))
"""


def measure(tracer: str, turns: int) -> dict[str, int]:
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, tracer, str(turns)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    result: dict[str, int] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    print("| turns | AG2 built-in: message bytes | ag2-otel: message bytes | ag2-otel / built-in |")
    print("|---:|---:|---:|---:|")
    for turns in TURNS:
        builtin = measure("builtin", turns)["bytes"]
        ours = measure("ag2-otel", turns)["bytes"]
        ratio = ours / builtin if builtin else float("nan")
        print(f"| {turns} | {builtin:,} | {ours:,} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
