"""Stored spans → OTLP/JSON (`traces export`), the inverse of `normalize`.

Ids are hex as the OTLP/JSON spec requires; spans are regrouped by resource and
scope so the output can be posted back to any OTLP/HTTP receiver.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ag2_otel.server.normalize import KINDS, STATUS_CODES, SpanRow

_STATUS_NUMBER = {name: index for index, name in enumerate(STATUS_CODES)}
_KIND_NUMBER = {name: index for index, name in enumerate(KINDS)}


def otlp_json(rows: Iterable[SpanRow]) -> dict[str, Any]:
    """Stored spans (`TraceStore.span_rows`) → an `ExportTraceServiceRequest` as OTLP/JSON."""
    resources: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        resources.setdefault(row.resource_json, {}).setdefault(row.scope_json, []).append(_span(row))
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": key_values(json.loads(resource))},
                "scopeSpans": [
                    {"scope": _scope(json.loads(scope)), "spans": spans} for scope, spans in scopes.items()
                ],
            }
            for resource, scopes in resources.items()
        ]
    }


def _span(row: SpanRow) -> dict[str, Any]:
    span: dict[str, Any] = {
        "traceId": row.trace_id,
        "spanId": row.span_id,
        "name": row.name,
        "kind": _KIND_NUMBER.get(row.kind, 0),
        "startTimeUnixNano": str(row.start_ns),
        "endTimeUnixNano": str(row.end_ns),
        "attributes": key_values(json.loads(row.attributes_json)),
        "events": [
            {"name": e["name"], "timeUnixNano": str(e["time_ns"]), "attributes": key_values(e["attributes"])}
            for e in json.loads(row.events_json)
        ],
        "links": [_link(link) for link in json.loads(row.links_json)],
        "status": {"code": _STATUS_NUMBER.get(row.status_code, 0), "message": row.status_message},
    }
    if row.parent_span_id:
        span["parentSpanId"] = row.parent_span_id
    if row.trace_state:
        span["traceState"] = row.trace_state
    if row.flags:
        span["flags"] = row.flags
    return span


def _link(link: dict[str, Any]) -> dict[str, Any]:
    out = {
        "traceId": link["trace_id"],
        "spanId": link["span_id"],
        "attributes": key_values(link["attributes"]),
    }
    if link.get("trace_state"):
        out["traceState"] = link["trace_state"]
    return out


def _scope(scope: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": scope.get("name", ""),
        "version": scope.get("version", ""),
        "attributes": key_values(scope.get("attributes", {})),
    }


def key_values(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": any_value(value)} for key, value in attributes.items()]


def any_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(item) for item in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": key_values(value)}}
    if value is None:
        return {}
    return {"stringValue": str(value)}
