"""Tracing never changes what a program observes: the global `random` sequence, and the AG2
modules it imported (`instrument()` imports none; it patches each when the program does)."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from ag2_otel import AG2Instrumentor
from tests.instrumentation.agents import user_and_assistant
from tests.instrumentation.spans import InMemorySpanExporter

_ROOT = Path(__file__).resolve().parents[2]


def _seeded_chat(llm_config: Any) -> list[float]:
    """The issue's repro: seed, one chat, then what the program draws next."""
    user, assistant = user_and_assistant(llm_config)
    random.seed(42)
    user.initiate_chat(assistant, message="hi", max_turns=1, silent=True)
    return [random.random() for _ in range(3)]


def test_a_seeded_program_draws_the_same_numbers_when_traced(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    untraced = _seeded_chat(llm_config)
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)  # ids from PrivateRandomIdGenerator
    try:
        traced = _seeded_chat(llm_config)
    finally:
        instrumentor.uninstrument()
    assert exporter.get_finished_spans(), "the chat was not traced"
    assert traced == untraced


_IMPORTS = """
import sys, warnings
warnings.simplefilter("always")
import autogen
from opentelemetry.sdk.trace import TracerProvider
from ag2_otel import AG2Instrumentor
from ag2_otel.instrumentation import _carriers  # ours, imported before the snapshot
before = set(sys.modules)
instrumentor = AG2Instrumentor()
with warnings.catch_warnings(record=True) as caught:
    instrumentor.instrument(tracer_provider=TracerProvider())
imported = sorted(n for n in set(sys.modules) - before if not n.startswith(("ag2_otel", "opentelemetry")))
assert imported == [], imported
assert [str(w.message) for w in caught] == []

from autogen.a2a.client_factory import HttpxClientFactory  # the program starts using A2A
original_code = "client_factory.py"
assert HttpxClientFactory.__call__.__code__.co_filename.endswith("_patches.py"), "not patched on import"
assert HttpxClientFactory.__module__ == "autogen.a2a.client_factory"
instrumentor.uninstrument()
assert HttpxClientFactory.__call__.__code__.co_filename.endswith(original_code)
assert not [f for f in sys.meta_path if type(f).__module__.startswith("ag2_otel")], sys.meta_path
print("ok")
"""


def test_instrument_imports_no_ag2_module_and_patches_one_when_the_program_imports_it() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORTS], capture_output=True, text=True, cwd=_ROOT, timeout=120, check=False
    )
    assert completed.stdout.strip() == "ok", completed.stderr[-3000:]
