"""`ag2_otel.show()`: the last (or a given) conversation, inline in Jupyter or as text elsewhere."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from ag2_otel.report.html import document, records_from_trace, render_fragment


@dataclass(frozen=True)
class Conversation:
    """One stored trace; Jupyter shows its HTML report, `str()` its span tree."""

    trace: dict[str, Any]

    @property
    def trace_id(self) -> str:
        return str(self.trace.get("summary", {}).get("trace_id", ""))

    def _repr_html_(self) -> str:
        return render_fragment(self.trace)

    def html(self) -> str:
        """The report as a complete, self-contained page."""
        return document(self.trace)

    def __str__(self) -> str:
        from ag2_otel.exporters.tree import render_trace

        return render_trace(records_from_trace(self.trace))


def conversation(trace_id: str | None = None) -> Conversation:
    """The newest finished trace of this process (or the one whose id starts with `trace_id`).

    Looks in the traces `setup()` kept in memory, then asks the `ag2-otel serve` it exports to.
    """
    from ag2_otel.report.source import trace_from_api, trace_from_spans
    from ag2_otel.start.setup import active

    handle = active()
    if handle is None:
        raise LookupError("nothing traced yet: call ag2_otel.setup() or ag2_otel.launch() first")
    found = None
    if handle.recent is not None:
        found = trace_from_spans(handle.recent.find(trace_id) if trace_id else handle.recent.latest())
    if found is None and handle.viewer_url:
        handle.force_flush()
        found = trace_from_api(handle.viewer_url, trace_id)
    if found is None:
        wanted = f"trace {trace_id!r}" if trace_id else "a finished conversation"
        raise LookupError(f"{wanted} was not found (a conversation shows once it has ended)")
    return Conversation(found)


def show(trace_id: str | None = None) -> None:
    """Display a conversation: its HTML report in Jupyter, its span tree on stdout elsewhere."""
    view = conversation(trace_id)
    if _in_jupyter():
        from IPython.display import display

        display(view)  # type: ignore[no-untyped-call]
    else:
        print(view)


def _in_jupyter() -> bool:
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return getattr(shell, "kernel", None) is not None
