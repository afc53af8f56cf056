"""A real `ag2-otel serve` process per test module, on free ports, with its own database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.serve_process import ServerProcess, start_server, wait_for

__all__ = ["ServerProcess", "start_server", "wait_for"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    running = start_server(tmp_path_factory.mktemp("serve") / "traces.db")
    yield running
    running.stop()
