"""OTLP answers: the export response, `google.rpc.Status` error bodies, and the
retry delay a throttled client is told to wait.

The spec asks for error bodies encoded like the request (protobuf or JSON).
"""

from __future__ import annotations

import json

from google.protobuf import json_format
from google.protobuf.duration_pb2 import Duration
from google.rpc import code_pb2
from google.rpc.error_details_pb2 import RetryInfo
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from ag2_otel.server.receiver.decode import JSON, PROTOBUF

GRPC_CODE_BY_HTTP: dict[int, int] = {
    400: code_pb2.INVALID_ARGUMENT,
    401: code_pb2.UNAUTHENTICATED,
    404: code_pb2.NOT_FOUND,
    408: code_pb2.DEADLINE_EXCEEDED,
    413: code_pb2.RESOURCE_EXHAUSTED,
    415: code_pb2.INVALID_ARGUMENT,
    429: code_pb2.RESOURCE_EXHAUSTED,
    501: code_pb2.UNIMPLEMENTED,
    503: code_pb2.UNAVAILABLE,
}
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
    code = GRPC_CODE_BY_HTTP.get(http_status, code_pb2.UNKNOWN)
    if media == PROTOBUF:
        return Status(code=code, message=message).SerializeToString(), PROTOBUF
    return json.dumps({"code": code, "message": message, "error": message}).encode(), JSON


def retry_info(seconds: int = RETRY_AFTER_SECONDS) -> bytes:
    """`google.rpc.RetryInfo{retry_delay: Duration{seconds}}`, serialised."""
    return RetryInfo(retry_delay=Duration(seconds=seconds)).SerializeToString()
