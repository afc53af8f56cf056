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
    # They read the server's store with the CLI while the server runs; chDB admits one
    # process per data directory. test_clickhouse_cli runs the CLI over chDB.
    "test_cli_lists_shows_and_exports_what_the_server_stored",
    "test_exported_json_round_trips_through_the_receiver",
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
