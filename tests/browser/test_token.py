"""With a token configured, the viewer is closed until the browser presents it:
`?token=` once, then an HttpOnly cookie carries it for pages and API calls."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from ag2_otel.testing.serve import start_server

pytestmark = pytest.mark.browser
TOKEN = "s3cret-viewer-token"


@pytest.fixture(scope="module")
def guarded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = start_server(tmp_path_factory.mktemp("guarded") / "traces.db", "--token", TOKEN)
    yield server.url
    server.stop()


def test_without_the_token_everything_is_closed(guarded_url: str) -> None:
    for path in ("/", "/api/traces", "/usage"):
        assert httpx.get(guarded_url + path, timeout=5).status_code == 401
    assert httpx.get(guarded_url + "/?token=wrong", timeout=5).status_code == 401
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(guarded_url + "/api/traces", headers=headers, timeout=5).status_code == 200


def test_the_browser_presents_the_token_once(browser: Browser, guarded_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{guarded_url}/?token={TOKEN}&status=ok")
    page.wait_for_selector("body[data-ready='true']")
    # The address bar forgets the token (history, screenshots) and keeps the rest.
    assert TOKEN not in page.url
    assert page.url.endswith("/?status=ok")
    (cookie,) = context.cookies()
    # Cookies are not port-scoped: what the browser keeps must not be the token.
    assert TOKEN not in cookie["value"]
    assert cookie["name"] == f"ag2_otel_session_{guarded_url.rsplit(':', 1)[1]}"
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
    page.goto(f"{guarded_url}/usage")  # no token in the URL any more: the cookie carries it
    page.wait_for_selector("body[data-ready='true']")
    expect(page.locator("body")).not_to_contain_text("missing or invalid bearer token")
    context.close()
    assert errors == []
