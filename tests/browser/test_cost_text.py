"""The viewer's cost text (format.js `formatCost`, cost.js `costValue`) and the Python one
of the CLI and the report (`ag2_otel.costs`) agree, value by value."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import Demo, open_page
from tests.test_costs import FORMATS, VALUES

pytestmark = pytest.mark.browser

_MODULES = "/static/viewer/js"


def test_the_viewer_formats_costs_as_the_cli_and_report_do(page: Page, demo: Demo) -> None:
    open_page(page, "/")
    shown = page.evaluate(
        """async ([base, formats, values]) => {
            const { formatCost } = await import(`${base}/format.js`);
            const { costValue } = await import(`${base}/cost.js`);
            const text = (v) => (typeof v === 'string' ? v : v.textContent);
            return {
              formats: formats.map(([cost]) => formatCost(cost)),
              values: values.map(([cost, calls, priced]) => text(costValue(cost, calls, priced))),
            };
        }""",
        [_MODULES, FORMATS, VALUES],
    )
    assert shown["formats"] == [text for _, text in FORMATS]
    assert shown["values"] == [text for *_, text in VALUES]
