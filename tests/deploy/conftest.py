"""Fixtures: the deploy/ config files, parsed, and the telemetry a real instrumented
AG2 run emits (scripted OpenAI-compatible endpoint on 127.0.0.1, in-memory readers)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pytest
import yaml

from ag2_otel.demo.brain import demo_reply
from ag2_otel.testing import ScriptedOpenAIServer
from tests.deploy.grafana_env import provisioned

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose"


def load_yaml(path: Path) -> dict[str, Any]:
    return _mapping(path, yaml.safe_load(path.read_text(encoding="utf-8")))


def load_json(path: Path) -> dict[str, Any]:
    return _mapping(path, json.loads(path.read_text(encoding="utf-8")))


def _mapping(path: Path, loaded: object) -> dict[str, Any]:
    """Every config file here is a mapping at the top."""
    assert isinstance(loaded, dict), f"{path}: not a mapping"
    return loaded


def deep_merge(base: Any, override: Any) -> Any:
    """How both the collector (several --config) and compose (-f a -f b) merge maps."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE / "compose.yaml")


@pytest.fixture(scope="session")
def compose_ag2_otel() -> dict[str, Any]:
    return load_yaml(COMPOSE / "compose.ag2-otel.yaml")


@pytest.fixture(scope="session")
def collector() -> dict[str, Any]:
    return load_yaml(COMPOSE / "otelcol" / "config.yaml")


