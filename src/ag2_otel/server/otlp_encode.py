"""Stored spans → OTLP/JSON (`traces export`), the inverse of `normalize`.

Ids are hex as the OTLP/JSON spec requires; spans are regrouped by resource and
scope so the output can be posted back to any OTLP/HTTP receiver.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ag2_otel.server.normalize import KINDS, STATUS_CODES

_STATUS_NUMBER = {name: index for index, name in enumerate(STATUS_CODES)}
_KIND_NUMBER = {name: index for index, name in enumerate(KINDS)}


def otlp_json(rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    """Rows from `queries.span_rows` → an `ExportTraceServiceRequest` as OTLP/JSON."""
    resources: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        resource, scope = row[15], row[16]
        resources.setdefault(resource, {}).setdefault(scope, []).append(_span(row))
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


def _span(row: tuple[Any, ...]) -> dict[str, Any]:
    (trace_id, span_id, parent, name, kind, start, end, status_code, status_message, _type, _op, _agent,
     attributes, events, links, _resource, _scope, trace_state, flags) = row  # fmt: skip
    span: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": _KIND_NUMBER.get(kind, 0),
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(end),
        "attributes": key_values(json.loads(attributes)),
        "events": [
            {"name": e["name"], "timeUnixNano": str(e["time_ns"]), "attributes": key_values(e["attributes"])}
            for e in json.loads(events)
        ],
        "links": [_link(link) for link in json.loads(links)],
        "status": {"code": _STATUS_NUMBER.get(status_code, 0), "message": status_message},
    }
    if parent:
        span["parentSpanId"] = parent
    if trace_state:
        span["traceState"] = trace_state
    if flags:
        span["flags"] = flags
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
