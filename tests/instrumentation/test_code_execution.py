"""Code execution: `execute_code {language}` spans for the executor-based
(`LocalCommandLineCodeExecutor`) and the legacy `code_execution_config` paths;
exit codes, ERROR on non-zero exit, no span for messages without code, and the
code and its output as opt-in content. Real subprocesses run the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, StatusCode

from ag2_otel import instrument_agent, instrument_llm_wrapper
from ag2_otel.testing import ScriptedOpenAIServer
from tests.instrumentation.conftest import llm_config_for
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import leaf, one_trace, shape, the

PYTHON_REPLY = "Run this:\n```python\nprint('hello from code')\n```"
FAILING_REPLY = "And this:\n```sh\necho failing >&2; exit 3\n```"
CONTENT_KEYS = {"gen_ai.tool.call.arguments", "gen_ai.tool.call.result"}


def _config(kind: str, work_dir: Path) -> dict[str, Any]:
    if kind == "legacy":
        return {"work_dir": str(work_dir), "use_docker": False}
    from autogen.coding import LocalCommandLineCodeExecutor

    return {"executor": LocalCommandLineCodeExecutor(work_dir=work_dir)}


def _run(
    replies: list[str],
    kind: str,
    work_dir: Path,
    tracer_provider: TracerProvider,
    max_turns: int,
    **options: Any,
) -> Any:
    from autogen import ConversableAgent

    with ScriptedOpenAIServer(replies) as server:
        coder = ConversableAgent(
            "coder", llm_config=llm_config_for(server.base_url), human_input_mode="NEVER"
        )
        runner = ConversableAgent(
            "runner",
            llm_config=False,
            human_input_mode="NEVER",
            code_execution_config=_config(kind, work_dir),
        )
        instrument_llm_wrapper(tracer_provider=tracer_provider, **options)
        instrument_agent(coder, tracer_provider=tracer_provider, **options)
        instrument_agent(runner, tracer_provider=tracer_provider, **options)
        return runner.initiate_chat(coder, message="Write some code.", max_turns=max_turns)


EXPECTED = [
    (
        "conversation runner -> coder",
        [
            ("invoke_agent coder", [leaf("chat gpt-4o-mini")]),
            ("invoke_agent runner", [leaf("execute_code python")]),
            ("invoke_agent coder", [leaf("chat gpt-4o-mini")]),
            ("invoke_agent runner", [leaf("execute_code sh")]),
            ("invoke_agent coder", [leaf("chat gpt-4o-mini")]),
        ],
    )
]


@pytest.mark.parametrize(
    ("kind", "executor"), [("executor", "LocalCommandLineCodeExecutor"), ("legacy", "legacy")]
)
def test_code_runs_are_spans_with_exit_codes(
    tracer_provider: TracerProvider,
    exporter: InMemorySpanExporter,
    tmp_path: Path,
    kind: str,
    executor: str,
) -> None:
    result = _run([PYTHON_REPLY, FAILING_REPLY, "Done."], kind, tmp_path, tracer_provider, max_turns=3)
    spans = exporter.get_finished_spans()
    assert shape(spans) == EXPECTED
    one_trace(spans)
    conversation_ids = {s.attributes["gen_ai.conversation.id"] for s in spans}
    assert len(conversation_ids) == 1

    ok = the(spans, "execute_code python")
    assert ok.kind is SpanKind.INTERNAL
    assert dict(ok.attributes) == {
        "ag2.span.type": "code_execution",
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "code_executor",
        "gen_ai.tool.type": "function",
        "gen_ai.agent.name": "runner",
        "gen_ai.conversation.id": conversation_ids.pop(),
        "ag2.code_execution.language": "python",
        "ag2.code_execution.block_count": 1,
        "ag2.code_execution.executor": executor,
        "process.exit.code": 0,
    }
    assert ok.status.status_code is StatusCode.UNSET

    failed = the(spans, "execute_code sh")
    assert failed.attributes["process.exit.code"] == 3
    assert failed.attributes["error.type"] == "code_execution_failed"
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "exit code 3"
    assert not failed.events  # a value AG2 returns, not an exception

    # AG2's own result is untouched
    assert result.chat_history[2]["content"].startswith("exitcode: 0 (execution succeeded)")
    assert "hello from code" in result.chat_history[2]["content"]
    assert result.chat_history[4]["content"].startswith("exitcode: 3 (execution failed)")
    for span in spans:
        assert not CONTENT_KEYS & set(span.attributes), span.name


@pytest.mark.parametrize("kind", ["executor", "legacy"])
def test_no_span_when_a_message_has_no_code(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, tmp_path: Path, kind: str
) -> None:
    _run(["No code today.", "Still none."], kind, tmp_path, tracer_provider, max_turns=2)
    spans = exporter.get_finished_spans()
    assert not [s for s in spans if s.attributes["ag2.span.type"] == "code_execution"]
    assert shape(spans)[0][0] == "conversation runner -> coder"
    one_trace(spans)


def test_several_blocks_one_span(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, tmp_path: Path
) -> None:
    reply = "```python\nprint(1)\n```\nthen\n```sh\necho 2\n```"
    _run([reply, "Done."], "executor", tmp_path, tracer_provider, max_turns=2)
    span = the(exporter.get_finished_spans(), "execute_code python,sh")
    assert span.attributes["ag2.code_execution.block_count"] == 2
    assert span.attributes["ag2.code_execution.language"] == "python,sh"
    assert span.attributes["process.exit.code"] == 0


@pytest.mark.parametrize("kind", ["executor", "legacy"])
def test_code_and_output_are_opt_in_content(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, tmp_path: Path, kind: str
) -> None:
    _run([PYTHON_REPLY, "Done."], kind, tmp_path, tracer_provider, max_turns=2, capture_content="span_only")
    span = the(exporter.get_finished_spans(), "execute_code python")
    assert json.loads(span.attributes["gen_ai.tool.call.arguments"]) == [
        {"language": "python", "code": "print('hello from code')"}
    ]
    assert "hello from code" in span.attributes["gen_ai.tool.call.result"]


def test_executor_exception_is_reraised_unchanged(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, tmp_path: Path
) -> None:
    """AG2's executor refuses dangerous commands by raising: the span fails, the error passes."""
    with pytest.raises(ValueError, match="dangerous") as raised:
        _run(["```sh\nrm -rf /\n```"], "executor", tmp_path, tracer_provider, max_turns=2)
    span = the(exporter.get_finished_spans(), "execute_code sh")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "ValueError"
    assert str(raised.value) in (span.status.description or "")
    one_trace(exporter.get_finished_spans())


def test_uninstrumented_agent_runs_code_untraced(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, tmp_path: Path
) -> None:
    from autogen import ConversableAgent

    runner = ConversableAgent(
        "runner",
        llm_config=False,
        human_input_mode="NEVER",
        code_execution_config=_config("executor", tmp_path),
    )
    other = ConversableAgent("other", llm_config=False, human_input_mode="NEVER")
    instrument_agent(other, tracer_provider=tracer_provider)
    reply = runner.generate_reply([{"role": "user", "content": PYTHON_REPLY}], sender=other)
    assert "hello from code" in str(reply)
    assert not exporter.get_finished_spans()
