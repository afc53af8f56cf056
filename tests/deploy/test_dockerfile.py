"""deploy/Dockerfile: pinned multi-stage build, non-root, data on a volume, token
required on 0.0.0.0, and a health check that works against the real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ag2_otel.testing.serve import start_server
from tests.deploy.conftest import DEPLOY, REPO

DOCKERFILE = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
HEALTHCHECK = DEPLOY / "healthcheck.py"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def last_stage() -> list[tuple[str, str]]:
    steps = instructions()
    start = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[start:]


def test_base_images_are_pinned_and_build_is_multi_stage() -> None:
    steps = instructions()
    args = dict(a.split("=", 1) for k, a in steps if k == "ARG" and "=" in a)
    froms = [a for k, a in steps if k == "FROM"]
    assert len(froms) == 2
    assert froms[0].endswith(" AS build")
    for line in froms:
        image = line.split()[0]
        image = args.get(image.strip("${}"), image)
        assert "latest" not in image
        assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", image), image
    assert any("from=build" in a for k, a in last_stage() if k in {"RUN", "COPY"})


def test_runs_as_a_non_root_user_with_data_on_a_volume() -> None:
    stage = last_stage()
    users = [a for k, a in stage if k == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    volumes = [a for k, a in stage if k == "VOLUME"]
    assert volumes == ['["/data"]']
    assert "AG2_OTEL_DB=/data/traces.db" in " ".join(a for k, a in stage if k == "ENV")
    assert "chown ag2otel:ag2otel /data" in DOCKERFILE
    assert "--uid 10001" in DOCKERFILE
    assert users[-1] == "10001:10001"


def test_binds_all_interfaces_on_the_exposed_ports() -> None:
    stage = dict(last_stage())
    entrypoint = stage["ENTRYPOINT"]
    assert '"serve", "--host", "0.0.0.0"' in entrypoint
    assert '"--http-port", "4318", "--grpc-port", "4317"' in entrypoint
    assert stage["EXPOSE"].split() == ["4318", "4317"]
    assert "/usr/local/bin/ag2-otel-healthcheck" in stage["HEALTHCHECK"]
    assert "COPY deploy/healthcheck.py /usr/local/bin/ag2-otel-healthcheck" in DOCKERFILE


def test_dockerignore_lets_every_copied_path_in() -> None:
    allowed = {
        line[1:].rstrip("/")
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    }
    copied = set()
    for keyword, rest in instructions():
        if keyword == "COPY" and "--from" not in rest:
            copied.update(rest.split()[:-1])
    assert copied == {"pyproject.toml", "README.md", "src", "deploy/healthcheck.py"}
    assert copied <= allowed
    assert all((REPO / path).exists() for path in copied)


def test_the_server_refuses_all_interfaces_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k != "AG2_OTEL_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "ag2_otel.cli", "serve", "--host", "0.0.0.0", "--db", os.devnull],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert result.returncode != 0
    assert "needs a token" in result.stderr + result.stdout


# --- the health check against a real `ag2-otel serve` on 127.0.0.1 ----------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    running = start_server(
        tmp_path_factory.mktemp("serve") / "traces.db", env={"AG2_OTEL_TOKEN": "s3cret-token"}
    )
    yield f"{running.url}/api/services"
    running.stop()


def run_healthcheck(url: str, token: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AG2_OTEL_TOKEN"}
    env["AG2_OTEL_HEALTH_URL"] = url
    if token is not None:
        env["AG2_OTEL_TOKEN"] = token
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)], capture_output=True, text=True, timeout=15, env=env, check=False
    )


def test_healthcheck_is_healthy_with_the_token(server: str) -> None:
    result = run_healthcheck(server, "s3cret-token")
    assert (result.returncode, result.stdout.strip()) == (0, "healthy: HTTP 200")


def test_healthcheck_is_unhealthy_with_a_wrong_token(server: str) -> None:
    result = run_healthcheck(server, "wrong")
    assert (result.returncode, result.stdout.strip()) == (1, "unhealthy: HTTP 401")


def test_healthcheck_without_the_token_only_checks_the_server_answers(server: str) -> None:
    # The token may have come as `--token`, which the health check cannot see.
    result = run_healthcheck(server, None)
    assert (result.returncode, result.stdout.strip()) == (0, "healthy: HTTP 401")


def test_healthcheck_is_unhealthy_when_nothing_listens(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_healthcheck(f"http://127.0.0.1:{port}/api/services", "s3cret-token")
    assert result.returncode == 1
    assert result.stdout.startswith("unhealthy: unreachable")