@pytest.fixture(scope="session")
def collector_with_ag2_otel(collector: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = deep_merge(collector, load_yaml(COMPOSE / "otelcol" / "ag2-otel.yaml"))
    return merged


@pytest.fixture(scope="session")
def compose_clickhouse() -> dict[str, Any]:
    return load_yaml(COMPOSE / "compose.clickhouse.yaml")


@pytest.fixture(scope="session")
def collector_with_clickhouse(collector: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = deep_merge(collector, load_yaml(COMPOSE / "otelcol" / "clickhouse.yaml"))
    return merged


@pytest.fixture(scope="session")
def tempo() -> dict[str, Any]:
    return load_yaml(COMPOSE / "tempo" / "tempo.yaml")


@pytest.fixture(scope="session")
def prometheus() -> dict[str, Any]:
    return load_yaml(COMPOSE / "prometheus" / "prometheus.yml")


@pytest.fixture(scope="session")
def datasources(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The datasources as Grafana loads them: every value interpolated with the container's
    environment (grafana_env), which is what turns a bare `$__tags` into nothing."""
    raw = load_yaml(COMPOSE / "grafana" / "provisioning" / "datasources" / "datasources.yaml")
    provisioning = provisioned(raw, compose["services"]["grafana"]["environment"])
    return {source["uid"]: source for source in provisioning["datasources"]}


@pytest.fixture(scope="session")
def dashboard() -> dict[str, Any]:
    return load_json(COMPOSE / "grafana" / "dashboards" / "ag2-agents.json")


# --- what the package really emits --------------------------------------------


@dataclass(frozen=True)
class EmittedMetric:
    name: str
    unit: str
    kind: str  # counter | gauge | histogram
    attributes: frozenset[str]
    exemplars: int


@dataclass
class Emitted:
    metrics: dict[str, EmittedMetric] = field(default_factory=dict)
    span_attributes: set[str] = field(default_factory=set)


def get_weather(city: Annotated[str, "The city"]) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny."


def broken_weather(city: Annotated[str, "The city"]) -> str:
    """Get the current weather for a city."""
    raise RuntimeError(f"weather service for {city} is down")


def _tool_chat(llm_config: Any, tool: Any) -> None:
    from autogen import ConversableAgent

    agent = ConversableAgent(
        "tool_agent",
        system_message="Use the get_weather tool.",
        llm_config=llm_config,
        human_input_mode="NEVER",
    )
    user = ConversableAgent(
        "tool_user", llm_config=False, human_input_mode="NEVER", max_consecutive_auto_reply=2
    )
    agent.register_for_llm(name="get_weather")(tool)
    user.register_for_execution(name="get_weather")(tool)
    user.initiate_chat(agent, message="What's the weather in Tokyo?", max_turns=2, silent=True)


def _group_chat(llm_config: Any) -> None:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group.patterns.auto import AutoPattern

    def member(name: str, role: str) -> Any:
        return ConversableAgent(name, system_message=role, llm_config=llm_config, human_input_mode="NEVER")

    planner, executor = member("planner", "You plan tasks."), member("executor", "You execute planned tasks.")
    user = ConversableAgent("group_user", human_input_mode="NEVER", llm_config=False)
    pattern = AutoPattern(
        initial_agent=planner,
        agents=[planner, executor],
        user_agent=user,
        group_manager_args={"llm_config": llm_config},
    )
    initiate_group_chat(pattern=pattern, messages="Write a haiku about coding.", max_rounds=3)


def _handoff_chat(llm_config: Any) -> None:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group import AgentTarget, TerminateTarget
    from autogen.agentchat.group.patterns import DefaultPattern

    planner = ConversableAgent("planner", system_message="You plan tasks.", llm_config=llm_config)
    executor = ConversableAgent(
        "executor", system_message="You execute planned tasks.", llm_config=llm_config
    )
    planner.handoffs.set_after_work(AgentTarget(executor))
    executor.handoffs.set_after_work(TerminateTarget())
    pattern = DefaultPattern(initial_agent=planner, agents=[planner, executor])
    initiate_group_chat(pattern=pattern, messages="Write a haiku about coding.", max_rounds=4)


def _human_chat(llm_config: Any) -> None:
    """A human in the loop, typing through AG2's own IOStream (the keyboard is scripted)."""
    from autogen import ConversableAgent
    from autogen.io import IOConsole, IOStream

    class Keyboard(IOConsole):  # type: ignore[misc]
        def input(self, prompt: str = "", *, password: bool = False) -> str:
            return "exit"

    assistant = ConversableAgent("assistant", llm_config=llm_config, human_input_mode="NEVER")
    human = ConversableAgent("human", llm_config=False, human_input_mode="ALWAYS")
    with IOStream.set_default(Keyboard()):
        human.initiate_chat(assistant, message="What are the three primary colors?", max_turns=2, silent=True)


def _run_conversations(llm_config: Any) -> None:
    from autogen import ConversableAgent

    assistant = ConversableAgent("assistant", llm_config=llm_config, human_input_mode="NEVER")
    user = ConversableAgent(
        "user_proxy", llm_config=False, human_input_mode="NEVER", max_consecutive_auto_reply=0
    )
    user.initiate_chat(assistant, message="What are the three primary colors?", max_turns=1, silent=True)
    _tool_chat(llm_config, get_weather)
    _tool_chat(llm_config, broken_weather)  # a failing tool: error.type on the tool metric
    _group_chat(llm_config)
    _handoff_chat(llm_config)
    _human_chat(llm_config)


def _kind(data: Any) -> str:
    kind = type(data).__name__
    if kind == "Sum":
        return "counter" if data.is_monotonic else "gauge"  # an UpDownCounter is a Prometheus gauge
    return {"Histogram": "histogram", "Gauge": "gauge"}.get(kind, kind.lower())


@pytest.fixture(scope="session")
def emitted() -> Emitted:
    """Zero-code instrumentation (AG2Instrumentor) of real AG2 chats: two agents, tools
    (one failing), an AutoPattern group chat, handoffs, a human in the loop; every
    metric and span attribute seen."""
    from autogen import LLMConfig
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import DataPointT, InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from ag2_otel import AG2Instrumentor
    from ag2_otel.instrumentation._patches import remove_patches
    from ag2_otel.instrumentation._registry import registry

    reader, spans = InMemoryMetricReader(), InMemorySpanExporter()
    meter_provider = MeterProvider(metric_readers=[reader])
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    with pytest.MonkeyPatch.context() as env, ScriptedOpenAIServer(demo_reply) as server:
        env.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
        AG2Instrumentor().instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
        try:
            config = {
                "api_type": "openai",
                "model": "gpt-4o-mini",
                "base_url": server.base_url,
                "api_key": "x",
            }
            _run_conversations(LLMConfig(config))
        finally:
            AG2Instrumentor().uninstrument()
            remove_patches()
            registry.clear()
    result = Emitted()
    data = reader.get_metrics_data()
    for resource_metrics in data.resource_metrics if data else []:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                points: list[DataPointT] = list(metric.data.data_points)
                result.metrics[metric.name] = EmittedMetric(
                    name=metric.name,
                    unit=metric.unit or "",
                    kind=_kind(metric.data),
                    attributes=frozenset(key for point in points for key in point.attributes or {}),
                    exemplars=sum(len(getattr(point, "exemplars", None) or ()) for point in points),
                )
    for span in spans.get_finished_spans():
        result.span_attributes.update(span.attributes or {})
    meter_provider.shutdown()
    tracer_provider.shutdown()
    return result
