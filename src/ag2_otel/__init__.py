"""OpenTelemetry tracing and metrics for classic AG2 (the `autogen` namespace).

Importing this package is cheap: AG2 is imported only when instrumenting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ag2_otel.version import __version__

if TYPE_CHECKING:
    from ag2_otel.exporters.console import ConsoleTreeSpanExporter
    from ag2_otel.ids import PrivateRandomIdGenerator
    from ag2_otel.instrumentation._settings import ContentCapture
    from ag2_otel.instrumentation.api import instrument_agent, instrument_llm_wrapper, instrument_pattern
    from ag2_otel.instrumentation.instrumentor import AG2Instrumentor
    from ag2_otel.report.show import show
    from ag2_otel.start.launch import launch
    from ag2_otel.start.setup import setup

__all__ = [
    "AG2Instrumentor",
    "ConsoleTreeSpanExporter",
    "ContentCapture",
    "PrivateRandomIdGenerator",
    "__version__",
    "instrument_agent",
    "instrument_llm_wrapper",
    "instrument_pattern",
    "launch",
    "setup",
    "show",
]

_LAZY = {
    "AG2Instrumentor": "ag2_otel.instrumentation.instrumentor",
    "ConsoleTreeSpanExporter": "ag2_otel.exporters.console",
    "ContentCapture": "ag2_otel.instrumentation._settings",
    "PrivateRandomIdGenerator": "ag2_otel.ids",
    "instrument_agent": "ag2_otel.instrumentation.api",
    "instrument_llm_wrapper": "ag2_otel.instrumentation.api",
    "instrument_pattern": "ag2_otel.instrumentation.api",
    "launch": "ag2_otel.start.launch",
    "setup": "ag2_otel.start.setup",
    "show": "ag2_otel.report.show",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ag2_otel' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
