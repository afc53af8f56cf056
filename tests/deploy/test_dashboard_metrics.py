"""Every metric and label the Grafana dashboard and datasources query is one the
package really emits, after the collector's Prometheus name translation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.deploy.conftest import Emitted
from tests.deploy.promnames import label_name, metric_name, promql_names, series_names

# Labels Prometheus or the collector's prometheus exporter add to every series.
ADDED_LABELS = {"job", "instance", "le", "otel_scope_name", "otel_scope_version", "otel_scope_schema_url"}

# The metrics the package emits (instrumentation/_metrics.py): name -> (Prometheus kind, unit).
CONTRACT = {
    "gen_ai.client.operation.duration": ("histogram", "s"),
    "gen_ai.client.token.usage": ("histogram", "{token}"),
    "gen_ai.client.inference.usage.input_tokens": ("counter", "{token}"),
    "gen_ai.client.inference.usage.output_tokens": ("counter", "{token}"),
    "gen_ai.client.inference.operation.input_tokens": ("histogram", "{token}"),
    "gen_ai.client.inference.operation.output_tokens": ("histogram", "{token}"),
    "gen_ai.invoke_agent.duration": ("histogram", "s"),
    "gen_ai.execute_tool.duration": ("histogram", "s"),
    "gen_ai.invoke_workflow.duration": ("histogram", "s"),
    "ag2.group_chat.rounds": ("histogram", "{round}"),
    "ag2.speaker_selection.attempts": ("histogram", "{attempt}"),
    "ag2.usage.cost": ("counter", "USD"),
    "ag2.human_input.wait": ("histogram", "s"),
    "ag2.handoffs": ("counter", "{handoff}"),
}


def prometheus_series(emitted: Emitted) -> dict[str, set[str]]:
    """Prometheus series name -> the label names it carries."""
    series: dict[str, set[str]] = {}
    for metric in emitted.metrics.values():
        labels = {label_name(attribute) for attribute in metric.attributes} | ADDED_LABELS
        for name in series_names(metric.name, metric.unit, metric.kind):
            series[name] = labels
    return series


def dashboard_promql(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            if target.get("datasource", {}).get("type") == "prometheus":
                yield panel["title"], target["expr"]
    for variable in dashboard["templating"]["list"]:
        yield f"variable {variable['name']}", variable["definition"]


def datasource_promql(datasources: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str]]:
    for query in datasources["tempo"]["jsonData"]["tracesToMetrics"]["queries"]:
        yield f"tracesToMetrics {query['name']}", query["query"]


def test_translation_rules_match_the_documented_examples() -> None:
    # Examples from the otlptranslator documentation and the OTel <-> Prometheus spec.
    assert metric_name("http.server.duration", "s", "histogram") == "http_server_duration_seconds"
    assert metric_name("requests.count", "1", "counter") == "requests_count_total"
    assert metric_name("memory.usage", "By", "gauge") == "memory_usage_bytes"
    assert metric_name("cpu.utilization", "1", "gauge") == "cpu_utilization_ratio"
    assert metric_name("net.io", "By/s", "gauge") == "net_io_bytes_per_second"
    assert metric_name("gen_ai.client.token.usage", "{token}", "histogram") == "gen_ai_client_token_usage"
    assert label_name("gen_ai.agent.name") == "gen_ai_agent_name"


def test_the_run_emits_every_metric_of_the_contract(emitted: Emitted) -> None:
    # A subset check: metrics added to the package later need no change here.
    seen = {name: (metric.kind, metric.unit) for name, metric in emitted.metrics.items()}
    assert {name: seen.get(name) for name in CONTRACT} == CONTRACT


def test_prometheus_names_of_the_contract_metrics() -> None:
    names = {metric_name(name, unit, kind) for name, (kind, unit) in CONTRACT.items()}
    assert names == {
        "gen_ai_client_operation_duration_seconds",
        "gen_ai_client_token_usage",
        "gen_ai_client_inference_usage_input_tokens_total",
        "gen_ai_client_inference_usage_output_tokens_total",
        "gen_ai_client_inference_operation_input_tokens",
        "gen_ai_client_inference_operation_output_tokens",
        "gen_ai_invoke_agent_duration_seconds",
        "gen_ai_execute_tool_duration_seconds",
        "gen_ai_invoke_workflow_duration_seconds",
        "ag2_group_chat_rounds",
        "ag2_speaker_selection_attempts",
        "ag2_usage_cost_USD_total",  # unit "USD" is not a UCUM unit the translator knows: kept as is
        "ag2_human_input_wait_seconds",
        "ag2_handoffs_total",
    }


def test_every_dashboard_and_datasource_query_uses_emitted_metrics_and_labels(
    emitted: Emitted, dashboard: dict[str, Any], datasources: dict[str, dict[str, Any]]
) -> None:
    series = prometheus_series(emitted)
    queries = [*dashboard_promql(dashboard), *datasource_promql(datasources)]
    assert len(queries) > 25
    problems = []
    for where, expr in queries:
        names = promql_names(expr)
        if not names.metrics:
            problems.append(f"{where}: no metric found in {expr!r}")
        for metric in names.metrics:
            if metric not in series:
                problems.append(f"{where}: {metric} is not emitted")
                continue
            missing = names.labels - series[metric]
            if missing:
                problems.append(f"{where}: {metric} has no label(s) {sorted(missing)}")
    assert problems == []


def test_the_dashboard_charts_every_metric_of_the_contract(dashboard: dict[str, Any]) -> None:
    used = {m for _, expr in dashboard_promql(dashboard) for m in promql_names(expr).metrics}
    families = {metric_name(name, unit, kind) for name, (kind, unit) in CONTRACT.items()}
    uncharted = {f for f in families if not any(u == f or u.startswith(f + "_") for u in used)}
    # The older token histogram duplicates the counters; it stays for existing dashboards only.
    assert uncharted == {"gen_ai_client_token_usage"}


def test_traces_to_metrics_tags_are_span_attributes_and_metric_labels(
    emitted: Emitted, datasources: dict[str, dict[str, Any]]
) -> None:
    series = prometheus_series(emitted)
    for tag in datasources["tempo"]["jsonData"]["tracesToMetrics"]["tags"]:
        assert tag["key"] in emitted.span_attributes
        assert tag["value"] == label_name(tag["key"])
        assert tag["value"] in series["gen_ai_client_operation_duration_seconds_bucket"]


def traceql_attributes(query: str) -> set[str]:
    return set(re.findall(r"\bspan\.([a-zA-Z0-9_.]+)", query))


def test_traceql_panels_use_emitted_span_attributes(emitted: Emitted, dashboard: dict[str, Any]) -> None:
    queries = [
        target["query"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if target.get("datasource", {}).get("type") == "tempo"
    ]
    assert len(queries) == 3
    used = set().union(*(traceql_attributes(q) for q in queries))
    assert used
    assert used <= emitted.span_attributes


@pytest.mark.parametrize(
    "metric",
    ["gen_ai.client.operation.duration", "gen_ai.invoke_agent.duration", "gen_ai.execute_tool.duration"],
)
def test_latency_histograms_carry_exemplars_for_trace_links(emitted: Emitted, metric: str) -> None:
    # The SDK's default trace-based exemplar filter attaches the span's trace id; the
    # dashboard's exemplar markers and the Prometheus -> Tempo link depend on it.
    assert emitted.metrics[metric].exemplars > 0


def test_tool_failures_reach_the_error_label(emitted: Emitted) -> None:
    assert "error.type" in emitted.metrics["gen_ai.execute_tool.duration"].attributes


def test_promql_reader() -> None:
    names = promql_names(
        'histogram_quantile(0.95, sum by (le, gen_ai_agent_name) (rate(a_b_bucket{job=~"$x", c!=""}'
        "[$__rate_interval]))) / sum without (d) (increase(e_total[5m]))"
    )
    assert names.metrics == {"a_b_bucket", "e_total"}
    assert names.labels == {"le", "gen_ai_agent_name", "job", "c", "d"}
    values = promql_names('label_values(m_count{job=~"$service"}, gen_ai_agent_name)')
    assert values.metrics == {"m_count"}
    assert values.labels == {"job", "gen_ai_agent_name"}
