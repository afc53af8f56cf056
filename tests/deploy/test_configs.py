"""The compose stack's files parse and agree with each other: collector pipelines,
ports, service names, endpoints, mounted paths, datasource links, pinned images."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ag2_otel.instrumentation._settings import DEFAULT_MAX_CONTENT_BYTES
from tests.deploy.conftest import COMPOSE, DEPLOY, deep_merge, load_json, load_yaml
from tests.deploy.grafana_env import interpolate

CONFIG_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml", ".json"})
COMPONENT_KINDS = ("receivers", "processors", "exporters", "connectors", "extensions")


def port_of(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def host_of(endpoint: str) -> str:
    return endpoint.rsplit(":", 1)[0]


def published(service: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port, from `[${BIND}:]HOST:CONTAINER` entries."""
    ports = {}
    for entry in service.get("ports", []):
        host, container = str(entry).rsplit(":", 2)[-2:]
        ports[int(container)] = int(host)
    return ports


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> source, for bind mounts of files in this folder."""
    found = {}
    for volume in service.get("volumes", []):
        source, target, *_ = volume.split(":")
        if source.startswith("./"):
            found[target] = source
    return found


def test_found_the_config_files() -> None:
    names = {p.relative_to(DEPLOY).as_posix() for p in CONFIG_FILES}
    assert {
        "compose/compose.yaml",
        "compose/compose.ag2-otel.yaml",
        "compose/compose.clickhouse.yaml",
        "compose/otelcol/clickhouse.yaml",
        "compose/otelcol/config.yaml",
        "compose/otelcol/ag2-otel.yaml",
        "compose/tempo/tempo.yaml",
        "compose/prometheus/prometheus.yml",
        "compose/grafana/provisioning/datasources/datasources.yaml",
        "compose/grafana/provisioning/dashboards/dashboards.yaml",
        "compose/grafana/dashboards/ag2-agents.json",
    } <= names


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_every_config_file_parses(path: Path) -> None:
    loaded = load_json(path) if path.suffix == ".json" else load_yaml(path)
    assert isinstance(loaded, dict)
    assert loaded


# --- collector ------------------------------------------------------------------


def defined_components(config: dict[str, Any]) -> set[tuple[str, str]]:
    return {(kind, name) for kind in COMPONENT_KINDS for name in config.get(kind) or {}}


def used_components(config: dict[str, Any]) -> set[tuple[str, str]]:
    service = config["service"]
    used = {("extensions", name) for name in service.get("extensions", [])}
    for pipeline in service["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            used.update((kind, name) for name in pipeline.get(kind, []))
    return used


@pytest.fixture(params=["config.yaml", "config.yaml + ag2-otel.yaml", "config.yaml + clickhouse.yaml"])
def collector_config(
    request: pytest.FixtureRequest,
    collector: dict[str, Any],
    collector_with_ag2_otel: dict[str, Any],
    collector_with_clickhouse: dict[str, Any],
) -> dict[str, Any]:
    return {
        "config.yaml": collector,
        "config.yaml + ag2-otel.yaml": collector_with_ag2_otel,
        "config.yaml + clickhouse.yaml": collector_with_clickhouse,
    }[request.param]


def test_collector_pipelines_use_only_defined_components_and_all_of_them(
    collector_config: dict[str, Any],
) -> None:
    assert used_components(collector_config) == defined_components(collector_config)


def test_collector_pipelines(collector_config: dict[str, Any]) -> None:
    pipelines = collector_config["service"]["pipelines"]
    # logs only where ClickHouse keeps them (otelcol/clickhouse.yaml): nothing else reads them
    assert set(pipelines) - {"logs"} == {"traces", "metrics"}
    assert "logs" not in pipelines or pipelines["logs"]["exporters"] == ["clickhouse"]
    for pipeline in pipelines.values():
        assert pipeline["receivers"] == ["otlp"]
        # memory_limiter must come first to refuse data before anything buffers it; batch last.
        assert pipeline["processors"] == ["memory_limiter", "batch"]
    assert "otlp/tempo" in pipelines["traces"]["exporters"]
    assert pipelines["metrics"]["exporters"] == ["prometheus"]


def test_fan_out_to_ag2_otel_adds_one_exporter_to_traces_only(
    collector: dict[str, Any], collector_with_ag2_otel: dict[str, Any]
) -> None:
    assert collector_with_ag2_otel["service"]["pipelines"]["traces"]["exporters"] == [
        "otlp/tempo",
        "otlp/ag2-otel",
    ]
    assert (
        collector_with_ag2_otel["service"]["pipelines"]["metrics"]
        == collector["service"]["pipelines"]["metrics"]
    )
    headers = collector_with_ag2_otel["exporters"]["otlp/ag2-otel"]["headers"]
    assert headers == {"authorization": "Bearer ${env:AG2_OTEL_TOKEN}"}


def test_memory_limiter_fits_in_the_container(compose: dict[str, Any], collector: dict[str, Any]) -> None:
    limiter = collector["processors"]["memory_limiter"]
    mem_limit = compose["services"]["otel-collector"]["mem_limit"]
    assert mem_limit == "1g"
    assert limiter["spike_limit_mib"] < limiter["limit_mib"] < 1024 * 0.9


def test_exemplars_flow_from_collector_to_grafana(
    compose: dict[str, Any], collector: dict[str, Any], datasources: dict[str, dict[str, Any]]
) -> None:
    assert collector["exporters"]["prometheus"]["enable_open_metrics"] is True
    assert "--enable-feature=exemplar-storage" in compose["services"]["prometheus"]["command"]
    (destination,) = datasources["prometheus"]["jsonData"]["exemplarTraceIdDestinations"]
    assert destination == {"name": "trace_id", "datasourceUid": "tempo"}  # the exporter's exemplar label


# --- ports, service names, endpoints ---------------------------------------------


def test_published_ports_are_the_seeds(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert published(services["otel-collector"]) == {4317: 14317, 4318: 14318}
    assert published(services["grafana"]) == {3000: 3333}
    for service in services.values():
        for entry in service.get("ports", []):
            assert entry.startswith("${AG2_OTEL_BIND:-127.0.0.1}:"), entry


def test_collector_receivers_listen_on_the_published_container_ports(
    compose: dict[str, Any], collector: dict[str, Any]
) -> None:
    protocols = collector["receivers"]["otlp"]["protocols"]
    listening = {port_of(protocols["grpc"]["endpoint"]), port_of(protocols["http"]["endpoint"])}
    assert listening == set(published(compose["services"]["otel-collector"]))
    assert {host_of(p["endpoint"]) for p in protocols.values()} == {"0.0.0.0"}


def test_collector_exports_traces_to_tempos_otlp_receiver(
    compose: dict[str, Any], collector: dict[str, Any], tempo: dict[str, Any]
) -> None:
    endpoint = collector["exporters"]["otlp/tempo"]["endpoint"]
    assert host_of(endpoint) in compose["services"]
    assert host_of(endpoint) == "tempo"
    grpc = tempo["distributor"]["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
    assert port_of(endpoint) == port_of(grpc)


def test_prometheus_scrapes_the_collector_endpoints(
    compose: dict[str, Any], collector: dict[str, Any], prometheus: dict[str, Any]
) -> None:
    targets = {
        job["job_name"]: target
        for job in prometheus["scrape_configs"]
        for target in job["static_configs"][0]["targets"]
    }
    exporter_port = port_of(collector["exporters"]["prometheus"]["endpoint"])
    (reader,) = collector["service"]["telemetry"]["metrics"]["readers"]
    telemetry_port = reader["pull"]["exporter"]["prometheus"]["port"]
    assert targets == {
        "ag2-apps": f"otel-collector:{exporter_port}",
        "otel-collector": f"otel-collector:{telemetry_port}",
    }
    assert all(host_of(t) in compose["services"] for t in targets.values())
    app_job = next(job for job in prometheus["scrape_configs"] if job["job_name"] == "ag2-apps")
    assert app_job["honor_labels"] is True  # `job` must stay the app's service.name (dashboard $service)


def test_grafana_datasources_point_at_the_services(
    compose: dict[str, Any], tempo: dict[str, Any], datasources: dict[str, dict[str, Any]]
) -> None:
    assert set(datasources) == {"prometheus", "tempo"}
    tempo_url = urlsplit(datasources["tempo"]["url"])
    assert (tempo_url.hostname, tempo_url.port) == ("tempo", tempo["server"]["http_listen_port"])
    prometheus_url = urlsplit(datasources["prometheus"]["url"])
    assert prometheus_url.hostname == "prometheus"
    assert prometheus_url.port == 9090  # Prometheus' default listen port (no --web.listen-address)
    assert not any(
        arg.startswith("--web.listen-address") for arg in compose["services"]["prometheus"]["command"]
    )
    assert 9090 in published(compose["services"]["prometheus"])
    assert 3200 in published(compose["services"]["tempo"])
    assert all(host in compose["services"] for host in ("tempo", "prometheus"))


def test_datasources_link_to_each_other(datasources: dict[str, dict[str, Any]]) -> None:
    assert datasources["tempo"]["jsonData"]["tracesToMetrics"]["datasourceUid"] == "prometheus"
    assert datasources["prometheus"]["jsonData"]["exemplarTraceIdDestinations"][0]["datasourceUid"] == "tempo"
    scrape_interval = datasources["prometheus"]["jsonData"]["timeInterval"]
    assert (
        scrape_interval == load_yaml(COMPOSE / "prometheus" / "prometheus.yml")["global"]["scrape_interval"]
    )


def test_dashboard_uses_only_provisioned_datasources(
    dashboard: dict[str, Any], datasources: dict[str, dict[str, Any]]
) -> None:
    uids = {
        target["datasource"]["uid"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    } | {variable["datasource"]["uid"] for variable in dashboard["templating"]["list"]}
    assert uids == set(datasources)
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            assert target["datasource"]["type"] == datasources[target["datasource"]["uid"]]["type"]


def test_fan_out_endpoint_is_the_ag2_otel_service(
    compose_ag2_otel: dict[str, Any], collector_with_ag2_otel: dict[str, Any]
) -> None:
    services = compose_ag2_otel["services"]
    endpoint = collector_with_ag2_otel["exporters"]["otlp/ag2-otel"]["endpoint"]
    assert host_of(endpoint) == "ag2-otel"
    assert host_of(endpoint) in services
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert f"--grpc-port {port_of(endpoint)}" in dockerfile.replace('", "', " ")
    assert published(services["ag2-otel"]) == {4318: 14320}
    collector_service = services["otel-collector"]
    assert collector_service["environment"]["AG2_OTEL_TOKEN"].startswith("${AG2_OTEL_TOKEN:?")
    assert services["ag2-otel"]["environment"]["AG2_OTEL_TOKEN"].startswith("${AG2_OTEL_TOKEN:?")
    assert "--config=/etc/otelcol/ag2-otel.yaml" in collector_service["command"]
    assert mounts(collector_service) == {"/etc/otelcol/ag2-otel.yaml": "./otelcol/ag2-otel.yaml"}
    assert services["ag2-otel"]["build"] == {"context": "../..", "dockerfile": "deploy/Dockerfile"}
    assert (COMPOSE / "../.." / "deploy" / "Dockerfile").resolve() == DEPLOY / "Dockerfile"


# --- mounts, retention, limits, images --------------------------------------------


def test_mounted_files_exist_where_the_commands_read_them(compose: dict[str, Any]) -> None:
    services = compose["services"]
    expected = {
        "otel-collector": {"/etc/otelcol/config.yaml": "./otelcol/config.yaml"},
        "tempo": {"/etc/tempo/tempo.yaml": "./tempo/tempo.yaml"},
        "prometheus": {"/etc/prometheus/prometheus.yml": "./prometheus/prometheus.yml"},
        "grafana": {
            "/etc/grafana/provisioning": "./grafana/provisioning",
            "/var/lib/grafana/dashboards": "./grafana/dashboards",
        },
    }
    for name, files in expected.items():
        assert mounts(services[name]) == files
        for target, source in files.items():
            assert (COMPOSE / source).exists(), source
            if name != "grafana":
                assert any(target in arg for arg in services[name]["command"]), (name, target)
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (COMPOSE / "grafana" / "dashboards" / Path(home).name).exists()
    assert home.startswith("/var/lib/grafana/dashboards/")
    providers = load_yaml(COMPOSE / "grafana" / "provisioning" / "dashboards" / "dashboards.yaml")[
        "providers"
    ]
    assert [p["options"]["path"] for p in providers] == ["/var/lib/grafana/dashboards"]


def test_tempo_keeps_message_content_and_two_weeks(compose: dict[str, Any], tempo: dict[str, Any]) -> None:
    # Content attributes are bounded by the package (16 KiB by default); JSON escaping can grow them.
    assert tempo["distributor"]["max_attribute_bytes"] >= 2 * DEFAULT_MAX_CONTENT_BYTES
    retention_hours = int(tempo["compactor"]["compaction"]["block_retention"].removesuffix("h"))
    flag = next(a for a in compose["services"]["prometheus"]["command"] if "retention.time" in a)
    assert retention_hours == 24 * int(flag.split("=")[1].removesuffix("d")) == 336


def test_tempo_volume_needs_no_root_step(compose: dict[str, Any]) -> None:
    # grafana/tempo 2.8.1 (cmd/tempo/Dockerfile) creates /var/tempo owned by 10001 and runs as
    # 10001; Docker copies that directory, owner included, into a new named volume.
    services = compose["services"]
    assert "tempo-data:/var/tempo" in services["tempo"]["volumes"]
    assert "tempo-data" in compose["volumes"]
    assert not [name for name, service in services.items() if service.get("user") in {"root", "0"}]


def test_every_image_is_pinned(
    compose: dict[str, Any], compose_ag2_otel: dict[str, Any], compose_clickhouse: dict[str, Any]
) -> None:
    merged = deep_merge(deep_merge(compose, compose_ag2_otel), compose_clickhouse)
    for name, service in merged["services"].items():
        if "build" in service or service["image"].startswith("ag2-otel-serve:"):
            continue  # built here from deploy/Dockerfile
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: {image} has no tag"
        # ClickHouse tags its releases with four numbers (25.8.26.11)
        assert re.fullmatch(r"v?\d+\.\d+\.\d+(\.\d+)?", tag), f"{name}: {image} is not pinned to a version"


def test_the_committed_dashboard_is_what_the_generator_writes() -> None:
    sys.path.insert(0, str(COMPOSE / "grafana"))
    try:
        import make_dashboard
    finally:
        sys.path.pop(0)
    committed = (COMPOSE / "grafana" / "dashboards" / "ag2-agents.json").read_text(encoding="utf-8")
    assert committed == make_dashboard.render(), "run: python deploy/compose/grafana/make_dashboard.py"


# --- limits that must agree across the collector, Tempo and Grafana ---------------

MiB = 1024 * 1024
# Tempo v2.8.1, cmd/tempo/app/config.go: server gRPC messages default to 16 MiB both ways;
# modules/querier/config.go: the querier's frontend_worker sends at most 16 MiB per response.
TEMPO_DEFAULT_GRPC_BYTES = 16 * MiB


def test_tempo_accepts_every_batch_the_collector_sends(
    collector: dict[str, Any], tempo: dict[str, Any]
) -> None:
    received = collector["receivers"]["otlp"]["protocols"]["grpc"]["max_recv_msg_size_mib"] * MiB
    queue = collector["exporters"]["otlp/tempo"]["sending_queue"]
    assert queue["sizer"] == "bytes"  # the batch processor counts spans, whatever their size
    batch_bytes = queue["batch"]["max_size"]
    tempo_grpc = tempo["distributor"]["receivers"]["otlp"]["protocols"]["grpc"]
    tempo_limit = tempo_grpc.get("max_recv_msg_size_mib", 4) * MiB  # gRPC's default is 4 MiB
    # One span cannot be split: everything the collector accepted must fit Tempo's receiver.
    assert tempo_limit >= received
    assert 0 < batch_bytes < tempo_limit
    # The distributor hands the batch on to the ingester through Tempo's own gRPC server.
    assert tempo["server"].get("grpc_server_max_recv_msg_size", TEMPO_DEFAULT_GRPC_BYTES) >= tempo_limit


def test_tempo_can_return_the_largest_trace_it_stores(tempo: dict[str, Any]) -> None:
    largest = tempo["overrides"]["defaults"]["global"]["max_bytes_per_trace"]
    server = tempo["server"]
    worker = tempo.get("querier", {}).get("frontend_worker", {}).get("grpc_client_config", {})
    caps = {
        "server send": server.get("grpc_server_max_send_msg_size", TEMPO_DEFAULT_GRPC_BYTES),
        "server receive": server.get("grpc_server_max_recv_msg_size", TEMPO_DEFAULT_GRPC_BYTES),
        "querier response": worker.get("max_send_msg_size", TEMPO_DEFAULT_GRPC_BYTES),
    }
    # A trace travels whole on the query path; leave room for its encoding.
    assert {name: cap for name, cap in caps.items() if cap < 1.5 * largest} == {}


def test_tempo_traceql_metrics_see_llm_tool_and_agent_spans(tempo: dict[str, Any]) -> None:
    assert "local-blocks" in tempo["overrides"]["defaults"]["metrics_generator"]["processors"]
    # localblocks/config.go (v2.8.1) defaults filter_server_spans to true: root and server spans only.
    local_blocks = tempo["metrics_generator"].get("processor", {}).get("local_blocks", {})
    assert local_blocks.get("filter_server_spans", True) is False


def test_no_component_reports_usage(compose: dict[str, Any], tempo: dict[str, Any]) -> None:
    # pkg/usagestats/config.go (v2.8.1): reporting_enabled defaults to true.
    assert tempo.get("usage_report", {}).get("reporting_enabled", True) is False
    grafana = compose["services"]["grafana"]["environment"]
    assert grafana["GF_ANALYTICS_REPORTING_ENABLED"] == "false"


def test_traces_to_metrics_queries_reach_grafana_with_their_tags(
    datasources: dict[str, dict[str, Any]],
) -> None:
    # `datasources` is the file after Grafana's provisioning interpolation (grafana_env).
    queries = datasources["tempo"]["jsonData"]["tracesToMetrics"]["queries"]
    assert queries
    for query in queries:
        selectors = re.findall(r"\{([^}]*)\}", query["query"])
        assert selectors and set(selectors) == {"$__tags"}, query


def test_grafana_interpolation_follows_go_os_expand_env() -> None:
    env = {"HOME": "/root", "X": "x"}
    assert interpolate("{$__tags}", env) == "{}"  # the defect: an unset variable
    assert interpolate("{$$__tags}", env) == "{$__tags}"
    assert interpolate("$HOME/a ${X}y $X-y", env) == "/root/a xy x-y"
    assert interpolate("cost $ and $$5", env) == "cost $ and $5"
    assert interpolate("a${}b ${X", env) == "ab X"  # bad syntax is eaten, as Go does
    assert interpolate("end$", env) == "end$"


# Every key of tempo.yaml, with the v2.8.1 struct that defines it (yaml tags).
TEMPO_KEYS = {
    "stream_over_http_enabled",  # cmd/tempo/app/config.go Config
    "server.http_listen_port",  # vendor/github.com/grafana/dskit/server/server.go Config
    "server.log_level",
    "server.grpc_server_max_recv_msg_size",
    "server.grpc_server_max_send_msg_size",
    # modules/querier/worker/worker.go, vendor/github.com/grafana/dskit/grpcclient
    "querier.frontend_worker.grpc_client_config.max_send_msg_size",
    "usage_report.reporting_enabled",  # pkg/usagestats/config.go
    "distributor.receivers.otlp.protocols.grpc.endpoint",  # collector otlpreceiver + configgrpc
    "distributor.receivers.otlp.protocols.grpc.max_recv_msg_size_mib",
    "distributor.max_attribute_bytes",  # modules/distributor/config.go
    "ingester.max_block_duration",  # modules/ingester/config.go
    "compactor.compaction.block_retention",  # tempodb/config.go CompactorConfig
    "query_frontend.search.duration_slo",  # modules/frontend/config.go
    "query_frontend.trace_by_id.duration_slo",
    # modules/generator/processor/localblocks/config.go
    "metrics_generator.processor.local_blocks.filter_server_spans",
    "metrics_generator.storage.path",  # modules/generator/storage/config.go
    "metrics_generator.traces_storage.path",  # modules/generator/config.go (wal.Config)
    "storage.trace.backend",  # tempodb/config.go
    "storage.trace.wal.path",
    "storage.trace.local.path",  # tempodb/backend/local/config.go
    "overrides.defaults.metrics_generator.processors",  # modules/overrides/config.go
    "overrides.defaults.global.max_bytes_per_trace",
}


def leaf_keys(node: Any, prefix: str = "") -> set[str]:
    if not isinstance(node, dict):
        return {prefix}
    return set().union(
        *(leaf_keys(value, f"{prefix}.{key}" if prefix else key) for key, value in node.items())
    )


def test_every_tempo_key_is_one_tempo_reads(tempo: dict[str, Any]) -> None:
    assert leaf_keys(tempo) <= TEMPO_KEYS
