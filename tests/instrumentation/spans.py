"""Finished spans as the tests read them, and the in-memory exporter that holds them.

The SDK types `ReadableSpan` for spans still being built too: `attributes` may be None and
the times unset. A span the SDK has ended always has both (its `attributes` is a mapping
proxy, and `add_event` gives each event a mapping), so the tests see these narrower types,
with attribute values as `Any` (each assertion checks the value it reads). Type checking
only: at run time both names are the SDK's own classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter as _SdkExporter

if TYPE_CHECKING:

    class FinishedEvent(Event):
        @property
        def attributes(self) -> Mapping[str, Any]: ...

    class FinishedSpan(ReadableSpan):
        @property
        def attributes(self) -> Mapping[str, Any]: ...

        @property
        def events(self) -> Sequence[FinishedEvent]: ...

        @property
        def start_time(self) -> int: ...

        @property
        def end_time(self) -> int: ...

    class InMemorySpanExporter(_SdkExporter):
        def get_finished_spans(self) -> tuple[FinishedSpan, ...]: ...

else:
    FinishedSpan = ReadableSpan
    InMemorySpanExporter = _SdkExporter

__all__ = ["FinishedSpan", "InMemorySpanExporter"]
