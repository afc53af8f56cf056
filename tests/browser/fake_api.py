"""STAND-IN for the real backend: a tiny JSON API over canned spans, following
docs/contracts.md. Used only when `ag2-otel serve` is not available; the browser
tests prefer the real server (see conftest.py)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ag2_otel.server.viewer import viewer_routes

Span = dict[str, Any]


def summarize(spans: list[Span]) -> dict[str, Any]:
    """A TraceSummary computed the way the contract describes (usage from LLM spans only)."""
    root = min(spans, key=lambda s: (s["parent_span_id"] is not None, s["start_time_ns"]))
    llm = [s for s in spans if s["span_type"] == "llm"]
    start = min(s["start_time_ns"] for s in spans)
    end = max(s["end_time_ns"] for s in spans)
    errors = sum(s["status_code"] == "ERROR" for s in spans)

    def total(key: str) -> float:
        return sum(float(s["attributes"].get(key, 0)) for s in llm)

    return {
        "trace_id": root["trace_id"],
        "root_name": root["name"],
        "service": root["resource"].get("service.name", ""),
        "start_time_ns": start,
        "end_time_ns": end,
        "duration_ms": (end - start) / 1e6,
        "span_count": len(spans),
        "agents": sorted({s["agent"] for s in spans if s["agent"]}),
        "models": sorted({s["attributes"].get("gen_ai.request.model", "") for s in llm} - {""}),
        "turns": sum(s["span_type"] == "agent" for s in spans),
        "llm_calls": len(llm),
        "tool_calls": sum(s["span_type"] == "tool" for s in spans),
        "input_tokens": int(total("gen_ai.usage.input_tokens")),
        "output_tokens": int(total("gen_ai.usage.output_tokens")),
        "cost": total("ag2.usage.cost"),
        "error_count": errors,
        "status": "error" if errors else "ok",
        "conversation_id": next(
            (
                s["attributes"]["gen_ai.conversation.id"]
                for s in spans
                if "gen_ai.conversation.id" in s["attributes"]
            ),
            None,
        ),
    }


def _matches(summary: dict[str, Any], spans: list[Span], params: dict[str, str]) -> bool:
    checks = [
        not params.get("service") or summary["service"] == params["service"],
        not params.get("agent") or params["agent"] in summary["agents"],
        not params.get("model") or params["model"] in summary["models"],
        not params.get("status") or summary["status"] == params["status"],
        not params.get("since") or summary["start_time_ns"] >= int(params["since"]),
        not params.get("until") or summary["start_time_ns"] <= int(params["until"]),
        not params.get("q") or params["q"].lower() in repr(spans).lower(),
    ]
    return all(checks)


def fake_api_app(traces: list[list[Span]]) -> Starlette:
    def traces_by_id() -> dict[str, list[Span]]:
        return {spans[0]["trace_id"]: spans for spans in traces}

    async def list_traces(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        by_id = traces_by_id()
        rows = [summarize(s) for s in by_id.values()]
        rows = [r for r in rows if _matches(r, by_id[r["trace_id"]], params)]
        rows.sort(key=lambda r: r["start_time_ns"], reverse=True)
        offset = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 50)
        page = rows[offset : offset + limit]
        more = offset + limit < len(rows)
        return JSONResponse({"traces": page, "next_cursor": str(offset + limit) if more else None})

    async def get_trace(request: Request) -> JSONResponse:
        spans = traces_by_id().get(request.path_params["trace_id"])
        if spans is None:
            return JSONResponse({"error": "trace not found"}, status_code=404)
        return JSONResponse({"summary": summarize(spans), "spans": spans})

    async def usage(request: Request) -> JSONResponse:
        group_by = request.query_params.get("group_by", "agent")
        hour = 3600 * 10**9
        buckets: dict[tuple[int, str], dict[str, Any]] = {}
        for spans in traces_by_id().values():
            index = {s["span_id"]: s for s in spans}
            for s in spans:
                if s["span_type"] != "llm":
                    continue
                parent = index.get(s["parent_span_id"] or "")
                agent = parent["agent"] if parent else None
                model = s["attributes"].get("gen_ai.request.model")
                key_value = agent if group_by == "agent" else model
                bucket = s["start_time_ns"] // hour * hour
                row = buckets.setdefault(
                    (bucket, str(key_value)),
                    {
                        "bucket_start_ns": bucket,
                        "agent": agent if group_by == "agent" else None,
                        "model": model if group_by == "model" else None,
                        "llm_calls": 0,
                        "input_tokens": 0,
                        "output_tokens": 0,
                        "cost": 0.0,
                        "duration_ms": 0.0,
                    },
                )
                row["llm_calls"] += 1
                row["input_tokens"] += s["attributes"].get("gen_ai.usage.input_tokens", 0)
                row["output_tokens"] += s["attributes"].get("gen_ai.usage.output_tokens", 0)
                row["cost"] += s["attributes"].get("ag2.usage.cost", 0.0)
                row["duration_ms"] += s["duration_ms"]
        return JSONResponse({"rows": sorted(buckets.values(), key=lambda r: r["bucket_start_ns"])})

    def values(kind: str) -> Route:
        async def endpoint(request: Request) -> JSONResponse:
            rows = [summarize(s) for s in traces_by_id().values()]
            found: set[str] = set()
            for r in rows:
                found |= {r["service"]} if kind == "services" else set(r[kind])
            return JSONResponse({"values": sorted(found)})

        return Route(f"/api/{kind}", endpoint)

    routes = [
        Route("/api/traces", list_traces),
        Route("/api/traces/{trace_id}", get_trace),
        Route("/api/usage", usage),
        *(values(kind) for kind in ("services", "agents", "models")),
        *viewer_routes(None),
    ]
    return Starlette(routes=routes)
