"""`execute_code {language}` spans: one per message whose code blocks AG2 runs.

Two paths lead there. The legacy one (`code_execution_config={"work_dir": ...}`)
calls `ConversableAgent.execute_code_blocks(code_blocks)`; the executor one
(`code_execution_config={"executor": ...}`) calls the executor's
`execute_code_blocks(code_blocks)`. Both are called only once code was found,
so a message without code never gets a span.

A code run is a command-running tool: `gen_ai.operation.name` is
`execute_tool` with `gen_ai.tool.name` `code_executor`, plus
`process.exit.code`. A non-zero exit code is reported by AG2 as a value; it
marks the span ERROR (`error.type` `code_execution_failed`) without changing
the result. The code and its output are content (opt-in only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry import context as otel_context

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import AGENT_KEY, agent_name, calling_self
from ag2_otel.instrumentation._arguments import Parameter, reads
from ag2_otel.instrumentation._registry import Telemetry, registry
from ag2_otel.instrumentation._safety import telemetry_guard
from ag2_otel.instrumentation._spans import Operation, Planned, is_active, sync_wrapper

LEGACY_EXECUTOR = "legacy"
EXECUTORS: tuple[tuple[str, str], ...] = (
    ("autogen.coding.local_commandline_code_executor", "LocalCommandLineCodeExecutor"),
    ("autogen.coding.docker_commandline_code_executor", "DockerCommandLineCodeExecutor"),
    ("autogen.coding.jupyter.jupyter_code_executor", "JupyterCodeExecutor"),
    ("autogen.coding.jupyter.embedded_ipython_code_executor", "EmbeddedIPythonCodeExecutor"),
)
"""(module, class) of the AG2 executors whose `execute_code_blocks` is traced."""
_EXECUTOR_CALLER = "_generate_code_execution_reply_using_executor"
_LANGUAGE_ALIASES = {"py": "python", "python3": "python", "shell": "sh"}

Block = tuple[str, str]
_CODE_BLOCKS = Parameter("code_blocks")


def _plan_legacy(agent: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    telemetry = registry.for_agent(agent)
    code_blocks = _CODE_BLOCKS.of(args, kwargs)
    marker = ("code", id(agent))
    if telemetry is None or not _has_blocks(code_blocks) or is_active(marker):
        return None, _finish_legacy
    return (
        lambda: _begin(telemetry, agent, _legacy_blocks(code_blocks), LEGACY_EXECUTOR, marker)
    ), _finish_legacy


def _plan_executor(executor: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    code_blocks = _CODE_BLOCKS.of(args, kwargs)
    marker = ("code", id(executor))
    if not _has_blocks(code_blocks) or is_active(marker):
        return None, _finish_executor
    agent = _calling_agent()
    telemetry = registry.for_agent(agent if agent is not None else executor)
    if telemetry is None:
        return None, _finish_executor
    return (
        lambda: _begin(telemetry, agent, _executor_blocks(code_blocks), type(executor).__name__, marker)
    ), _finish_executor


def _has_blocks(code_blocks: Any) -> bool:
    return isinstance(code_blocks, Sequence) and not isinstance(code_blocks, str) and len(code_blocks) > 0


def _calling_agent() -> Any:
    """The agent whose reply function is running this executor.

    An executor does not know its agent. When the agent's turn is traced, the
    turn put it in the context; otherwise AG2 calls the executor from the
    agent's `_generate_code_execution_reply_using_executor`, a few frames up.
    """
    agent = otel_context.get_value(AGENT_KEY)
    if agent is not None:
        return agent
    return calling_self(lambda _: True, function=_EXECUTOR_CALLER)


def _begin(telemetry: Telemetry, agent: Any, blocks: list[Block], executor: str, marker: object) -> Operation:
    languages = list(dict.fromkeys(language for language, _ in blocks))
    language = ",".join(languages)
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_CODE_EXECUTION,
        sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
        sc.GEN_AI_TOOL_NAME: sc.CODE_EXECUTOR_TOOL_NAME,
        sc.GEN_AI_TOOL_TYPE: "function",
        sc.AG2_CODE_LANGUAGE: language,
        sc.AG2_CODE_BLOCK_COUNT: len(blocks),
        sc.AG2_CODE_EXECUTOR: executor,
    }
    if agent is not None:
        attributes[sc.GEN_AI_AGENT_NAME] = agent_name(agent)
    operation = Operation(telemetry, f"{sc.SPAN_EXECUTE_CODE} {language}", attributes, active=marker)
    operation.duration_metric = (
        telemetry.instruments.tool_duration,
        {sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL, sc.GEN_AI_TOOL_NAME: sc.CODE_EXECUTOR_TOOL_NAME},
    )
    operation.record_content(
        sc.GEN_AI_TOOL_CALL_ARGUMENTS,
        lambda p: p.text([{"language": language, "code": code} for language, code in blocks]),
    )
    return operation


def _legacy_blocks(code_blocks: Sequence[Any]) -> list[Block]:
    """AG2's legacy blocks are `(language, code)` pairs; an empty language is inferred."""
    blocks: list[Block] = []
    for block in code_blocks:
        language, code = (block[0], block[1]) if isinstance(block, (tuple, list)) else ("", str(block))
        if not language:
            language = _infer_language(str(code))
        blocks.append((_normalise(language), str(code)))
    return blocks


def _executor_blocks(code_blocks: Sequence[Any]) -> list[Block]:
    return [(_normalise(getattr(b, "language", "")), str(getattr(b, "code", ""))) for b in code_blocks]


def _normalise(language: Any) -> str:
    text = str(language or "").strip().lower() or "unknown"
    return _LANGUAGE_ALIASES.get(text, text)


def _infer_language(code: str) -> str:
    with telemetry_guard("infer language"):
        from autogen.code_utils import infer_lang

        return str(infer_lang(code))
    return "unknown"


def _finish_legacy(operation: Operation, result: Any) -> None:
    exit_code, output = result if isinstance(result, tuple) and len(result) >= 2 else (None, result)
    _finish(operation, exit_code, output)


def _finish_executor(operation: Operation, result: Any) -> None:
    _finish(operation, getattr(result, "exit_code", None), getattr(result, "output", None))


def _finish(operation: Operation, exit_code: Any, output: Any) -> None:
    """Exit code and output; the duration is recorded by `Operation.end` (with `error.type`)."""
    if isinstance(exit_code, int):
        operation.span.set_attribute(sc.PROCESS_EXIT_CODE, exit_code)
        if exit_code != 0:
            operation.fail_with(sc.CODE_EXECUTION_FAILED, f"exit code {exit_code}")
    if output is not None:
        operation.record_content(sc.GEN_AI_TOOL_CALL_RESULT, lambda p: p.text(output))


wrap_execute_code_blocks = reads(_CODE_BLOCKS)(sync_wrapper(_plan_legacy))
"""`ConversableAgent.execute_code_blocks` (legacy `code_execution_config`)."""
wrap_executor_execute_code_blocks = reads(_CODE_BLOCKS)(sync_wrapper(_plan_executor))
"""`CodeExecutor.execute_code_blocks` of AG2's executor classes."""
