"""How a cost reads in text (the CLI's table, the static report), by the viewer's rules
(viewer/static/js/format.js `formatCost`, cost.js `costValue`): several producers put no
cost on their LLM calls, so "not reported" and "partial" must not read as $0."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def format_cost(cost: float) -> str:
    """Dollars without float noise: two significant digits below a cent, cents below $100."""
    if not math.isfinite(cost):  # stores clamp these; a document from elsewhere may not
        return "—"
    if not cost:
        return "$0"
    if cost < 0.000001:
        return "<$0.000001"
    if cost < 0.01:
        return f"${float(f'{cost:.2g}'):.10f}".rstrip("0")
    if cost < 100:
        return f"${cost:.2f}"
    return f"${round(cost):,}"


def cost_text(cost: float, calls: int, priced: int | None) -> str:
    """`cost` of `calls` LLM calls, of which `priced` carried a cost attribute (None: not known)."""
    if not calls or priced is None or priced >= calls:
        return format_cost(cost)
    if not priced:
        return "not reported"
    return f"{format_cost(cost)} (partial)"


def summary_cost(summary: Mapping[str, Any]) -> str:
    """A trace summary's cost (`cost`, `llm_calls`, `priced_calls` of the list API)."""
    priced = summary.get("priced_calls")
    return cost_text(
        float(summary.get("cost") or 0),
        int(summary.get("llm_calls") or 0),
        None if priced is None else int(priced),
    )
