"""A real `ag2-otel serve` process per test module, on free ports, with its own store:
the SQLite file, and again with `--store chdb:DIR` (the exporter's tables in chDB), so
every test that talks to a server runs over both stores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ag2_otel.testing.serve import ServerProcess, start_server, start_server_over, wait_for
from tests.deselect import deselect_over_chdb

__all__ = ["ServerProcess", "start_server", "wait_for"]

# Not run over chDB, each for a stated reason (and covered otherwise):
_SQLITE_ONLY = {
    # It charges LLM calls without their own agent name to an ancestor's agent; the
    # ClickHouse views see one insert at a time, never a span's ancestors (docs/scale-out.md).
    # test_clickhouse_store checks both behaviours.
    "test_usage_is_grouped_by_agent_and_model",
}


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    running = start_server_over(request.param, tmp_path_factory.mktemp("serve"))
    yield running
    running.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselect_over_chdb(config, items, "server", _SQLITE_ONLY)
