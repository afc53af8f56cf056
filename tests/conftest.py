"""Suite-wide: browser tests run last, and an in-memory store for the tests that need one.

Playwright's sync API keeps an event loop running in the main thread for as
long as its session-scoped browser lives; async tests that run after it
cannot start their own loop. Running the browser tests last keeps both kinds
in one pytest run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from ag2_otel.server.store.migrations import migrate


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_drives_the_browser)


def _drives_the_browser(item: pytest.Item) -> bool:
    """Marked `browser`, or using the session's Playwright browser (directly or through `page`):
    a module that forgets the marker still runs last."""
    return item.get_closest_marker("browser") is not None or "browser" in getattr(item, "fixturenames", ())


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    """An in-memory store at the newest schema, in autocommit mode as the store's own connections."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    migrate(connection)
    yield connection
    connection.close()
