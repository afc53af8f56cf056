"""Run the seed's three scenarios with tracing, against a scripted endpoint
(offline) or a real OpenAI-compatible model, and send the traces to the
console and to the local trace store."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter

from ag2_otel.demo import scenarios
from ag2_otel.demo.brain import demo_reply
from ag2_otel.exporters.console import ConsoleTreeSpanExporter
from ag2_otel.ids import PrivateRandomIdGenerator
from ag2_otel.testing.scripted_endpoint import ScriptedOpenAIServer

CAPTURE_CONTENT = "span_only"
"""The demo records message content: its prompts are fixed, so nothing private is in them."""

SCENARIOS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("two-agent chat", scenarios.two_agent_chat),
    ("tools", scenarios.tool_chat),
    ("AutoPattern group chat", scenarios.group_chat),
)


@dataclass(frozen=True)
class ModelChoice:
    base_url: str | None
    model: str
    api_key: str | None


@contextmanager
def model_endpoint(choice: ModelChoice, out: TextIO) -> Iterator[dict[str, Any]]:
    """Yield the LLMConfig dict: the real model if one was given, else a scripted one."""
    if choice.base_url or choice.api_key:
        config: dict[str, Any] = {"api_type": "openai", "model": choice.model}
        if choice.base_url:
            config["base_url"] = choice.base_url
        config["api_key"] = choice.api_key or os.environ.get("OPENAI_API_KEY", "not-needed")
        out.write(f"model: {choice.model} at {choice.base_url or 'the OpenAI API'} (real model)\n")
        out.write("message content is recorded: the demo's own prompts and the model's replies to them\n")
        yield config
        return
    with ScriptedOpenAIServer(demo_reply) as server:
        out.write(
            f"model: {choice.model} served by a SCRIPTED stand-in at {server.base_url} "
            "(offline; no real LLM; pass --base-url/--model or set OPENAI_API_KEY for a real one)\n"
        )
        out.write(
            "message content is recorded: the prompts are the demo's own and the replies are scripted, "
            "so nothing private is stored (your own apps record content only when you opt in)\n"
        )
        yield {
            "api_type": "openai",
            "model": choice.model,
            "base_url": server.base_url,
            "api_key": "scripted",
        }


def run_demo(choice: ModelChoice, store_exporter: SpanExporter | None, out: TextIO = sys.stdout) -> int:
    from autogen import LLMConfig

    provider = TracerProvider(
        resource=Resource.create({"service.name": "ag2-otel-demo"}), id_generator=PrivateRandomIdGenerator()
    )
    provider.add_span_processor(SimpleSpanProcessor(ConsoleTreeSpanExporter(out=out)))
    if store_exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(store_exporter))
    with model_endpoint(choice, out) as config:
        llm_config = LLMConfig(config)
        for title, scenario in SCENARIOS:
            out.write(f"\n=== {title} ===\n")
            out.flush()
            with _quiet_ag2_console(out):
                scenario(llm_config, provider, capture_content=CAPTURE_CONTENT)
    provider.shutdown()
    return 0


def local_server_listening(endpoint: str) -> bool:
    """True when an `ag2-otel serve` answers at `endpoint` (not merely anything on that port)."""
    from ag2_otel.start.probe import is_ag2_otel_server

    return is_ag2_otel_server(endpoint)


@contextmanager
def _quiet_ag2_console(out: TextIO) -> Iterator[None]:
    """AG2 prints every message; the demo shows trees, so its chatter is hidden."""
    import contextlib
    import io

    if out is not sys.stdout:
        yield
        return
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield
