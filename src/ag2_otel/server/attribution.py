"""Who did what in one trace: each span's owning agent and turn, and the per-turn,
per-agent and per-model roll-ups.

The server is the one place these rules live. The trace summary and the usage roll-up
(`store.summaries`) charge LLM calls with `span_tree.owning_agents`, and the trace API
(`GET /api/traces/{id}`, via `attribute_trace`) hands every reader the same answers, so
the viewer renders them instead of re-deriving them with rules of its own. The input
is the API's span list, which both stores (SQLite, ClickHouse/chDB) produce, with each
span's promoted facts as the store holds them (`queries.trace_document`), so both answer
alike and from the same facts their summaries and usage roll-ups add up. Field names:
docs/contracts.md ("derived", version `VERSION`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ag2_otel.server.promote import Promoted, promote, saturated
from ag2_otel.server.span_tree import inside_speaker_selection, owning_agents

VERSION = 1
"""Bumped when a field of the `derived` objects changes meaning or goes away."""

TURN_BOUNDARIES = frozenset({"speaker_selection", "handoff", "conversation", "group_chat", "workflow"})
"""Span types that end a turn: what runs beneath them is no longer the enclosing turn's
own work (a nested chat's turns, a selection's helper agents), so the viewer shows these
spans as markers between turns."""

_ZERO_USAGE = {
    "llm_calls": 0,
    "input_tokens": 0,
    "output_tokens": 0,
    "cost": 0.0,
    "llm_duration_ns": 0,
    "priced_calls": 0,
}
_ZERO_ROW = {"turns": 0, **_ZERO_USAGE, "errors": 0}


@dataclass(slots=True)
class _ApiSpan:
    span_id: str
    parent_span_id: str | None
    span_type: str
    agent: str | None
    start_ns: int
    end_ns: int
    error: bool
    promoted: Promoted
    source: dict[str, Any]


def attribute_trace(trace: dict[str, Any], promoted: Sequence[Promoted] | None = None) -> dict[str, Any]:
    """Add the server's derived facts to a trace document, in place, and return it.

    Every span gains `derived` {agent, turn, in_speaker_selection, model; `usage` on LLM
    calls; `turn_boundary` and `below` (the LLM calls beneath) on turn boundaries}; the
    trace gains `derived` {version, turn_type, turns, agents, models}
    (docs/contracts.md).

    `promoted`: each span's facts (model, usage), in the order of `trace["spans"]`, as the
    store keeps them. Without them (a document from elsewhere: an older server's API, a
    report's input) they are promoted from the spans' attributes here, by the same rules.
    """
    sources = trace.get("spans") or []
    if promoted is None:
        promoted = [promote(span.get("attributes") or {}) for span in sources]
    spans = [_api_span(source, facts) for source, facts in zip(sources, promoted, strict=True)]
    owners = owning_agents(spans)
    internal = inside_speaker_selection(spans)
    types = {s.span_type for s in spans}
    turn_type = "agent" if "agent" in types else "llm" if "llm" in types else None
    turn_of, turns = _turns(spans, turn_type, internal, owners)
    by_agent: dict[str | None, dict[str, Any]] = {}
    by_model: dict[str | None, dict[str, Any]] = {}
    for span in spans:
        facts = _span_facts(span, owners.get(span.span_id) or None, turn_of.get(span.span_id), internal)
        span.source["derived"] = facts
        if span.span_type == "agent" and span.span_id not in internal:
            _add(by_agent, facts["agent"], {"turns": 1, "errors": int(span.error)})
    by_id = {s.span_id: s for s in spans}
    for span in spans:
        facts = span.source["derived"]
        if "usage" not in facts:
            continue
        calls = _calls(span, facts["usage"])
        _add(by_agent, facts["agent"], calls)
        _add(by_model, facts["model"], {**calls, "errors": int(span.error)})
        if facts["turn"] is not None:
            _add_usage(turns[facts["turn"] - 1], calls)
        for boundary in _boundaries_above(span, by_id):
            _add_usage(boundary.source["derived"]["below"], calls)
    trace["derived"] = {
        "version": VERSION,
        "turn_type": turn_type,
        "turns": turns,
        "agents": [{"agent": key, **row} for key, row in by_agent.items()],
        "models": [{"model": key, **row} for key, row in by_model.items()],
    }
    return trace


def _span_facts(span: _ApiSpan, agent: str | None, turn: int | None, internal: set[str]) -> dict[str, Any]:
    promoted = span.promoted
    facts: dict[str, Any] = {
        "agent": agent,
        "turn": turn,
        "in_speaker_selection": span.span_id in internal,
        "model": promoted.response_model or promoted.request_model,
    }
    if span.span_type == "llm":  # the same numbers the summary and usage roll-up add up
        facts["usage"] = {
            "input_tokens": promoted.input_tokens or 0,
            "output_tokens": promoted.output_tokens or 0,
            "cost": promoted.cost,
        }
    if span.span_type in TURN_BOUNDARIES:
        facts["turn_boundary"] = True
        facts["below"] = dict(_ZERO_USAGE)
    return facts


def _calls(span: _ApiSpan, usage: Mapping[str, Any]) -> dict[str, float]:
    return {
        "llm_calls": 1,
        "input_tokens": usage["input_tokens"],
        "output_tokens": usage["output_tokens"],
        "cost": usage["cost"] or 0.0,
        "llm_duration_ns": max(0, span.end_ns - span.start_ns),
        "priced_calls": int(usage["cost"] is not None),  # as the summary's priced_calls
    }


def _boundaries_above(span: _ApiSpan, by_id: dict[str, _ApiSpan]) -> list[_ApiSpan]:
    """Turn-boundary ancestors of `span` (each once, even in a parent cycle)."""
    found: list[_ApiSpan] = []
    seen = {span.span_id}
    node = by_id.get(span.parent_span_id or "")
    while node is not None and node.span_id not in seen:
        seen.add(node.span_id)
        if node.span_type in TURN_BOUNDARIES:
            found.append(node)
        node = by_id.get(node.parent_span_id or "")
    return found


def _api_span(span: dict[str, Any], promoted: Promoted) -> _ApiSpan:
    return _ApiSpan(
        span_id=str(span["span_id"]),
        parent_span_id=span.get("parent_span_id") or None,
        span_type=span.get("span_type") or "other",
        agent=span.get("agent") or None,
        start_ns=int(span.get("start_time_ns") or 0),
        end_ns=int(span.get("end_time_ns") or 0),
        error=span.get("status_code") == "ERROR",
        promoted=promoted,
        source=span,
    )


def _turns(
    spans: list[_ApiSpan], turn_type: str | None, internal: set[str], owners: dict[str, str]
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Turns in tree order (children by start), numbered from 1, and each span's turn.

    A turn is an agent span outside speaker selection, or, in a trace without agent
    spans, an outermost LLM call. A span belongs to the turn of its parent unless it
    starts a turn, is a nested agent/LLM span, or is a turn boundary (a marker)."""
    turn_of: dict[str, int] = {}
    turns: list[dict[str, Any]] = []
    if turn_type is None:
        return turn_of, turns
    by_id = {s.span_id: s for s in spans}
    children: dict[str, list[_ApiSpan]] = {}
    roots: list[_ApiSpan] = []
    for span in spans:
        parent = span.parent_span_id
        if parent in by_id:
            children.setdefault(parent, []).append(span)
        else:
            roots.append(span)

    def by_start(span: _ApiSpan) -> tuple[int, int]:
        return span.start_ns, span.end_ns

    # (span, turn it belongs to unless it starts one, enclosing turn, turn-type ancestors)
    stack: list[tuple[_ApiSpan, int | None, int | None, int]] = [
        (root, None, None, 0) for root in sorted(roots, key=by_start, reverse=True)
    ]
    while stack:
        span, inherited, enclosing, depth = stack.pop()
        is_turn_type = span.span_type == turn_type
        starts = is_turn_type and span.span_id not in internal and (turn_type == "agent" or depth == 0)
        if starts:
            turns.append(_turn(len(turns) + 1, span, owners, depth, enclosing))
            inherited = enclosing = len(turns)
        elif is_turn_type or span.span_type in TURN_BOUNDARIES:
            inherited = None
        if inherited is not None:
            turn_of[span.span_id] = inherited
        below = depth + 1 if is_turn_type else depth
        for child in sorted(children.get(span.span_id, []), key=by_start, reverse=True):
            stack.append((child, inherited, enclosing, below))
    return turn_of, turns


def _turn(
    number: int, span: _ApiSpan, owners: dict[str, str], depth: int, parent: int | None
) -> dict[str, Any]:
    return {
        "turn": number,
        "span_id": span.span_id,
        "agent": owners.get(span.span_id) or None,
        "depth": depth,
        "parent_turn": parent,
        **_ZERO_USAGE,
    }


def _add(table: dict[str | None, dict[str, Any]], key: str | None, fields: Mapping[str, float]) -> None:
    _add_usage(table.setdefault(key, dict(_ZERO_ROW)), fields)


def _add_usage(row: dict[str, Any], fields: Mapping[str, float]) -> None:
    for name, value in fields.items():
        row[name] = saturated(row[name] + value)
