"""OTLP answers: the export response, `google.rpc.Status` error bodies, and the
retry delay a throttled client is told to wait.

The spec asks for error bodies encoded like the request (protobuf or JSON).
`Status` and `RetryInfo` are encoded by hand (a few scalar fields) to avoid a
dependency on googleapis-common-protos.
"""

from __future__ import annotations

import json

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from ag2_otel.server.otlp_decode import JSON, PROTOBUF

GRPC_CODE_BY_HTTP = {400: 3, 401: 16, 404: 5, 408: 4, 413: 8, 415: 3, 429: 8, 501: 12, 503: 14}
RETRY_AFTER_SECONDS = 1
"""How long an overloaded receiver asks clients to wait: `Retry-After` over HTTP,
`google.rpc.RetryInfo` in the trailing metadata over gRPC (what the SDK exporters read)."""
RETRY_INFO_METADATA_KEY = "google.rpc.retryinfo-bin"


def export_response(rejected: int, error_message: str, media: str) -> bytes:
    response = ExportTraceServiceResponse()
    if rejected:
        response.partial_success.rejected_spans = rejected
        response.partial_success.error_message = error_message
    if media == JSON:
        return json.dumps(json_format.MessageToDict(response)).encode()
    return response.SerializeToString()


def status_body(http_status: int, message: str, media: str) -> tuple[bytes, str]:
    """(body, content type) describing an error, in the request's encoding when known."""
    code = GRPC_CODE_BY_HTTP.get(http_status, 2)
    if media == PROTOBUF:
        return _status_protobuf(code, message), PROTOBUF
    return json.dumps({"code": code, "message": message, "error": message}).encode(), JSON


def retry_info(seconds: int = RETRY_AFTER_SECONDS) -> bytes:
    """`google.rpc.RetryInfo{retry_delay: Duration{seconds}}`, serialised."""
    duration = b"\x08" + _varint(seconds)
    return b"\x0a" + _varint(len(duration)) + duration


def _status_protobuf(code: int, message: str) -> bytes:
    text = message.encode("utf-8")
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
