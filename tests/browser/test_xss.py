"""Hostile content in names, messages, tool results and attributes never executes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ag2_otel.testing import viewer_traces as fixtures

from .conftest import Demo, PageWatch, open_page

pytestmark = pytest.mark.browser


def assert_inert(page: Page, watch: PageWatch) -> None:
    assert page.evaluate("window.__pwned") is None
    assert watch.dialogs == []
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert page.locator("#app script, #app img, #app iframe").count() == 0


def test_list_escapes_names(page: Page, demo: Demo, watch: PageWatch) -> None:
    open_page(page, "/")
    link = page.locator(f"tr[data-trace-id='{demo.trace_id('xss')}'] .trace-link")
    expect(link).to_have_text(f"conversation {fixtures.XSS_SCRIPT}")
    assert_inert(page, watch)


def test_trace_views_escape_content(page: Page, demo: Demo, watch: PageWatch) -> None:
    open_page(page, f"/traces/{demo.trace_id('xss')}")
    conversation = page.locator(".conversation")
    expect(conversation).to_contain_text(fixtures.XSS_SCRIPT)
    expect(conversation).to_contain_text(fixtures.XSS_IMG)
    expect(conversation.locator(".attachment")).to_contain_text(fixtures.XSS_LINK)
    assert_inert(page, watch)
    page.locator(".tab[data-view=spans]").click()
    for i in range(page.locator(".tree-row").count()):
        page.locator(".tree-row").nth(i).click()
        page.locator(".details").wait_for()
        for button in page.locator(".details .expand").all():
            button.click()
        assert_inert(page, watch)
    expect(page.locator(".details")).to_contain_text(fixtures.XSS_LINK)
    page.locator(".tab[data-view=flow]").click()
    assert_inert(page, watch)
