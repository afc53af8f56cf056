"""Fixtures: a scripted OpenAI-compatible endpoint on 127.0.0.1, real AG2 and the
real `openai` client, an in-memory span exporter and metric reader, and a clean
instrumentation state after every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from ag2_otel import AG2Instrumentor, PrivateRandomIdGenerator
from ag2_otel.demo.brain import demo_reply
from ag2_otel.instrumentation._patches import remove_patches
from ag2_otel.instrumentation._registry import registry
from ag2_otel.testing import ScriptedOpenAIServer
from tests.instrumentation.spans import InMemorySpanExporter
from tests.semconv import semconv_violations


@pytest.fixture(scope="session")
def scripted_server() -> Iterator[ScriptedOpenAIServer]:
    with ScriptedOpenAIServer(demo_reply) as server:
        yield server


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider(id_generator=PrivateRandomIdGenerator())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider
    provider.shutdown()


@pytest.fixture
def metric_reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(metric_reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    provider = MeterProvider(metric_readers=[metric_reader])
    yield provider
    provider.shutdown()


def llm_config_for(base_url: str, model: str = "gpt-4o-mini") -> Any:
    from autogen import LLMConfig

    return LLMConfig({"api_type": "openai", "model": model, "base_url": base_url, "api_key": "scripted"})


@pytest.fixture
def llm_config(scripted_server: ScriptedOpenAIServer) -> Any:
    return llm_config_for(scripted_server.base_url)


@pytest.fixture
def traced(tracer_provider: TracerProvider) -> Iterator[None]:
    """Every agent in the process traced (zero-code), for the duration of a test."""
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    yield
    instrumentor.uninstrument()


@pytest.fixture(autouse=True)
def _clean_instrumentation(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    yield
    remove_patches()
    registry.clear()


@pytest.fixture(autouse=True)
def _spans_are_genai_semconv(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every span any in-memory exporter receives in any test here must be valid GenAI
    semconv (pytest-genai-semconv + the semconv JSON schemas): checked after the test."""
    exported: list[Any] = []
    export = InMemorySpanExporter.export

    def collecting_export(self: InMemorySpanExporter, spans: Any) -> Any:
        exported.extend(spans)
        return export(self, spans)

    monkeypatch.setattr(InMemorySpanExporter, "export", collecting_export)
    yield
    violations = [v for span in exported for v in semconv_violations(span)]
    if violations:
        pytest.fail("spans that are not valid GenAI semconv:\n" + "\n".join(sorted(set(violations))))
