"""One conversation as static, self-contained HTML: summary, transcript and span tree.

No script at all, no external resource (a page's CSP forbids every load), every text passes
through `html.escape`. The same fragment shows inline in Jupyter (styles scoped under
`.ag2otel-report`, colours inherited so light and dark notebook themes both read) and, wrapped
in `document()`, as a single file for bug reports. Sizes are bounded: long texts are cut,
and a trace with very many turns or spans shows the first ones and says how many are left.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

from ag2_otel.costs import format_cost, summary_cost
from ag2_otel.exporters._records import SpanRecord
from ag2_otel.exporters.tree import render_trace
from ag2_otel.report.transcript import Turn, build_transcript, group_members, span_type

MAX_TEXT_CHARS = 4_000
MAX_MESSAGES = 50
"""Per turn (and for the opening): a turn that repeats a long history shows its first messages."""
MAX_TRANSCRIPT_ITEMS = 400
MAX_TRANSCRIPT_CHARS = 1_000_000
"""Turns stop being added past this much HTML; with the caps above, the page stays ~2 MB at most."""
MAX_TREE_LINES = 2_500
MAX_TREE_LINE_CHARS = 240
SPEAKER_COLOURS = 8
CONTENT_HINT = (
    "Message content was not captured. To record it, pass capture_content='span_only' to "
    "ag2_otel.setup() or set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only."
)
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
)

_CSS = (Path(__file__).with_name("report.css")).read_text(encoding="utf-8")


def render_fragment(trace: Mapping[str, Any]) -> str:
    """The report as an HTML fragment (for notebooks): one `<div>` with its own scoped styles."""
    trace = _with_derived(trace)
    spans: Sequence[Mapping[str, Any]] = trace.get("spans") or []
    summary: Mapping[str, Any] = trace.get("summary") or {}
    parts = [f"<div class='ag2otel-report'><style>{_CSS}</style>", _header(summary)]
    parts.append(_transcript(trace))
    parts.append(_tree(spans))
    parts.append("</div>")
    return "".join(parts)


def document(trace: Mapping[str, Any]) -> str:
    """The report as a complete page that opens anywhere and loads nothing."""
    summary = trace.get("summary") or {}
    title = escape(f"{summary.get('root_name') or 'trace'} · {summary.get('trace_id', '')} · ag2-otel")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{DOCUMENT_CSP}\">"
        "<meta name='color-scheme' content='light dark'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title>"
        "<style>body{margin:1.2em;background:Canvas;color:CanvasText}</style></head><body>"
        f"{render_fragment(trace)}</body></html>\n"
    )


def records_from_trace(trace: Mapping[str, Any]) -> list[SpanRecord]:
    """Stored spans (the API's shape) as the records the console tree renders."""
    return [
        SpanRecord(
            trace_id=s["trace_id"],
            span_id=s["span_id"],
            parent_span_id=s["parent_span_id"],
            name=s["name"],
            start_time_ns=s["start_time_ns"],
            end_time_ns=s["end_time_ns"],
            attributes=s["attributes"],
            status_code=s["status_code"],
            status_message=s["status_message"],
            kind=s["kind"],
        )
        for s in trace.get("spans") or []
    ]


def _header(summary: Mapping[str, Any]) -> str:
    start = summary.get("start_time_ns")
    when = (
        datetime.fromtimestamp(start / 1e9, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        if isinstance(start, int)
        else ""
    )
    status = str(summary.get("status", ""))
    facts = [
        ("service", summary.get("service") or ""),
        ("started", when),
        ("duration", format_ms(float(summary.get("duration_ms") or 0))),
        ("agents", ", ".join(group_members(summary.get("agents")))),
        ("turns", summary.get("turns")),
        ("LLM calls", summary.get("llm_calls")),
        ("tool calls", summary.get("tool_calls")),
        ("tokens in/out", f"{summary.get('input_tokens', 0)}/{summary.get('output_tokens', 0)}"),
        ("cost", summary_cost(summary)),
        ("spans", summary.get("span_count")),
    ]
    items = "".join(f"<li>{escape(k)} <b>{escape(str(v))}</b></li>" for k, v in facts if v not in ("", None))
    status_class = " status-error" if status == "error" else ""
    return (
        f"<h2>{escape(str(summary.get('root_name') or 'trace'))}"
        f" <span class='muted mono{status_class}'>{escape(status)}</span></h2>"
        f"<div class='muted mono'>trace {escape(str(summary.get('trace_id', '')))}</div>"
        f"<ul class='facts'>{items}</ul>"
    )


def _with_derived(trace: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document with the server's derived facts: as the API and the stores' `get_trace`
    serve it, or added here to one without them (an older server's, a hand-built one), on a
    copy: the caller's stays as it was."""
    if "derived" in trace:
        return trace
    from ag2_otel.server.attribution import attribute_trace

    return attribute_trace({**trace, "spans": [dict(s) for s in trace.get("spans") or []]})


def _transcript(trace: Mapping[str, Any]) -> str:
    transcript = build_transcript(trace)
    out = ["<section class='transcript'>"]
    if not transcript.with_content:
        out.append(f"<div class='hint'>{escape(CONTENT_HINT)}</div>")
    items = transcript.items[:MAX_TRANSCRIPT_ITEMS]
    opening_at = next(  # the opening message goes after the chat's own marker, before any turn
        (i for i, item in enumerate(items) if isinstance(item, Turn) or span_type(item) == "conversation"),
        None,
    )
    size = 0
    for index, item in enumerate(items):
        if size > MAX_TRANSCRIPT_CHARS:
            out.append(f"<p class='muted'>… {len(transcript.items) - index} more turns and markers</p>")
            break
        opening = _opening(transcript.opening) if index == opening_at else ""
        chunk = opening + _turn(item) if isinstance(item, Turn) else _marker(item) + opening
        out.append(chunk)
        size += len(chunk)
    else:
        left = len(transcript.items) - len(items)
        if left > 0:
            out.append(f"<p class='muted'>… {left} more turns and markers (see the viewer)</p>")
    if not transcript.items:
        out.append("<p class='muted'>No agent or LLM spans in this trace: see the span tree.</p>")
    out.append("</section>")
    return "".join(out)


def _opening(messages: list[Any]) -> str:
    if not messages:
        return ""
    return "<div class='opening'>" + _messages(messages) + "</div>"


def _messages(messages: Sequence[Any], speaker: str | None = None) -> str:
    shown = "".join(_message(m, speaker) for m in messages[:MAX_MESSAGES])
    left = len(messages) - MAX_MESSAGES
    return shown + (f"<div class='muted'>… {left} more messages</div>" if left > 0 else "")


def _turn(turn: Turn) -> str:
    tokens_in, tokens_out, cost = turn.usage()
    meta = [format_ms(float(turn.span.get("duration_ms") or 0))]
    if turn.llms:
        meta.append(f"{len(turn.llms)} LLM call{'s' if len(turn.llms) > 1 else ''}")
    if tokens_in or tokens_out:
        meta.append(f"{tokens_in} in / {tokens_out} out tokens")
    if cost:
        meta.append(format_cost(cost))
    body = [_messages(turn.outputs, turn.speaker)]
    shown_calls = {p.get("id") for m in turn.outputs for p in _parts(m) if isinstance(p, dict)}
    body.extend(
        _tool(tool)
        for tool in turn.tools
        if tool.get("attributes", {}).get("gen_ai.tool.call.id") not in shown_calls or not shown_calls
    )
    body.extend(_error(span) for span in turn.errors)
    return (
        f"<div class='turn {speaker_class(turn.speaker)}{' error' if turn.errors else ''}'>"
        f"<span class='who'>{escape(turn.speaker)}</span>"
        f"<span class='meta muted'>{escape(' · '.join(meta))}</span>"
        + ("".join(body) or "<div class='muted'>No messages recorded for this turn.</div>")
        + "</div>"
    )


def _message(message: Any, speaker: str | None = None) -> str:
    if not isinstance(message, dict):
        return f"<div class='msg'>{_text(json.dumps(message, default=str))}</div>"
    role = str(message.get("role") or "")
    who = str(message.get("name") or speaker or role)
    label = "" if speaker else f"<span class='who'>{escape(who)}</span> "
    tag = f"<span class='role'>{escape(role)}</span>" if role and role != who else ""
    parts = "".join(_part(p) for p in _parts(message)) or "<span class='muted'>(no content)</span>"
    return f"<div class='msg'>{label}{tag}{parts}</div>"


def _parts(message: Mapping[str, Any]) -> list[Any]:
    parts = message.get("parts")
    if isinstance(parts, list):
        return parts
    content = message.get("content")  # the older OpenAI shape, from other instrumentations
    return [{"type": "text", "content": content}] if isinstance(content, str) and content else []


def _part(part: Any) -> str:
    if not isinstance(part, dict):
        return _text(str(part))
    kind = part.get("type")
    if kind == "text":
        return _text(str(part.get("content") or ""))
    if kind == "tool_call":
        name = escape(str(part.get("name") or "(tool)"))
        return f"<div class='tool'>⚙ call <b>{name}</b> {_text(_json(part.get('arguments')))}</div>"
    if kind == "tool_call_response":
        result = part.get("response", part.get("result"))
        return f"<div class='tool'>↩ result {_text(_json(result))}</div>"
    return f"<div class='tool muted'>{escape(str(kind or 'part'))}: {_text(_json(part))}</div>"


def _tool(span: Mapping[str, Any]) -> str:
    attrs = span.get("attributes", {})
    name = attrs.get("gen_ai.tool.name") or span.get("name")
    args, result = attrs.get("gen_ai.tool.call.arguments"), attrs.get("gen_ai.tool.call.result")
    detail = "".join(
        f" {label} {_text(_json(value))}"
        for label, value in (("args", args), ("→", result))
        if value is not None
    )
    timing = format_ms(float(span.get("duration_ms") or 0))
    timing_html = f"<span class='muted'>{escape(timing)}</span>"
    return f"<div class='tool'>⚙ <b>{escape(str(name))}</b> {timing_html}{detail}</div>"


def _error(span: Mapping[str, Any]) -> str:
    kind = span.get("attributes", {}).get("error.type") or "error"
    message = span.get("status_message") or ""
    return (
        f"<div class='tool status-error'>{escape(str(kind))} in {escape(str(span.get('name', '')))}"
        f"{': ' + escape(str(message)) if message else ''}</div>"
    )


def _marker(span: Mapping[str, Any]) -> str:
    attrs = span.get("attributes", {})
    kind = span_type(span)
    if kind == "speaker_selection":
        text = "Speaker selection" + (
            f" → {attrs['ag2.speaker_selection.selected']}"
            if attrs.get("ag2.speaker_selection.selected")
            else ""
        )
    elif kind == "handoff":
        text = f"Handoff {attrs.get('ag2.handoff.source') or '?'} → {attrs.get('ag2.handoff.target') or '?'}"
    elif kind == "conversation" and (
        attrs.get("ag2.conversation.sender") or attrs.get("ag2.conversation.recipient")
    ):
        sender, recipient = attrs.get("ag2.conversation.sender"), attrs.get("ag2.conversation.recipient")
        text = f"Chat {sender or '?'} → {recipient or '?'}"
    elif kind == "group_chat":
        members = group_members(attrs.get("ag2.group_chat.agents"))
        text = "Group chat" + (f" with {', '.join(members)}" if members else "")
    else:
        text = str(span.get("name", ""))
    timing = format_ms(float(span.get("duration_ms") or 0))
    return (
        f"<div class='marker'><span>{escape(text)} <span class='muted'>· {escape(timing)}</span></span></div>"
    )


def _tree(spans: Sequence[Mapping[str, Any]]) -> str:
    lines = render_trace(records_from_trace({"spans": spans}), header=False).splitlines()
    shown = [
        line if len(line) <= MAX_TREE_LINE_CHARS else line[: MAX_TREE_LINE_CHARS - 1] + "…"
        for line in lines[:MAX_TREE_LINES]
    ]
    if len(lines) > MAX_TREE_LINES:
        shown.append(f"… {len(lines) - MAX_TREE_LINES} more spans")
    return (
        f"<details open><summary>Span tree ({len(spans)} spans)</summary>"
        f"<pre>{escape(chr(10).join(shown))}</pre></details>"
    )


def _json(value: Any) -> str:
    """JSON text of a value; a string holding JSON is re-dumped compactly, other strings kept."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _text(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return escape(text)
    left = len(text) - MAX_TEXT_CHARS
    return f"{escape(text[:MAX_TEXT_CHARS])}<span class='muted'>… ({left:,} more characters)</span>"


def speaker_class(speaker: str) -> str:
    """A fixed colour class per speaker name (never the name itself in markup)."""
    return f"s{zlib.crc32(speaker.encode()) % SPEAKER_COLOURS}"


def format_ms(ms: float) -> str:
    if ms < 1:
        return f"{ms * 1000:.0f} µs"
    if ms < 1000:
        return f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"
    return f"{ms / 1000:.2f} s"
