"""Light and dark: the system preference picks the theme until the ◐ button overrides it."""

from __future__ import annotations

from typing import Literal

import pytest
from playwright.sync_api import Page

from .conftest import open_page

pytestmark = pytest.mark.browser

Scheme = Literal["light", "dark"]
# --bg and --text of each palette (viewer.css), and the browser's own text colour
# (CanvasText) for that colour scheme: form controls and scrollbars follow it.
LOOKS = {
    "light": ["rgb(247, 247, 248)", "rgb(29, 31, 35)", "rgb(0, 0, 0)"],
    "dark": ["rgb(18, 19, 22)", "rgb(228, 230, 234)", "rgb(255, 255, 255)"],
}
OTHER: dict[Scheme, Scheme] = {"light": "dark", "dark": "light"}
PAINTED = """() => {
  const probe = document.createElement('i');
  probe.style.color = 'CanvasText';
  document.body.append(probe);
  const body = getComputedStyle(document.body);
  const looks = [body.backgroundColor, body.color, getComputedStyle(probe).color];
  probe.remove();
  return looks;
}"""


def painted(page: Page) -> list[str]:
    """The page's background, text colour and the browser's text colour."""
    result: list[str] = page.evaluate(PAINTED)
    return result


def looks(scheme: Scheme) -> list[str]:
    return LOOKS[scheme]


@pytest.mark.parametrize("system", ["light", "dark"])
def test_the_system_preference_picks_the_theme(page: Page, system: Scheme) -> None:
    page.emulate_media(color_scheme=system)
    open_page(page, "/")
    assert painted(page) == looks(system)
    page.emulate_media(color_scheme=OTHER[system])  # follows a change without a reload
    assert painted(page) == looks(OTHER[system])


@pytest.mark.parametrize("system", ["light", "dark"])
def test_the_toggle_overrides_the_system_and_is_remembered(page: Page, system: Scheme) -> None:
    page.emulate_media(color_scheme=system)
    open_page(page, "/")
    page.click("#theme-toggle")
    assert painted(page) == looks(OTHER[system])
    open_page(page, "/usage")  # the choice outlives the page
    assert painted(page) == looks(OTHER[system])
    page.emulate_media(color_scheme=OTHER[system])  # and outranks the system from then on
    page.emulate_media(color_scheme=system)
    assert painted(page) == looks(OTHER[system])
    page.click("#theme-toggle")
    assert painted(page) == looks(system)
