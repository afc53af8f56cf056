"""Real validators where they install from the registries here (Debian's `prometheus`
package ships promtool, `docker-compose` validates compose files without an engine).
`./dev test` installs both; a missing one fails the test (never skipped). No OpenTelemetry Collector, Tempo
or Grafana binary installs from PyPI, npm or Debian, so those configs are checked
only by the structural tests in test_configs.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.conftest import COMPOSE
from tests.deploy.test_dashboard_metrics import dashboard_promql, datasource_promql

PROMTOOL = shutil.which("promtool")
DOCKER_COMPOSE = shutil.which("docker-compose")

# Grafana variables, replaced by what Grafana would put there.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "6h", "$__tags": 'gen_ai_agent_name="a"'}


def run(
    *args: str, cwd: Path = COMPOSE, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60, env=env, check=False)


def test_promtool_accepts_the_prometheus_config() -> None:
    assert PROMTOOL is not None, "promtool missing: apt-get install prometheus (./dev test does)"
    result = run(PROMTOOL, "check", "config", "prometheus/prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def as_recording_rules(dashboard: dict[str, Any], datasources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rules = []
    for index, (_, query) in enumerate([*dashboard_promql(dashboard), *datasource_promql(datasources)]):
        label_values = re.fullmatch(r"label_values\((.*),\s*\w+\)", query)
        expr = label_values.group(1) if label_values else query
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        rules.append({"record": f"dashboard:query_{index}", "expr": re.sub(r"\$\w+", ".*", expr)})
    return {"groups": [{"name": "ag2-agents-dashboard", "rules": rules}]}


def test_promtool_parses_every_dashboard_query(
    tmp_path: Path, dashboard: dict[str, Any], datasources: dict[str, dict[str, Any]]
) -> None:
    assert PROMTOOL is not None, "promtool missing: apt-get install prometheus (./dev test does)"
    rules = tmp_path / "dashboard-rules.yml"
    rules.write_text(yaml.safe_dump(as_recording_rules(dashboard, datasources)), encoding="utf-8")
    result = run(PROMTOOL, "check", "rules", str(rules))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_docker_compose_accepts_the_stack() -> None:
    assert DOCKER_COMPOSE is not None, (
        "docker-compose missing: apt-get install docker-compose (./dev test does)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AG2_OTEL", "COMPOSE_"))}
    result = run(DOCKER_COMPOSE, "config", env=env)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert set(config["services"]) == {"otel-collector", "tempo", "prometheus", "grafana"}
    # .env supplies the bind address and the project name
    grafana_ports = json.dumps(config["services"]["grafana"]["ports"])
    assert "127.0.0.1" in grafana_ports
    assert "3333" in grafana_ports


def test_docker_compose_accepts_the_ag2_otel_override_and_demands_a_token() -> None:
    assert DOCKER_COMPOSE is not None, (
        "docker-compose missing: apt-get install docker-compose (./dev test does)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AG2_OTEL", "COMPOSE_"))}
    files = ("-f", "compose.yaml", "-f", "compose.ag2-otel.yaml")
    missing = run(DOCKER_COMPOSE, *files, "config", env=env)
    assert missing.returncode != 0
    assert "set AG2_OTEL_TOKEN" in missing.stderr
    result = run(DOCKER_COMPOSE, *files, "config", env={**env, "AG2_OTEL_TOKEN": "t0ken"})
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert "ag2-otel" in services
    assert services["otel-collector"]["environment"]["AG2_OTEL_TOKEN"] == "t0ken"
    assert services["otel-collector"]["command"][-1] == "--config=/etc/otelcol/ag2-otel.yaml"
