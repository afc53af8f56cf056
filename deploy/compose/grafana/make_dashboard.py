"""Write the "AG2 agents" Grafana dashboard (dashboards/ag2-agents.json).

The JSON is committed; this script is its source. After editing, run
`python deploy/compose/grafana/make_dashboard.py` and commit both.
tests/deploy checks that they agree, and that every metric and label queried
here is one ag2-otel really emits (after the collector's Prometheus naming).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

OUTPUT = Path(__file__).parent / "dashboards" / "ag2-agents.json"
PROMETHEUS = {"type": "prometheus", "uid": "prometheus"}
TEMPO = {"type": "tempo", "uid": "tempo"}

SERVICE = 'job=~"$service"'
LLM = f'{SERVICE}, gen_ai_agent_name=~"$agent", gen_ai_request_model=~"$model"'
RATE = "[$__rate_interval]"
RANGE = "[$__range]"
TOOL_FAILED = 'error_type!=""'
CONVERSATIONS = 'ag2_span_type="conversation"'

# Prometheus names of the package's metrics, as the collector's prometheus exporter writes them.
CALLS = "gen_ai_client_operation_duration_seconds_count"
INPUT_TOKENS = "gen_ai_client_inference_usage_input_tokens_total"
OUTPUT_TOKENS = "gen_ai_client_inference_usage_output_tokens_total"
COST = "ag2_usage_cost_USD_total"
WORKFLOW_SECONDS = "gen_ai_invoke_workflow_duration_seconds"
WORKFLOWS = WORKFLOW_SECONDS + "_count"
TOOL_CALLS = "gen_ai_execute_tool_duration_seconds_count"
HUMAN_WAIT_SECONDS = "ag2_human_input_wait_seconds"
HANDOFFS = "ag2_handoffs_total"


def prom(expr: str, legend: str = "", *, instant: bool = False, exemplar: bool = False) -> dict[str, Any]:
    return {
        "datasource": PROMETHEUS,
        "expr": expr,
        "legendFormat": legend or "__auto",
        "instant": instant,
        "range": not instant,
        "exemplar": exemplar,
    }


def traceql(query: str) -> dict[str, Any]:
    return {"datasource": TEMPO, "queryType": "traceql", "query": query, "limit": 20, "tableType": "traces"}


def rate(metric: str, selector: str = LLM) -> str:
    return f"rate({metric}{{{selector}}}{RATE})"


def increase(metric: str, selector: str = LLM) -> str:
    return f"increase({metric}{{{selector}}}{RANGE})"


def p95(metric: str, selector: str, by: str) -> str:
    return f"histogram_quantile(0.95, sum by (le, {by}) ({rate(metric + '_bucket', selector)}))"


def stat(title: str, expr: str, unit: str = "short", description: str = "") -> dict[str, Any]:
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "targets": [prom(expr, instant=True)],
        "fieldConfig": {"defaults": {"unit": unit, "decimals": 4 if unit == "currencyUSD" else 0}},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value", "graphMode": "none"},
    }


def timeseries(title: str, targets: list[dict[str, Any]], unit: str, description: str = "") -> dict[str, Any]:
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit}},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max"]}},
    }


def bars(title: str, targets: list[dict[str, Any]], unit: str, description: str = "") -> dict[str, Any]:
    return {
        "type": "bargauge",
        "title": title,
        "description": description,
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit}},
        "options": {"orientation": "horizontal", "displayMode": "basic", "reduceOptions": {"calcs": ["sum"]}},
    }


def traces(title: str, query: str, description: str) -> dict[str, Any]:
    return {"type": "table", "title": title, "description": description, "targets": [traceql(query)]}


def row(title: str) -> dict[str, Any]:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def overview() -> list[dict[str, Any]]:
    return [
        row("Overview (selected time range)"),
        stat(
            "Conversations",
            f"sum({increase(WORKFLOWS, SERVICE + ', ' + CONVERSATIONS)})",
            description="initiate_chat / run calls, nested ones (e.g. speaker selection) included",
        ),
        stat("LLM calls", f"sum({increase(CALLS)})"),
        stat("Input tokens", f"sum({increase(INPUT_TOKENS)})"),
        stat("Output tokens", f"sum({increase(OUTPUT_TOKENS)})"),
        stat(
            "Cost",
            f"sum({increase(COST)})",
            unit="currencyUSD",
            description="AG2's own cost computation (experimental, no semantic convention yet)",
        ),
        stat(
            "Tool errors",
            f"sum({increase(TOOL_CALLS, SERVICE + ', ' + TOOL_FAILED)})",
            description="Failed tool calls. Failed LLM calls are not in the metrics: see 'Errored traces'.",
        ),
    ]


def llm_usage() -> list[dict[str, Any]]:
    by_agent_model = "gen_ai_agent_name, gen_ai_request_model"
    return [
        row("LLM calls, tokens and cost per agent and model"),
        timeseries(
            "LLM calls per second",
            [
                prom(
                    f"sum by ({by_agent_model}) ({rate(CALLS)})",
                    "{{gen_ai_agent_name}} · {{gen_ai_request_model}}",
                )
            ],
            "reqps",
        ),
        timeseries(
            "Tokens per second by agent",
            [
                prom(
                    f"sum by (gen_ai_agent_name) ({rate(INPUT_TOKENS)})",
                    "{{gen_ai_agent_name}} input",
                ),
                prom(
                    f"sum by (gen_ai_agent_name) ({rate(OUTPUT_TOKENS)})",
                    "{{gen_ai_agent_name}} output",
                ),
            ],
            "short",
        ),
        bars(
            "Cost by agent and model",
            [
                prom(
                    f"sum by ({by_agent_model}) ({increase(COST)})",
                    "{{gen_ai_agent_name}} · {{gen_ai_request_model}}",
                    instant=True,
                )
            ],
            "currencyUSD",
            "Over the selected time range",
        ),
        bars(
            "Tokens by model",
            [
                prom(
                    f"sum by (gen_ai_request_model) ({increase(INPUT_TOKENS)})",
                    "{{gen_ai_request_model}} input",
                    instant=True,
                ),
                prom(
                    f"sum by (gen_ai_request_model) ({increase(OUTPUT_TOKENS)})",
                    "{{gen_ai_request_model}} output",
                    instant=True,
                ),
            ],
            "short",
            "Over the selected time range",
        ),
    ]


def latency() -> list[dict[str, Any]]:
    agent = f'{SERVICE}, gen_ai_agent_name=~"$agent"'
    return [
        row("Latency"),
        timeseries(
            "LLM call latency p95 by model",
            [
                prom(
                    p95("gen_ai_client_operation_duration_seconds", LLM, "gen_ai_request_model"),
                    "{{gen_ai_request_model}}",
                    exemplar=True,
                )
            ],
            "s",
            "Diamonds are exemplars: click one to open the trace of that call",
        ),
        timeseries(
            "Agent reply duration p95 by agent",
            [
                prom(
                    p95("gen_ai_invoke_agent_duration_seconds", agent, "gen_ai_agent_name"),
                    "{{gen_ai_agent_name}}",
                    exemplar=True,
                )
            ],
            "s",
            "One generate_reply: the agent's LLM calls, tool calls and reply functions",
        ),
        timeseries(
            "Conversation and group chat duration p95",
            [
                prom(
                    p95(WORKFLOW_SECONDS, SERVICE, "gen_ai_workflow_name, ag2_span_type"),
                    "{{gen_ai_workflow_name}} {{ag2_span_type}}",
                    exemplar=True,
                )
            ],
            "s",
        ),
        timeseries(
            "Tokens per LLM call p95 by model",
            [
                prom(
                    p95("gen_ai_client_inference_operation_input_tokens", LLM, "gen_ai_request_model"),
                    "{{gen_ai_request_model}} input",
                ),
                prom(
                    p95("gen_ai_client_inference_operation_output_tokens", LLM, "gen_ai_request_model"),
                    "{{gen_ai_request_model}} output",
                ),
            ],
            "short",
        ),
    ]


def tools() -> list[dict[str, Any]]:
    count = TOOL_CALLS
    return [
        row("Tools and errors"),
        timeseries(
            "Tool calls per second by tool and outcome",
            [
                prom(
                    f"sum by (gen_ai_tool_name, error_type) (rate({count}{{{SERVICE}}}{RATE}))",
                    "{{gen_ai_tool_name}} {{error_type}}",
                )
            ],
            "reqps",
            "error_type is empty for successful calls, else tool_error, tool_not_found or"
            " invalid_tool_arguments",
        ),
        timeseries(
            "Tool duration p95 by tool",
            [
                prom(
                    p95("gen_ai_execute_tool_duration_seconds", SERVICE, "gen_ai_tool_name"),
                    "{{gen_ai_tool_name}}",
                    exemplar=True,
                )
            ],
            "s",
        ),
        timeseries(
            "Tool error ratio by tool",
            [
                prom(
                    f"sum by (gen_ai_tool_name) ({rate(count, SERVICE + ', ' + TOOL_FAILED)})"
                    f" / sum by (gen_ai_tool_name) ({rate(count, SERVICE)})",
                    "{{gen_ai_tool_name}}",
                )
            ],
            "percentunit",
        ),
    ]


def group_chats() -> list[dict[str, Any]]:
    rounds = "ag2_group_chat_rounds"
    attempts = "ag2_speaker_selection_attempts"
    return [
        row("Group chats"),
        timeseries(
            "Rounds per group chat",
            [
                prom(
                    f"sum by (gen_ai_workflow_name) (rate({rounds}_sum{{{SERVICE}}}{RATE}))"
                    f" / sum by (gen_ai_workflow_name) (rate({rounds}_count{{{SERVICE}}}{RATE}))",
                    "{{gen_ai_workflow_name}} mean",
                ),
                prom(p95(rounds, SERVICE, "gen_ai_workflow_name"), "{{gen_ai_workflow_name}} p95"),
            ],
            "short",
            "Speaker turns taken per group chat (pattern or GroupChat)",
        ),
        timeseries(
            "Group chats per second",
            [
                prom(
                    f"sum by (gen_ai_workflow_name) (rate({rounds}_count{{{SERVICE}}}{RATE}))",
                    "{{gen_ai_workflow_name}}",
                )
            ],
            "reqps",
        ),
        timeseries(
            "LLM attempts per speaker selection",
            [
                prom(
                    f"sum by (ag2_speaker_selection_method) (rate({attempts}_sum{{{SERVICE}}}{RATE}))"
                    f" / sum by (ag2_speaker_selection_method) (rate({attempts}_count{{{SERVICE}}}{RATE}))",
                    "{{ag2_speaker_selection_method}}",
                )
            ],
            "short",
            "Above 1 means the selector model's answer often did not name an agent",
        ),
    ]


def humans_and_handoffs() -> list[dict[str, Any]]:
    agent = f'{SERVICE}, gen_ai_agent_name=~"$agent"'
    return [
        row("Humans in the loop and handoffs"),
        timeseries(
            "Human input wait p95 by agent",
            [
                prom(
                    p95(HUMAN_WAIT_SECONDS, agent, "gen_ai_agent_name"),
                    "{{gen_ai_agent_name}}",
                    exemplar=True,
                )
            ],
            "s",
            "From AG2 asking for human input to the reply (get_human_input)",
        ),
        timeseries(
            "Human input requests per second",
            [
                prom(
                    "sum by (gen_ai_agent_name, ag2_human_input_mode)"
                    f" ({rate(HUMAN_WAIT_SECONDS + '_count', agent)})",
                    "{{gen_ai_agent_name}} ({{ag2_human_input_mode}})",
                )
            ],
            "reqps",
        ),
        timeseries(
            "Handoffs per second",
            [
                prom(
                    "sum by (ag2_handoff_source, ag2_handoff_target, ag2_handoff_kind)"
                    f" ({rate(HANDOFFS, SERVICE)})",
                    "{{ag2_handoff_source}} → {{ag2_handoff_target}} ({{ag2_handoff_kind}})",
                )
            ],
            "reqps",
            "Group-chat handoffs (pattern transitions) by source, target and kind",
        ),
    ]


def conversations() -> list[dict[str, Any]]:
    return [
        row("Conversations (traces in Tempo)"),
        traces(
            "Recent conversations",
            '{ span.ag2.span.type = "conversation" }',
            "Click a trace id to open the whole conversation",
        ),
        traces(
            "Errored traces", "{ status = error }", "A span failed: LLM call, tool, agent or conversation"
        ),
        traces(
            "Expensive conversations (cost > 0.01 USD)",
            '{ span.ag2.span.type = "conversation" && span.ag2.usage.cost > 0.01 }',
            "ag2.usage.cost on a conversation span is the total of its own LLM calls",
        ),
    ]


WIDTHS = {"stat": 4, "row": 24, "table": 8}


def layout(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give panels ids and grid positions, left to right, wrapping at 24 columns."""
    x = y = 0
    line_height = 0
    placed = []
    for panel_id, panel in enumerate(panels, start=1):
        width = WIDTHS.get(panel["type"], 12)
        height = {"row": 1, "stat": 4, "table": 9}.get(panel["type"], 8)
        if panel["type"] == "row" or x + width > 24:
            x, y, line_height = 0, y + line_height, 0
        placed.append({**panel, "id": panel_id, "gridPos": {"x": x, "y": y, "w": width, "h": height}})
        x, line_height = x + width, max(line_height, height)
        if panel["type"] == "row":
            x, y, line_height = 0, y + height, 0
    return placed


def variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": PROMETHEUS,
        "definition": query,
        "query": {"query": query, "refId": f"{name}-values"},
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"text": "All", "value": "$__all"},
        "sort": 1,
    }


def dashboard() -> dict[str, Any]:
    calls = CALLS
    explore = {"datasource": "tempo", "queries": [traceql('{ span.ag2.span.type = "conversation" }')]}
    return {
        "uid": "ag2-agents",
        "title": "AG2 agents",
        "description": "LLM calls, tokens, cost, latency, tools and group chats of AG2 apps (ag2-otel)",
        "tags": ["ag2", "genai", "opentelemetry"],
        "editable": False,
        "schemaVersion": 41,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "timezone": "browser",
        "templating": {
            "list": [
                variable("service", "Service", f"label_values({calls}, job)"),
                variable("agent", "Agent", f'label_values({calls}{{job=~"$service"}}, gen_ai_agent_name)'),
                variable("model", "Model", f'label_values({calls}{{job=~"$service"}}, gen_ai_request_model)'),
            ]
        },
        "links": [
            {
                "title": "Explore conversations in Tempo",
                "type": "link",
                "url": "/explore?left=" + quote(json.dumps(explore, separators=(",", ":"))),
            }
        ],
        "panels": layout(
            [
                *overview(),
                *llm_usage(),
                *latency(),
                *tools(),
                *group_chats(),
                *humans_and_handoffs(),
                *conversations(),
            ]
        ),
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT}")
