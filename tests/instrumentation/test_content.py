"""Message content is off by default; opt-in puts it in the semconv format,
redacted and bounded."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.trace import TracerProvider

from ag2_otel import instrument_agent, instrument_llm_wrapper
from ag2_otel.instrumentation.content import ContentPolicy
from ag2_otel.testing import Reply, ScriptedOpenAIServer, ToolCall
from tests.instrumentation.agents import scripted_tool_chat
from tests.instrumentation.conftest import llm_config_for
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import the

SECRET = "sk-proj-abcdefghijklmnopqrstuvwxyz012345"
CONTENT_KEYS = {
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
}


def lookup(key: Annotated[str, "key"]) -> str:
    """Look a key up."""
    return f"value for {key} is {SECRET}"


def _tool_chat(tracer_provider: TracerProvider, **options: Any) -> None:
    script = [Reply(tool_calls=[ToolCall("lookup", {"key": SECRET})]), Reply(content=f"Done with {SECRET}.")]
    scripted_tool_chat(lookup, script, f"My key is {SECRET}", tracer_provider, **options)


def test_no_content_by_default(tracer_provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    _tool_chat(tracer_provider)
    spans = exporter.get_finished_spans()
    assert len(spans) == 7
    for span in spans:
        assert not CONTENT_KEYS & set(span.attributes), span.name
        assert not span.events
        assert SECRET not in json.dumps(dict(span.attributes))


def test_env_opt_in_records_semconv_messages_with_secrets_scrubbed(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    _tool_chat(tracer_provider)
    spans = exporter.get_finished_spans()
    everything = json.dumps([dict(s.attributes) for s in spans])
    assert SECRET not in everything
    assert "[REDACTED]" in everything

    first_chat = sorted((s for s in spans if s.name == "chat gpt-4o-mini"), key=lambda s: s.start_time)[0]
    inputs = json.loads(first_chat.attributes["gen_ai.input.messages"])
    assert inputs[-1]["role"] == "user" and inputs[-1]["parts"][0]["type"] == "text"
    assert json.loads(first_chat.attributes["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Use tools."}
    ]
    (definition,) = json.loads(first_chat.attributes["gen_ai.tool.definitions"])
    assert definition["name"] == "lookup" and definition["type"] == "function"
    (output,) = json.loads(first_chat.attributes["gen_ai.output.messages"])
    assert output["finish_reason"] == "tool_calls"
    (call,) = output["parts"]
    assert call["type"] == "tool_call" and call["name"] == "lookup" and call["id"].startswith("call_")

    tool = the(spans, "execute_tool lookup")
    assert json.loads(tool.attributes["gen_ai.tool.call.arguments"]) == {"key": "[REDACTED]"}
    assert tool.attributes["gen_ai.tool.call.result"] == "value for [REDACTED] is [REDACTED]"

    # the tool response reaches the next LLM call as a tool_call_response part with its id
    last_chat = sorted((s for s in spans if s.name == "chat gpt-4o-mini"), key=lambda s: s.start_time)[-1]
    messages = json.loads(last_chat.attributes["gen_ai.input.messages"])
    response_parts = [p for m in messages for p in m["parts"] if p["type"] == "tool_call_response"]
    assert response_parts and response_parts[0]["id"] == call["id"]


def test_parameter_overrides_env_and_events_mode(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    _tool_chat(tracer_provider, capture_content="event_only", redact=lambda s: s.replace("Done", "Finished"))
    spans = exporter.get_finished_spans()
    assert not any(CONTENT_KEYS & set(s.attributes) for s in spans)
    details = [e for s in spans for e in s.events if e.name == "gen_ai.client.inference.operation.details"]
    assert details
    assert any("Finished with [REDACTED]" in str(dict(e.attributes)) for e in details)


def test_invalid_env_value_warns_and_records_nothing(
    tracer_provider: TracerProvider,
    exporter: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "everything-please")
    _tool_chat(tracer_provider)
    assert "invalid OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT" in caplog.text
    assert not any(CONTENT_KEYS & set(s.attributes) for s in exporter.get_finished_spans())


def test_size_bound_drops_oldest_messages_and_keeps_json_valid() -> None:
    policy = ContentPolicy(max_bytes=600)
    messages: list[dict[str, Any]] = [
        {"role": "user", "parts": [{"type": "text", "content": f"message {i} " + "x" * 100}]}
        for i in range(20)
    ]
    encoded = policy.messages(messages)
    assert len(encoded.encode()) <= 600
    decoded = json.loads(encoded)
    assert "earlier messages not included" in decoded[0]["parts"][0]["content"]
    assert decoded[-1] == messages[-1]
    assert messages[0]["parts"][0]["content"].startswith("message 0")  # input untouched


def test_newest_message_alone_too_large_is_shortened_not_dropped() -> None:
    policy = ContentPolicy(max_bytes=400)
    huge = {"role": "user", "name": "alice", "parts": [{"type": "text", "content": "é" * 2000}]}
    encoded = policy.messages([huge])
    assert len(encoded.encode()) <= 400
    (message,) = json.loads(encoded)
    assert message["name"] == "alice"
    assert message["parts"][0]["content"].endswith("…[truncated]")
    assert message["parts"][0]["content"].startswith("éé")


_texts = st.text(alphabet=st.sampled_from('ab é"\\\n:/-_'), max_size=60) | st.sampled_from(
    ["sk-proj-abcdefghijklmnopqrstuvwxyz012345", "https://bob:pw@host/x", "Bearer\tabcdefghijklmnopqrstuvw"]
)
_messages = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["user", "assistant"]),
            "parts": st.lists(
                st.fixed_dictionaries({"type": st.just("text"), "content": _texts}), max_size=3
            ),
        }
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(messages=_messages, max_bytes=st.integers(256, 1200), omitted=st.integers(0, 3))
def test_the_one_encoding_fast_path_matches_the_per_message_path(
    messages: list[dict[str, Any]], max_bytes: int, omitted: int
) -> None:
    """Without a user hook, a message list is encoded once and scanned once; with one
    (here the identity) every message goes through the per-message path. Same JSON."""
    fast = ContentPolicy(max_bytes).messages(messages, omitted_before=omitted)
    per_message = ContentPolicy(max_bytes, redact=lambda text: text).messages(
        messages, omitted_before=omitted
    )
    assert fast == per_message
    assert len(fast.encode()) <= max_bytes
    json.loads(fast)


@pytest.mark.parametrize("slack", [-1, 0, 1])
def test_the_fast_path_keeps_the_bound_exactly_at_its_edge(slack: int) -> None:
    messages = [{"role": "user", "parts": [{"type": "text", "content": "x" * 300}]}] * 3
    max_bytes = len(json.dumps(messages, separators=(",", ":")).encode()) + 96 + slack  # 96: note reserve
    fast = ContentPolicy(max_bytes).messages(messages)
    assert fast == ContentPolicy(max_bytes, redact=lambda text: text).messages(messages)


def _long_chat_bytes(tracer_provider: TracerProvider, exporter: InMemorySpanExporter, turns: int) -> int:
    from autogen import ConversableAgent

    with ScriptedOpenAIServer(["A reply of a few words."]) as server:
        config = llm_config_for(server.base_url)
        left = ConversableAgent("left", system_message="Talk.", llm_config=config, human_input_mode="NEVER")
        right = ConversableAgent("right", system_message="Talk.", llm_config=config, human_input_mode="NEVER")
        for agent in (left, right):
            instrument_agent(agent, tracer_provider=tracer_provider, capture_content="span_only")
        instrument_llm_wrapper(tracer_provider=tracer_provider, capture_content="span_only")
        exporter.clear()
        left.initiate_chat(right, message="Hello there.", max_turns=turns)
    return sum(
        len(str(value).encode())
        for span in exporter.get_finished_spans()
        for key, value in span.attributes.items()
        if key in ("gen_ai.input.messages", "gen_ai.output.messages")
    )


def test_content_grows_linearly_with_conversation_length(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    short = _long_chat_bytes(tracer_provider, exporter, 5)
    long = _long_chat_bytes(tracer_provider, exporter, 20)
    # 4x the turns: linear growth gives ~4x the bytes; whole histories on every span would give ~16x
    assert long < 5 * short, (short, long)


def test_full_history_mode_records_whole_histories(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AG2_OTEL_CONTENT_HISTORY", "full")
    short = _long_chat_bytes(tracer_provider, exporter, 5)
    long = _long_chat_bytes(tracer_provider, exporter, 20)
    assert long > 8 * short, (short, long)


@pytest.mark.parametrize("mode", ["no_content", "span_only", "event_only", "span_and_event"])
def test_every_capture_mode_on_every_span_type(
    mode: str, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """Conversation, agent, LLM and tool spans all follow the one switch."""
    _tool_chat(tracer_provider, capture_content=mode)
    spans = exporter.get_finished_spans()
    kinds = {s.attributes["ag2.span.type"] for s in spans}
    assert kinds == {"conversation", "agent", "llm", "tool"}
    for kind in kinds:
        typed = [s for s in spans if s.attributes["ag2.span.type"] == kind]
        on_span = any(CONTENT_KEYS & set(s.attributes) for s in typed)
        on_event = any(e.name == "gen_ai.client.inference.operation.details" for s in typed for e in s.events)
        assert on_span is (mode in ("span_only", "span_and_event")), (kind, mode)
        assert on_event is (mode in ("event_only", "span_and_event")), (kind, mode)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key sk-proj-abcdefghijklmnopqrstuvwxyz012345 here", "key [REDACTED] here"),
        ("sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "[REDACTED]"),
        ("AIza" + "b" * 35, "[REDACTED]"),
        ("gsk_" + "c" * 24, "[REDACTED]"),
        ("xai-" + "c" * 24, "[REDACTED]"),
        ("hf_" + "c" * 34, "[REDACTED]"),
        ("ghp_" + "d" * 36, "[REDACTED]"),
        ("id AKIAABCDEFGHIJKLMNOP", "id [REDACTED]"),
        ("id ASIAABCDEFGHIJKLMNOP", "id [REDACTED]"),
        ("aws_secret_access_key = " + "e" * 40, "[REDACTED]"),
        ("AWS_SECRET_ACCESS_KEY:\n" + "e" * 40, "[REDACTED]"),
        ("Authorization: Bearer abcdefghijklmnopqrstuvw", "Authorization: [REDACTED]"),
        ("authorization: bearer\tabcdefghijklmnopqrstuvw", "authorization: [REDACTED]"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "[REDACTED]"),
        ("postgres://bob:hunter2@db.local/app", "postgres://[REDACTED]@db.local/app"),
        (
            "nothing secret in sk-short or https://example.org/a:b",
            "nothing secret in sk-short or https://example.org/a:b",
        ),
    ],
)
def test_default_scrubber(text: str, expected: str) -> None:
    from ag2_otel.instrumentation.content import ContentPolicy, scrub_secrets

    assert scrub_secrets(text) == expected
    # The policy encodes before it scrubs (skipping the scrub when no secret can be there):
    # the same secrets go, as plain text and inside JSON (where whitespace is escaped).
    policy = ContentPolicy(16384)
    assert policy.encode(text) == expected
    message = {"role": "user", "parts": [{"type": "text", "content": text}], "name": "u"}
    assert json.loads(policy.messages([message]))[0]["parts"][0]["content"] == expected


def test_event_modes_also_emit_structured_log_events(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

    logs = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    _tool_chat(tracer_provider, capture_content="event_only", logger_provider=logger_provider)
    spans = {s.context.span_id: s for s in exporter.get_finished_spans()}
    records = [r.log_record for r in logs.get_finished_logs()]
    assert records and all(r.event_name == "gen_ai.client.inference.operation.details" for r in records)
    for record in records:
        span = spans[record.span_id]  # correlated with the span it describes
        assert record.trace_id == span.context.trace_id
    chat_records = [r for r in records if spans[r.span_id].name == "chat gpt-4o-mini"]
    outputs: Any = (chat_records[0].attributes or {})["gen_ai.output.messages"]
    (message,) = outputs  # structured: a sequence of maps, not a JSON string
    assert message["role"] == "assistant"
    assert message["parts"][0]["type"] == "tool_call"
    assert SECRET not in str([dict(r.attributes or {}) for r in records])
    logger_provider.shutdown()


def test_history_whose_values_cannot_be_compared_is_recorded_whole() -> None:
    """A message holding a value whose `==` raises (an array, say) is treated as changed."""
    from ag2_otel.instrumentation.content import unrecorded_tail

    class Ambiguous:
        def __eq__(self, other: object) -> bool:
            raise ValueError("ambiguous")

        __hash__ = object.__hash__

    recorded: dict[Any, tuple[int, Any]] = {}
    history = [{"role": "user", "content": "hi", "data": Ambiguous()}]
    assert unrecorded_tail(recorded, "agent", history) == (0, history)
    history[0]["data"] = Ambiguous()  # rewritten in place: comparing it raises
    history.append({"role": "assistant", "content": "hello"})
    assert unrecorded_tail(recorded, "agent", history) == (0, history)
    assert unrecorded_tail(recorded, "agent", history) == (2, [])
