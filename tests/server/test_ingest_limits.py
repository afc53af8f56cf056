"""Issue 17: a live server bounds what one request may cost, reads gzip exactly,
and one span's absurd numbers never break its batch or the API."""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest
from google.rpc.status_pb2 import Status
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from ag2_otel.server.normalize import MAX_SPAN_NAME_CHARS, NAME_LENGTH_ATTRIBUTE
from tests.server.conftest import ServerProcess

PROTOBUF = {"content-type": "application/x-protobuf"}
GZIP = {**PROTOBUF, "content-encoding": "gzip"}


_client = httpx.Client(timeout=60)  # one keep-alive client: a new one per call costs ~0.1 s


@pytest.fixture(scope="module", autouse=True)
def _close_client() -> Iterator[None]:
    yield
    _client.close()


def _post(server: ServerProcess, body: bytes, headers: dict[str, str] = PROTOBUF) -> httpx.Response:
    return _client.post(f"{server.url}/v1/traces", content=body, headers=headers)


def _get(server: ServerProcess, path: str, **params: str | int | None) -> httpx.Response:
    return _client.get(server.url + path, params={k: v for k, v in params.items() if v is not None})


def _span(name: str, attributes: dict[str, AnyValue] | None = None, **fields: Any) -> Span:
    defaults = {
        "trace_id": os.urandom(16),
        "span_id": os.urandom(8),
        "start_time_unix_nano": 1_700_000_000_000_000_000,
        "end_time_unix_nano": 1_700_000_001_000_000_000,
    }
    attribute_list = [KeyValue(key=k, value=v) for k, v in (attributes or {}).items()]
    return Span(name=name, attributes=attribute_list, **{**defaults, **fields})


def _request(*spans: Span) -> bytes:
    request = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=list(spans))])]
    )
    return request.SerializeToString()


def _reason(response: httpx.Response) -> str:
    """The message of the `google.rpc.Status` error body (encoded like the request)."""
    if response.headers["content-type"].startswith(PROTOBUF["content-type"]):
        return str(Status.FromString(response.content).message)
    return str(response.json()["message"])


def _stored(server: ServerProcess, span: Span) -> bool:
    return _get(server, f"/api/traces/{span.trace_id.hex()}").status_code == 200


def _strict_json(response: httpx.Response) -> Any:
    """The body as JSON that any parser accepts (no NaN / Infinity)."""
    assert response.status_code == 200, response.text[:300]

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-JSON number {constant} in {response.url}")

    return json.loads(response.text, parse_constant=refuse)


def _api_healthy(server: ServerProcess, *trace_ids: bytes) -> None:
    """Lists, usage and the given traces answer 200 with strict JSON."""
    for path in ("/api/traces", "/api/usage", "/api/services", "/api/agents", "/api/models"):
        _strict_json(_get(server, path))
    _strict_json(_get(server, "/api/usage", bucket="day"))
    _strict_json(_get(server, "/api/traces", status="error"))
    for trace_id in trace_ids:
        _strict_json(_get(server, f"/api/traces/{trace_id.hex()}"))


def _len(payload: bytes) -> bytes:
    out = bytearray()
    size = len(payload)
    while True:
        byte, size = size & 0x7F, size >> 7
        out.append(byte | (0x80 if size else 0))
        if not size:
            return bytes(out)


def _field(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + _len(payload) + payload


# --- bounded work per request -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"\x0a\x00" * 2_000, "resources"),  # empty ResourceSpans: ~33x memory each on main
        (_field(0x0A, _field(0x12, b"\x12\x00" * 60_000)), "spans"),  # empty spans: ~90x
        (_field(0x0A, b"\x12\x00" * 12_000), "scopes"),
    ],
)
def test_absurd_entry_counts_are_refused_with_413_and_a_reason(
    server: ServerProcess, body: bytes, what: str
) -> None:
    response = _post(server, body)
    assert response.status_code == 413, response.text
    assert what in _reason(response)
    assert _get(server, "/api/services").status_code == 200


def test_a_span_with_150k_tiny_events_is_refused_before_it_is_parsed(server: ServerProcess) -> None:
    events = b"\x5a\x00" * 150_000  # Span.events, each empty: ~200x memory once normalised on main
    span = _span("many events").SerializeToString() + events
    response = _post(server, _field(0x0A, _field(0x12, _field(0x12, span))))
    assert response.status_code == 413, response.text
    assert "events" in _reason(response)


