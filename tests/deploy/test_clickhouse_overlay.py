"""compose.clickhouse.yaml: ClickHouse (pinned), the collector also exporting to it with the
contrib `clickhouse` exporter, and `ag2-otel serve --store clickhouse://…` behind the token.
Structure, ports, names and every exporter key against the pinned upstream struct."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit

from ag2_otel.server.clickhouse.exporter_ddl import COLLECTOR_VERSION
from tests.deploy.conftest import COMPOSE, deep_merge, load_yaml
from tests.deploy.test_configs import host_of, mounts, port_of, published
from tests.deploy.test_validators import DOCKER_COMPOSE, run

# exporter/clickhouseexporter/config.go at collector-contrib 0.128.0 (mapstructure tags),
# with the exporterhelper settings it embeds (TimeoutConfig squashed, retry_on_failure,
# sending_queue).
CLICKHOUSE_EXPORTER_KEYS = {
    "endpoint", "username", "password", "database", "connection_params", "logs_table_name",
    "traces_table_name", "metrics_table_name", "ttl", "table_engine", "cluster_name",
    "create_schema", "async_insert", "metrics_tables", "timeout", "retry_on_failure",
    "sending_queue",
}  # fmt: skip
CLICKHOUSE_NATIVE_PORT = 9000  # clickhouse-server's default tcp_port
CLICKHOUSE_HTTP_PORT = 8123  # its default http_port: what clickhouse-connect speaks


def test_the_compose_pin_is_the_ddl_version(compose: dict[str, Any]) -> None:
    collector_image = compose["services"]["otel-collector"]["image"]
    assert collector_image.endswith(":" + COLLECTOR_VERSION)  # exporter_ddl names the same version


def test_collector_exports_traces_and_logs_to_clickhouse_too(
    collector_with_clickhouse: dict[str, Any],
) -> None:
    pipelines = collector_with_clickhouse["service"]["pipelines"]
    assert pipelines["traces"]["exporters"] == ["otlp/tempo", "clickhouse"]
    # log records (content events) land in otel_logs, where the viewer reads them
    assert pipelines["logs"] == {
        "receivers": ["otlp"],
        "processors": ["memory_limiter", "batch"],
        "exporters": ["clickhouse"],
    }
    assert pipelines["metrics"]["exporters"] == ["prometheus"]
    exporter = collector_with_clickhouse["exporters"]["clickhouse"]
    assert set(exporter) <= CLICKHOUSE_EXPORTER_KEYS
    assert exporter["create_schema"] is True  # ag2-otel reads the exporter's own tables
    assert exporter["async_insert"] is True
    assert exporter["password"] == "${env:CLICKHOUSE_PASSWORD}"
    assert exporter["ttl"] == "336h"  # the stack keeps 14 days everywhere
    assert exporter["retry_on_failure"]["enabled"] is True


def test_names_ports_and_credentials_agree(
    compose_clickhouse: dict[str, Any], collector_with_clickhouse: dict[str, Any]
) -> None:
    services = compose_clickhouse["services"]
    server = services["clickhouse"]
    exporter = collector_with_clickhouse["exporters"]["clickhouse"]
    endpoint = urlsplit(exporter["endpoint"])
    assert (endpoint.scheme, endpoint.hostname, endpoint.port) == (
        "tcp",
        "clickhouse",
        CLICKHOUSE_NATIVE_PORT,
    )
    database, user = server["environment"]["CLICKHOUSE_DB"], server["environment"]["CLICKHOUSE_USER"]
    assert (exporter["database"], exporter["username"]) == (database, user)
    for name in ("ag2-otel-migrate", "ag2-otel-clickhouse"):
        raw = services[name]["environment"]["AG2_OTEL_STORE"]
        assert raw.count("${CLICKHOUSE_PASSWORD:?") == 1
        store = urlsplit(re.sub(r"\$\{[^}]*\}", "SECRET", raw))  # as compose fills it in
        assert store.scheme == "clickhouse"
        assert (store.hostname, store.port, store.path) == (
            "clickhouse",
            CLICKHOUSE_HTTP_PORT,
            "/" + database,
        )
        assert (store.username, store.password) == (user, "SECRET")
    assert server["environment"]["CLICKHOUSE_PASSWORD"].startswith("${CLICKHOUSE_PASSWORD:?")
    assert services["otel-collector"]["environment"]["CLICKHOUSE_PASSWORD"].startswith(
        "${CLICKHOUSE_PASSWORD:?"
    )
    assert "clickhouse-data:/var/lib/clickhouse" in server["volumes"]
    assert "clickhouse-data" in compose_clickhouse["volumes"]
    assert not published(server)  # ClickHouse stays inside the compose network


def test_the_viewer_is_behind_the_token_and_starts_after_the_views(
    compose_clickhouse: dict[str, Any],
) -> None:
    services = compose_clickhouse["services"]
    viewer, migrate = services["ag2-otel-clickhouse"], services["ag2-otel-migrate"]
    assert viewer["environment"]["AG2_OTEL_TOKEN"].startswith("${AG2_OTEL_TOKEN:?")
    assert published(viewer) == {4318: 14321}
    assert all(entry.startswith("${AG2_OTEL_BIND:-127.0.0.1}:") for entry in viewer["ports"])
    assert viewer["depends_on"] == {"ag2-otel-migrate": {"condition": "service_completed_successfully"}}
    assert migrate["entrypoint"] == ["ag2-otel", "db", "migrate"]
    assert migrate["restart"] == "on-failure"  # until the exporter has created otel_traces
    assert migrate["depends_on"] == {"clickhouse": {"condition": "service_healthy"}}
    assert migrate["build"]["args"] == {"AG2_OTEL_EXTRAS": "server,clickhouse"}
    assert viewer["image"] == migrate["image"]
    extras = (COMPOSE / "../../pyproject.toml").resolve().read_text(encoding="utf-8")
    assert "\nclickhouse = [" in extras


def test_collector_mounts_and_loads_the_clickhouse_config(
    compose: dict[str, Any], compose_clickhouse: dict[str, Any]
) -> None:
    collector = deep_merge(compose, compose_clickhouse)["services"]["otel-collector"]
    assert collector["command"][-1] == "--config=/etc/otelcol/clickhouse.yaml"
    assert mounts(compose_clickhouse["services"]["otel-collector"]) == {
        "/etc/otelcol/clickhouse.yaml": "./otelcol/clickhouse.yaml"
    }
    assert (COMPOSE / "otelcol" / "clickhouse.yaml").exists()
    assert (
        host_of(
            load_yaml(COMPOSE / "otelcol" / "clickhouse.yaml")["exporters"]["clickhouse"]["endpoint"].split(
                "//"
            )[1]
        )
        == "clickhouse"
    )
    assert port_of("clickhouse:9000") == CLICKHOUSE_NATIVE_PORT


def test_docker_compose_accepts_the_clickhouse_overlay_and_demands_secrets() -> None:
    assert DOCKER_COMPOSE is not None, (
        "docker-compose missing: apt-get install docker-compose (./dev test does)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AG2_OTEL", "COMPOSE_", "CLICKHOUSE"))}
    files = ("-f", "compose.yaml", "-f", "compose.clickhouse.yaml")
    missing = run(DOCKER_COMPOSE, *files, "config", env=env)
    assert missing.returncode != 0
    assert "set CLICKHOUSE_PASSWORD" in missing.stderr or "set AG2_OTEL_TOKEN" in missing.stderr
    secrets = {"AG2_OTEL_TOKEN": "t0ken", "CLICKHOUSE_PASSWORD": "pw"}
    result = run(DOCKER_COMPOSE, *files, "config", env={**env, **secrets})
    assert result.returncode == 0, result.stderr
    import yaml

    services = yaml.safe_load(result.stdout)["services"]
    assert {"clickhouse", "ag2-otel-migrate", "ag2-otel-clickhouse"} <= set(services)
    assert (
        services["ag2-otel-clickhouse"]["environment"]["AG2_OTEL_STORE"]
        == "clickhouse://ag2otel:pw@clickhouse:8123/otel"
    )
