"""Cost text outside the viewer (the CLI's table, the static report) reads as the viewer's
does: tests/browser/test_cost_text.py checks the same table against format.js/cost.js."""

from __future__ import annotations

import pytest

from ag2_otel.costs import cost_text, format_cost

# (cost, what the viewer's formatCost shows)
FORMATS = [
    (0.0, "$0"),
    (1e-8, "<$0.000001"),
    (0.00001, "$0.00001"),
    (0.0000123, "$0.000012"),
    (0.000042, "$0.000042"),
    (0.0099, "$0.0099"),
    (0.01, "$0.01"),
    (12.345, "$12.35"),
    (12345.6, "$12,346"),
    (float("nan"), "—"),
]

# (cost, calls, priced, what the viewer's costValue shows)
VALUES = [
    (0.0, 3, 0, "not reported"),
    (0.02, 3, 1, "$0.02 (partial)"),
    (0.02, 3, 3, "$0.02"),
    (0.0, 0, 0, "$0"),
    (0.5, 2, None, "$0.50"),
]


@pytest.mark.parametrize(("cost", "text"), FORMATS)
def test_format_cost(cost: float, text: str) -> None:
    assert format_cost(cost) == text


@pytest.mark.parametrize(("cost", "calls", "priced", "text"), VALUES)
def test_cost_text_tells_not_reported_and_partial_from_zero(
    cost: float, calls: int, priced: int | None, text: str
) -> None:
    assert cost_text(cost, calls, priced) == text