def test_nested_attribute_values_count_against_the_limit(server: ServerProcess) -> None:
    elements = _field(0x0A, b"\x10\x01") * 250_000  # ArrayValue.values: AnyValue{bool_value: true}
    attribute = _field(0x0A, b"list") + _field(0x12, _field(0x2A, elements))  # KeyValue{key, AnyValue{array}}
    span = _span("wide").SerializeToString() + _field(0x4A, attribute)
    response = _post(server, _field(0x0A, _field(0x12, _field(0x12, span))))
    assert response.status_code == 413
    assert "attributes" in _reason(response)


def test_json_bodies_have_their_own_smaller_limit(server: ServerProcess) -> None:
    body = b'{"resourceSpans": [' + b"{}," * (2 * 1024 * 1024) + b"{}]}"
    response = _post(server, body, {"content-type": "application/json"})
    assert response.status_code == 413
    assert "protobuf" in _reason(response)


# --- gzip / deflate read exactly ------------------------------------------------------------


def test_every_member_of_a_multi_member_gzip_body_is_stored(server: ServerProcess) -> None:
    first, second = _span("first member"), _span("second member")
    body = gzip.compress(_request(first)) + gzip.compress(_request(second))
    assert _post(server, body, GZIP).status_code == 200
    assert _stored(server, first)
    assert _stored(server, second)  # main acknowledged it but stored only the first member


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_trailing_garbage_after_the_compressed_stream_gets_400(server: ServerProcess, encoding: str) -> None:
    span = _span(f"trailing {encoding}")
    packed = gzip.compress(_request(span)) if encoding == "gzip" else zlib.compress(_request(span))
    response = _post(server, packed + b"garbage", {**PROTOBUF, "content-encoding": encoding})
    assert response.status_code == 400
    assert "trailing" in _reason(response)
    assert not _stored(server, span)


# --- no poison ------------------------------------------------------------------------------


def _llm(name: str, **attributes: AnyValue) -> dict[str, AnyValue]:
    return {
        "gen_ai.operation.name": AnyValue(string_value="chat"),
        "gen_ai.agent.name": AnyValue(string_value=f"agent-{name}"),
        "gen_ai.request.model": AnyValue(string_value="m"),
        **attributes,
    }


def test_huge_costs_and_far_future_times_leave_the_api_working(server: ServerProcess) -> None:
    cost = {"ag2.usage.cost": AnyValue(double_value=1.7e308)}
    late = 2**63 - 10**12
    spans = [
        _span("costly", _llm("costly", **cost), start_time_unix_nano=late, end_time_unix_nano=late + i)
        for i in (1, 2)
    ]
    assert _post(server, _request(*spans)).status_code == 200
    _api_healthy(server, *(span.trace_id for span in spans))


def test_overflowing_durations_and_tokens_cost_no_unrelated_span(server: ServerProcess) -> None:
    trace_id = os.urandom(16)
    long = [
        _span("long", _llm("long"), trace_id=trace_id, start_time_unix_nano=1, end_time_unix_nano=2**63 - 1)
        for _ in range(2)
    ]
    tokens = {"gen_ai.usage.input_tokens": AnyValue(double_value=6e18)}
    greedy = [_span("greedy", _llm("greedy", **tokens), trace_id=trace_id) for _ in range(2)]
    bystander = _span("bystander")
    response = _post(server, _request(*long, *greedy, bystander))
    assert response.status_code == 200  # main: 500 OverflowError, bystander lost
    assert _stored(server, bystander)
    _api_healthy(server, trace_id, bystander.trace_id)


