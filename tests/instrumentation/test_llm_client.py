"""LLM client details: config-list fallbacks, AG2 cache hits, HTTP retries,
and every `api_type` AG2 knows mapped to a well-known provider name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from ag2_otel.instrumentation._semconv import PROVIDER_BY_API_TYPE
from ag2_otel.testing import Reply, ScriptedOpenAIServer
from tests.instrumentation.agents import QUESTION, user_and_assistant
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import assert_one_tree, the

WELL_KNOWN_PROVIDERS = {
    "openai",
    "azure.ai.openai",
    "anthropic",
    "aws.bedrock",
    "gcp.gemini",
    "gcp.vertex_ai",
    "mistral_ai",
    "groq",
    "deepseek",
    "cohere",
    "x_ai",
    "together_ai",
    "cerebras",
    "ollama",
}


def _chat(llm_config: Any, tracer_provider: TracerProvider, **chat_options: Any) -> Any:
    user, assistant = user_and_assistant(llm_config, tracer_provider)
    return user.initiate_chat(assistant, message=QUESTION, max_turns=1, **chat_options)


def test_config_list_fallback_records_the_failed_attempt(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from autogen import LLMConfig

    with (
        ScriptedOpenAIServer([Reply(status=400, error_message="model overloaded")]) as broken,
        ScriptedOpenAIServer(["Red, yellow and blue."]) as healthy,
    ):
        config = LLMConfig(
            {"api_type": "openai", "model": "gpt-4o", "base_url": broken.base_url, "api_key": "k"},
            {"api_type": "openai", "model": "gpt-4o-mini", "base_url": healthy.base_url, "api_key": "k"},
        )
        result = _chat(config, tracer_provider)
    assert result.summary == "Red, yellow and blue."
    spans = exporter.get_finished_spans()
    assert_one_tree(spans)
    chat = the(spans, "chat gpt-4o")
    assert chat.attributes["ag2.llm.config_count"] == 2
    assert chat.attributes["ag2.llm.config_index"] == 1
    assert chat.attributes["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    (failed,) = [e for e in chat.events if e.name == "ag2.llm.attempt_failed"]
    assert failed.attributes["gen_ai.request.model"] == "gpt-4o"
    assert failed.attributes["error.type"] == "openai.BadRequestError"
    assert "model overloaded" in failed.attributes["exception.message"]


def test_cache_hits_are_flagged_and_not_billed(
    tracer_provider: TracerProvider,
    exporter: InMemorySpanExporter,
    scripted_server: ScriptedOpenAIServer,
    tmp_path: Path,
) -> None:
    from autogen import Cache

    from tests.instrumentation.conftest import llm_config_for

    config = llm_config_for(scripted_server.base_url)
    with Cache.disk(cache_seed=7, cache_path_root=str(tmp_path)) as cache:
        _chat(config, tracer_provider, cache=cache)
        first = the(exporter.get_finished_spans(), "chat gpt-4o-mini")
        exporter.clear()
        _chat(config, tracer_provider, cache=cache)
    spans = exporter.get_finished_spans()
    cached = the(spans, "chat gpt-4o-mini")
    assert "ag2.llm.cached" not in first.attributes
    assert first.attributes["gen_ai.usage.input_tokens"] > 0
    assert cached.attributes["ag2.llm.cached"] is True
    assert "gen_ai.usage.input_tokens" not in cached.attributes
    assert cached.attributes["ag2.usage.cost"] == 0.0
    conversation = the(spans, "conversation user_proxy -> assistant")
    assert conversation.attributes["ag2.usage.input_tokens"] == 0
    assert conversation.attributes["ag2.usage.llm_calls"] == 0


def test_http_retries_are_visible(tracer_provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    from tests.instrumentation.conftest import llm_config_for

    with ScriptedOpenAIServer([Reply(status=503, error_message="busy"), "Red, yellow and blue."]) as server:
        result = _chat(llm_config_for(server.base_url), tracer_provider)
    assert result.summary == "Red, yellow and blue."
    chat = the(exporter.get_finished_spans(), "chat gpt-4o-mini")
    (retry,) = [e for e in chat.events if e.name == "http.retry"]
    assert retry.attributes["http.request.resend_count"] == 1
    assert retry.attributes["http.response.status_code"] == 503


def test_every_ag2_api_type_maps_to_a_well_known_provider() -> None:
    import autogen

    package = Path(autogen.__file__).parent
    api_types: set[str] = set()
    for source in package.rglob("*.py"):
        for literal in re.findall(r"api_type: Literal\[([^\]]+)\]", source.read_text(errors="ignore")):
            api_types.update(v.strip().strip("'\"") for v in literal.split(","))
    assert {"openai", "azure", "anthropic", "bedrock", "google"} <= api_types
    unmapped = {t for t in api_types if PROVIDER_BY_API_TYPE.get(t) not in WELL_KNOWN_PROVIDERS}
    assert not unmapped, f"api_types without a well-known provider: {sorted(unmapped)}"


class PlainObjectClient:
    """An AG2 custom model client (`register_model_client`) answering with plain
    objects, not the `openai` SDK's models: a tool call, then text."""

    RESPONSE_USAGE_KEYS = ["prompt_tokens", "completion_tokens", "total_tokens", "cost", "model"]

    def __init__(self, config: dict[str, Any], **_: Any) -> None:
        self.calls = 0

    def create(self, params: dict[str, Any]) -> Any:
        from types import SimpleNamespace

        self.calls += 1
        if self.calls == 1:
            function = SimpleNamespace(name="lookup", arguments='{"key": "colour"}')
            message = SimpleNamespace(
                role="assistant", content=None, tool_calls=[SimpleNamespace(id="call_7", function=function)]
            )
            finish = "tool_calls"
        else:
            message = SimpleNamespace(role="assistant", content="Red, yellow, blue.", tool_calls=None)
            finish = "stop"
        return SimpleNamespace(
            id=f"plain-{self.calls}",
            model="plain-model",
            choices=[SimpleNamespace(index=0, message=message, finish_reason=finish)],
            usage=SimpleNamespace(prompt_tokens=10, completion_tokens=3, total_tokens=13),
            cost=0.0,
        )

    def message_retrieval(self, response: Any) -> list[Any]:
        message = response.choices[0].message
        return [message.content] if message.content else [message]

    def cost(self, response: Any) -> float:
        return 0.0

    @staticmethod
    def get_usage(response: Any) -> dict[str, Any]:
        usage = response.usage
        return {**vars(usage), "cost": 0.0, "model": response.model}


