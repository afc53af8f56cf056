"""Suite-wide ordering: browser tests run last.

Playwright's sync API keeps an event loop running in the main thread for as
long as its session-scoped browser lives; async tests that run after it
cannot start their own loop. Running the browser tests last keeps both kinds
in one pytest run.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