_extreme_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: AnyValue(double_value=f)),
    st.sampled_from([0, 1, -1, 2**31, 2**53, 2**62, 2**63 - 1, -(2**63)]).map(
        lambda i: AnyValue(int_value=i)
    ),
    st.integers(-(2**63), 2**63 - 1).map(lambda i: AnyValue(int_value=i)),
    st.sampled_from(["1e308", "-0", "nan", "inf", "12", "9" * 30]).map(lambda s: AnyValue(string_value=s)),
)
_promoted_numbers = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "ag2.usage.cost",
    "gen_ai.usage.cost",
    "ag2.conversation.turns",
    "ag2.group_chat.rounds",
)
_times = st.sampled_from([0, 1, 10**9, 1_700_000_000 * 10**9, 2**62, 2**63 - 2, 2**63 - 1, 2**63, 2**64 - 1])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    numbers=st.lists(
        st.dictionaries(st.sampled_from(_promoted_numbers), _extreme_numbers), min_size=1, max_size=3
    ),
    times=st.lists(st.tuples(_times, _times), min_size=3, max_size=3),
)
def test_extreme_numbers_in_every_promoted_field_keep_the_api_200_for_everyone(
    server: ServerProcess, numbers: list[dict[str, AnyValue]], times: list[tuple[int, int]]
) -> None:
    trace_id = os.urandom(16)
    spans = []
    for index, attributes in enumerate(numbers):
        start, end = times[index]
        fields = {"start_time_unix_nano": start, "end_time_unix_nano": end}
        spans.append(_span(f"extreme {index}", _llm("extreme", **attributes), trace_id=trace_id, **fields))
    bystander = _span("bystander", _llm("bystander"))
    response = _post(server, _request(*spans, bystander))
    assert response.status_code == 200, response.text
    assert _stored(server, bystander)
    _api_healthy(server, bystander.trace_id)
    trace = _get(server, f"/api/traces/{trace_id.hex()}")
    if trace.status_code != 404:  # 404: every span had a time beyond 2262 (rejected alone)
        _strict_json(trace)


def test_grpc_refuses_absurd_shapes_with_resource_exhausted(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.grpc_endpoint) as channel:
        export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        with pytest.raises(grpc.RpcError) as refused:
            export(b"\x0a\x00" * 2_000, timeout=30)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "resources" in (refused.value.details() or "")


def test_a_huge_span_name_is_stored_cut_with_its_length_kept(server: ServerProcess) -> None:
    """A 1 MB name is a label no page can show: stored cut, its full length in an attribute."""
    span = _span("conversation " + "N" * 1_000_000)
    assert _post(server, _request(span)).status_code == 200
    stored = _get(server, f"/api/traces/{span.trace_id.hex()}").json()
    (root,) = stored["spans"]
    assert root["name"] == ("conversation " + "N" * 1_000_000)[:MAX_SPAN_NAME_CHARS] + "…"
    assert root["attributes"][NAME_LENGTH_ATTRIBUTE] == len("conversation ") + 1_000_000
    assert stored["summary"]["root_name"] == root["name"]


# --- logs and metrics: the same limits (issue 12 item 3) -------------------------------------

# ExportLogsServiceRequest nests resource → scope → record under the same field numbers as
# traces; ExportMetricsServiceRequest holds data points one level deeper, in a gauge.
_EMPTY_POINTS = _field(0x0A, _field(0x12, _field(0x12, _field(0x2A, b"\x0a\x00" * 30_000))))


@pytest.mark.parametrize(
    ("path", "body", "what"),
    [
        ("/v1/logs", b"\x0a\x00" * 2_000, "resources"),
        ("/v1/logs", _field(0x0A, _field(0x12, b"\x12\x00" * 60_000)), "log records"),
        ("/v1/logs", _field(0x0A, b"\x12\x00" * 12_000), "scopes"),
        ("/v1/metrics", b"\x0a\x00" * 2_000, "resources"),
        ("/v1/metrics", _EMPTY_POINTS, "data points"),
    ],
)
def test_logs_and_metrics_have_the_traces_entry_limits(
    server: ServerProcess, path: str, body: bytes, what: str
) -> None:
    response = _client.post(server.url + path, content=body, headers=PROTOBUF)
    assert response.status_code == 413, response.text
    assert what in _reason(response)
    assert _get(server, "/api/services").status_code == 200


def test_logs_and_metrics_json_have_the_traces_json_limit(server: ServerProcess) -> None:
    body = b'{"resourceLogs": [' + b"{}," * (2 * 1024 * 1024) + b"{}]}"
    for path in ("/v1/logs", "/v1/metrics"):
        response = _client.post(server.url + path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 413
        assert "protobuf" in _reason(response)


def test_grpc_logs_and_metrics_refuse_absurd_shapes_with_resource_exhausted(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.grpc_endpoint) as channel:
        for service in ("logs.v1.LogsService", "metrics.v1.MetricsService"):
            export = channel.unary_unary(f"/opentelemetry.proto.collector.{service}/Export")
            with pytest.raises(grpc.RpcError) as refused:
                export(b"\x0a\x00" * 2_000, timeout=30)
            assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "resources" in (refused.value.details() or "")
