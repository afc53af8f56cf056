"""Real OTLP into a real `ag2-otel serve`, read back through the API and the CLI."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
from google.protobuf import json_format

from ag2_otel.testing.otlp import capture, grpc_exporter, http_exporter, request_of, send
from ag2_otel.testing.serve import run_cli, start_server_over
from ag2_otel.testing.workload import (
    LLM_CALLS_PER_TRACE,
    SPANS_PER_TRACE,
    emit_trace,
    emit_traces,
    input_tokens,
)
from tests.server.conftest import ServerProcess, start_server


def _traces(server: ServerProcess, **params: str | int | None) -> list[dict[str, Any]]:
    response = server.api("/api/traces", limit=500, **params)
    assert response.status_code == 200, response.text
    return response.json()["traces"]  # type: ignore[no-any-return]


def test_sdk_http_protobuf_export_is_queryable(server: ServerProcess) -> None:
    send(http_exporter(server.url), emit_traces(5), service="via-http")

    traces = _traces(server, service="via-http")
    assert len(traces) == 5
    summary = traces[0]
    assert summary["span_count"] == SPANS_PER_TRACE
    assert summary["llm_calls"] == LLM_CALLS_PER_TRACE
    assert summary["tool_calls"] == 1
    assert summary["agents"] == ["coder", "manager", "planner"]
    assert summary["models"] == ["gpt-4o-mini"]
    assert summary["root_name"] == "conversation user_proxy → manager"
    assert summary["status"] == "ok"
    assert summary["turns"] == 3
    index = int(str(summary["conversation_id"]).split("-")[1])
    # usage from LLM-call spans only: the root's roll-up is not added again
    assert summary["input_tokens"] == sum(input_tokens(index, c) for c in range(LLM_CALLS_PER_TRACE))
    assert summary["output_tokens"] == 20 * LLM_CALLS_PER_TRACE
    assert abs(float(summary["cost"]) - 0.001 * LLM_CALLS_PER_TRACE) < 1e-9  # type: ignore[arg-type]


def test_sdk_grpc_export_is_queryable_with_full_spans(server: ServerProcess) -> None:
    send(grpc_exporter(server.grpc_endpoint), lambda t: emit_trace(t, 7), service="via-grpc")

    (summary,) = _traces(server, service="via-grpc")
    trace = server.api(f"/api/traces/{summary['trace_id']}").json()
    assert trace["summary"] == summary
    spans = {span["name"]: span for span in trace["spans"]}
    assert len(trace["spans"]) == SPANS_PER_TRACE
    tool = spans["execute_tool run_code"]
    assert tool["span_type"] == "tool"
    assert tool["operation"] == "execute_tool"
    assert tool["agent"] == "coder"
    assert tool["resource"]["service.name"] == "via-grpc"
    assert tool["scope"] == {"name": "ag2_otel.testing", "version": ""}
    assert json.loads(tool["attributes"]["gen_ai.tool.call.arguments"])[0]["role"] == "user"
    root = spans["conversation user_proxy → manager"]
    assert root["parent_span_id"] is None
    assert root["span_type"] == "conversation"
    assert spans["speaker_selection"]["attributes"]["ag2.speaker_selection.candidates"] == [
        "planner",
        "coder",
    ]


def test_raw_otlp_json_post_with_hex_ids(server: ServerProcess) -> None:
    body = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "via-json"}}]},
                "scopeSpans": [
                    {
                        "scope": {"name": "raw"},
                        "spans": [
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "name": "chat claude",
                                "kind": 3,
                                "startTimeUnixNano": "1700000000000000000",
                                "endTimeUnixNano": "1700000001000000000",
                                "attributes": [
                                    {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                    {"key": "gen_ai.system", "value": {"stringValue": "anthropic"}},
                                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "42"}},
                                    {"key": "gen_ai.usage.cost", "value": {"doubleValue": 0.5}},
                                ],
                                "status": {"code": 2, "message": "boom"},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    response = httpx.post(f"{server.url}/v1/traces", json=body, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {}

    trace = server.api("/api/traces/5b8efff798038103d269b633813fc60c").json()
    (span,) = trace["spans"]
    assert span["kind"] == "CLIENT"
    assert span["span_type"] == "llm"
    assert span["status_code"] == "ERROR"
    assert trace["summary"]["status"] == "error"
    assert trace["summary"]["input_tokens"] == 42
    assert trace["summary"]["cost"] == 0.5
    assert trace["summary"]["duration_ms"] == 1000.0
    assert _traces(server, status="error", service="via-json")[0]["trace_id"] == span["trace_id"]


def test_partially_invalid_batch_reports_partial_success(server: ServerProcess) -> None:
    good = {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "name": "good"}
    bad = {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "00", "name": "bad"}
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [good, bad]}]}]}
    response = httpx.post(f"{server.url}/v1/traces", json=body, timeout=30)
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1"
    assert "span_id" in partial["errorMessage"]
    assert [
        s["name"] for s in server.api("/api/traces/0af7651916cd43dd8448eb211c80319c").json()["spans"]
    ] == ["good"]


def test_resending_a_batch_does_not_double_count(server: ServerProcess) -> None:
    request = request_of(capture(lambda t: emit_trace(t, 3), service="resent"))
    body = request.SerializeToString()
    for _ in range(2):
        response = httpx.post(
            f"{server.url}/v1/traces",
            content=body,
            headers={"content-type": "application/x-protobuf"},
            timeout=30,
        )
        assert response.status_code == 200
    (summary,) = _traces(server, service="resent")
    assert summary["span_count"] == SPANS_PER_TRACE
    assert summary["llm_calls"] == LLM_CALLS_PER_TRACE


def test_usage_is_grouped_by_agent_and_model(server: ServerProcess) -> None:
    send(http_exporter(server.url), emit_traces(2), service="usage")
    rows = server.api("/api/usage", group_by="agent", bucket="day").json()["rows"]
    by_agent = {row["agent"]: row for row in rows}
    # the speaker-selection call is charged to the manager, unnamed calls to their invoke_agent parent
    assert {"manager", "planner", "coder"} <= set(by_agent)
    assert all(row["model"] is None for row in rows)
    coder_calls = sum(row["llm_calls"] for row in rows if row["agent"] == "coder")
    planner_calls = sum(row["llm_calls"] for row in rows if row["agent"] == "planner")
    assert coder_calls == 2 * planner_calls
    models = server.api("/api/usage", group_by="model").json()["rows"]
    assert {row["model"] for row in models} >= {"gpt-4o-mini"}
    assert server.api("/api/agents").json()["values"] >= ["coder", "manager", "planner"]
    assert "usage" in server.api("/api/services").json()["values"]
    assert "gpt-4o-mini" in server.api("/api/models").json()["values"]


def _readers(server: ServerProcess) -> list[tuple[str, ...]]:
    """How `ag2-otel traces` reads what the server stored: through the server's API always,
    and the store directly where a second process may open it (SQLite; chDB admits one)."""
    through_api = ("--url", server.url)
    return [through_api] if server.store == "chdb" else [through_api, ()]


def test_cli_lists_shows_and_exports_what_the_server_stored(server: ServerProcess, tmp_path: Path) -> None:
    send(http_exporter(server.url), lambda t: emit_trace(t, 11), service="for-cli")
    printed = [_cli_reads(server, reader) for reader in _readers(server)]
    assert all(outputs == printed[0] for outputs in printed)  # the API answers as the store does


def _cli_reads(server: ServerProcess, reader: tuple[str, ...]) -> list[str]:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(server.db_path, "traces", *args, *reader)

    listed = cli("list", "--service", "for-cli", "--json")
    assert listed.returncode == 0, listed.stderr
    (summary,) = json.loads(listed.stdout)["traces"]
    trace_id = summary["trace_id"]

    table = cli("list", "--agent", "coder", "--limit", "500")
    assert trace_id in table.stdout

    shown = cli("show", trace_id[:10])
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == f"trace {trace_id} ({SPANS_PER_TRACE} spans)"
    assert "└── " in shown.stdout
    assert "execute_tool run_code" in shown.stdout
    as_json = cli("show", trace_id[:10], "--json")
    assert json.loads(as_json.stdout) == server.api(f"/api/traces/{trace_id}").json()

    exported = cli("export", trace_id)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    spans = document["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert len(spans) == SPANS_PER_TRACE
    assert all(span["traceId"] == trace_id for span in spans)

    missing = cli("show", "ffffffffffff")
    assert missing.returncode == 2
    assert missing.stderr == "ag2-otel: error: no trace with id starting 'ffffffffffff'\n"
    return [listed.stdout, table.stdout, shown.stdout, as_json.stdout, exported.stdout, missing.stderr]


def test_exported_json_round_trips_through_the_receiver(server: ServerProcess, tmp_path: Path) -> None:
    send(http_exporter(server.url), lambda t: emit_trace(t, 12), service="round-trip")
    (summary,) = _traces(server, service="round-trip")
    before = server.api(f"/api/traces/{summary['trace_id']}").json()
    exports = [
        run_cli(server.db_path, "traces", "export", summary["trace_id"], *reader).stdout
        for reader in _readers(server)
    ]
    assert all(text == exports[0] for text in exports)
    # the same document must rebuild the same trace, in a new store of the same kind
    other = start_server_over(server.store, tmp_path)
    try:
        response = httpx.post(f"{other.url}/v1/traces", json=json.loads(exports[0]), timeout=30)
        assert response.status_code == 200, response.text
        after = other.api(f"/api/traces/{summary['trace_id']}").json()
    finally:
        other.stop()
    assert after == before


def test_export_and_id_lookup_answer_like_the_rest_of_the_api(server: ServerProcess) -> None:
    send(http_exporter(server.url), lambda t: emit_trace(t, 13), service="export-api")
    (summary,) = _traces(server, service="export-api")
    trace_id = summary["trace_id"]

    found = server.api("/api/trace_ids", prefix=trace_id[:12].upper())
    assert found.json() == {"trace_ids": [trace_id]}
    document = server.api("/api/export", trace_id=trace_id).json()
    assert {
        span["traceId"] for r in document["resourceSpans"] for s in r["scopeSpans"] for span in s["spans"]
    } == {trace_id}
    newest = server.api("/api/export", limit=1).json()
    assert newest == document  # the newest trace is this one

    assert server.api("/api/trace_ids", prefix="f" * 31).json() == {"trace_ids": []}
    for path, params, status in (
        ("/api/export", {"trace_id": "f" * 32}, 404),
        ("/api/export", {"trace_id": "not-hex"}, 400),
        ("/api/export", {"limit": "many"}, 400),
        ("/api/trace_ids", {"prefix": "xyz"}, 400),
        ("/api/trace_ids", {"prefix": ""}, 400),
        ("/api/trace_ids", {"prefix": "a" * 33}, 400),
    ):
        response = server.api(path, **params)
        assert response.status_code == status, (path, params, response.text)
        assert set(response.json()) == {"error"}


def test_protobuf_and_json_answers_match_request_encoding(server: ServerProcess) -> None:
    request = request_of(capture(lambda t: emit_trace(t, 4), service="encodings"))
    as_json = json_format.MessageToDict(request)
    for span in as_json["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        for key in ("traceId", "spanId", "parentSpanId"):
            if key in span:
                span[key] = base64.b64decode(span[key]).hex()
    response = httpx.post(f"{server.url}/v1/traces", json=as_json, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    (summary,) = _traces(server, service="encodings")
    assert summary["span_count"] == SPANS_PER_TRACE


def test_serve_applies_its_retention_flag_when_it_starts(tmp_path: Path) -> None:
    """Traces sent over OTLP, then the server restarted with `--retention-days 7`:
    the ten-day-old traces are gone, the recent ones (and their usage) stay."""
    from ag2_otel.server.units import DAY_NS
    from ag2_otel.testing.otlp import ag2_request

    db = tmp_path / "retention.db"
    server = start_server(db)
    try:
        for request in (ag2_request(3, shift_ns=10 * DAY_NS), ag2_request(2, first=50)):
            response = httpx.post(
                f"{server.url}/v1/traces",
                content=request.SerializeToString(),
                headers={"Content-Type": "application/x-protobuf"},
                timeout=30,
            )
            assert response.status_code == 200, response.text
        assert len(_traces(server)) == 5
    finally:
        server.stop()
    server = start_server(db, "--retention-days", "7")
    try:
        remaining = _traces(server)
        assert len(remaining) == 2
        assert {int(str(t["conversation_id"]).split("-")[1]) for t in remaining} == {50, 51}
        usage = server.api("/api/usage", group_by="agent", bucket="day", range="all").json()
        assert sum(row["llm_calls"] for row in usage["rows"]) == 2 * LLM_CALLS_PER_TRACE
    finally:
        server.stop()
