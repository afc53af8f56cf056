"""`AG2Instrumentor`: zero-code, process-wide tracing of every AG2 agent."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from opentelemetry.instrumentation.dependencies import DependencyConflict, get_dependency_conflicts
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

from ag2_otel.instrumentation._patches import apply_patches, remove_patches
from ag2_otel.instrumentation._registry import make_telemetry, registry
from ag2_otel.instrumentation._settings import resolve_settings
from ag2_otel.package import _instruments, _instruments_any


class AG2Instrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Trace every agent, LLM call, tool and group chat in the process.

    `AG2Instrumentor().instrument(tracer_provider=..., meter_provider=..., logger_provider=...,
    capture_content=..., redact=...)`; `uninstrument()` restores AG2 exactly.
    Also loaded by `opentelemetry-instrument` through the entry point.
    """

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _check_dependency_conflicts(self) -> DependencyConflict | None:
        # Either distribution that provides classic AG2's `autogen` namespace will do.
        return get_dependency_conflicts([], _instruments_any)

    def _instrument(self, **kwargs: Any) -> None:
        settings = resolve_settings(
            capture_content=kwargs.get("capture_content"),
            max_content_bytes=kwargs.get("max_content_bytes"),
            redact=kwargs.get("redact"),
        )
        registry.global_telemetry = make_telemetry(
            kwargs.get("tracer_provider"),
            kwargs.get("meter_provider"),
            settings,
            kwargs.get("logger_provider"),
        )
        apply_patches()

    def _uninstrument(self, **kwargs: Any) -> None:
        remove_patches()
        registry.clear()
