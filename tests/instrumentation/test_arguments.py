"""Wrappers read AG2's arguments by parameter name, at the positions the patched methods'
own signatures give, however the program passes them."""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import sys
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ag2_otel import instrument_agent
from ag2_otel.instrumentation import _arguments, _patches
from tests.instrumentation.agents import QUESTION, user_and_assistant
from tests.instrumentation.trees import the


def test_every_parameter_a_wrapper_reads_is_a_positional_parameter_of_the_methods_it_wraps() -> None:
    """A parameter AG2 renamed or moved would silently read nothing (or something else)."""
    for module_name in sorted({module_name for module_name, _, _, _ in _patches.PATCHES}):
        with contextlib.suppress(ImportError):  # a module this AG2 release lacks is not patched
            importlib.import_module(module_name)

    _patches.apply_patches()
    checked = 0
    for module_name, class_name, method, wrapper in _patches.PATCHES:
        module = sys.modules.get(module_name)
        owner = _patches._resolve(module, class_name) if module is not None else None
        parameters = _arguments._reads.get(wrapper, ())
        if owner is None or method not in vars(owner) or not parameters:
            continue
        original = inspect.unwrap(getattr(owner, method))
        positional = [
            p.name
            for p in inspect.signature(original).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ][1:]
        for parameter in parameters:
            assert parameter.name in positional, (class_name, method, parameter.name)
            assert parameter.position == positional.index(parameter.name), (class_name, method)
            checked += 1
    assert checked >= 20, checked
    read_somewhere = {p for parameters in _arguments._reads.values() for p in parameters}
    declared = {
        value
        for module in list(sys.modules.values())
        if getattr(module, "__name__", "").startswith("ag2_otel.instrumentation.")
        for value in vars(module).values()
        if isinstance(value, _arguments.Parameter)
    }
    assert declared <= read_somewhere, "a Parameter no wrapper declares: read by keyword only"


def test_a_chat_started_with_positional_arguments_is_read_like_one_with_keywords(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user, assistant = user_and_assistant(llm_config)
    for agent in (user, assistant):
        instrument_agent(agent, tracer_provider=tracer_provider, capture_content="span_only")
    # Every argument up to `message` by position, in the order this AG2 release declares them.
    given = {"recipient": assistant, "silent": True, "max_turns": 1, "message": QUESTION}
    parameters = list(inspect.signature(type(user).initiate_chat).parameters.values())[1:]
    up_to_message = parameters[: [p.name for p in parameters].index("message") + 1]
    user.initiate_chat(*[given.get(p.name, p.default) for p in up_to_message])
    conversation = the(exporter.get_finished_spans(), "conversation user_proxy -> assistant")
    attributes = conversation.attributes or {}
    assert attributes["ag2.conversation.max_turns"] == 1
    [message] = json.loads(str(attributes["gen_ai.input.messages"]))
    assert message["parts"] == [{"type": "text", "content": QUESTION}]