def test_a_custom_model_clients_output_objects_are_recorded(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Output content is read from the message's attributes, so objects that are not the
    `openai` SDK's models (no `model_dump`) still give their text and tool calls."""
    import json

    from autogen import ConversableAgent, LLMConfig

    from ag2_otel import instrument_agent, instrument_llm_wrapper

    config = LLMConfig({"model": "plain-model", "model_client_cls": "PlainObjectClient"})
    assistant = ConversableAgent("assistant", llm_config=config, human_input_mode="NEVER")
    assistant.register_model_client(PlainObjectClient)  # type: ignore[arg-type]  # AG2 wants the class
    instrument_llm_wrapper(tracer_provider=tracer_provider, capture_content="span_only")
    instrument_agent(assistant, tracer_provider=tracer_provider, capture_content="span_only")
    assistant.generate_reply(messages=[{"role": "user", "content": QUESTION}])
    assistant.generate_reply(messages=[{"role": "user", "content": QUESTION}])
    first, second = sorted(
        (s for s in exporter.get_finished_spans() if s.name == "chat plain-model"), key=lambda s: s.start_time
    )
    (tool_call,) = json.loads(first.attributes["gen_ai.output.messages"])[0]["parts"]
    assert tool_call == {
        "type": "tool_call",
        "id": "call_7",
        "name": "lookup",
        "arguments": {"key": "colour"},
    }
    (answer,) = json.loads(second.attributes["gen_ai.output.messages"])
    assert answer["parts"] == [{"type": "text", "content": "Red, yellow, blue."}]
    assert answer["finish_reason"] == "stop"
