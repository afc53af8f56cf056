"""A real `ag2-otel serve` process per test module, on free ports, with its own store:
the SQLite file, and again with `--store chdb:DIR` (the exporter's tables in chDB), so
every test that talks to a server runs over both stores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ag2_otel.testing.serve import ServerProcess, start_server, start_server_over, wait_for

__all__ = ["ServerProcess", "start_server", "wait_for"]


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    running = start_server_over(request.param, tmp_path_factory.mktemp("serve"))
    yield running
    running.stop()
