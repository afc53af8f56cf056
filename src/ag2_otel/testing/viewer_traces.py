"""Canned traces in the shape of docs/contracts.md (`Span` dicts), for the viewer's browser
tests and benchmarks: group chats, an OpenAI call, hostile and XSS content, a 2,000-span trace.

`serve.FedServer` converts them to SDK spans and sends them to the real `ag2-otel serve`
through the OTLP/HTTP exporter; the viewer then reads them back from the JSON API.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from ag2_otel.testing.clock import canned_hour_ns

Span = dict[str, Any]
MS = 1_000_000

XSS_SCRIPT = "<script>window.__pwned = 'script'</script>"
XSS_IMG = "<img src=x onerror=\"window.__pwned = 'img'\">"
XSS_LINK = "javascript:window.__pwned='link'"
# Regex metacharacters: a find query must match them literally.
REGEX_TEXT = "price=(.*[0-9]+$"


class TraceBuilder:
    """Builds one trace's spans with deterministic ids and times relative to `start_ns`."""

    _trace_counter = itertools.count(1)

    def __init__(self, service: str, start_ns: int, trace_no: int | None = None) -> None:
        number = trace_no if trace_no is not None else next(self._trace_counter)
        self.trace_id = f"{number:08x}" + "a1b2c3d4e5f6a7b8c9d0e1f2"
        self.service = service
        self.start_ns = start_ns
        self.spans: list[Span] = []
        self._span_counter = itertools.count(1)

    def span(
        self,
        name: str,
        parent: Span | None,
        start_ms: float,
        duration_ms: float,
        attributes: dict[str, Any] | None = None,
        *,
        error: str | None = None,
        events: list[dict[str, Any]] | None = None,
        kind: str = "INTERNAL",
    ) -> Span:
        attrs = dict(attributes or {})
        start = self.start_ns + int(start_ms * MS)
        end = start + int(duration_ms * MS)
        span_events = list(events or [])
        if error:
            span_events.append(
                {
                    "name": "exception",
                    "time_ns": end,
                    "attributes": {"exception.type": "RuntimeError", "exception.message": error},
                }
            )
        span: Span = {
            "trace_id": self.trace_id,
            "span_id": f"{next(self._span_counter):04x}" + self.trace_id[:12],
            "parent_span_id": parent["span_id"] if parent else None,
            "name": name,
            "kind": kind,
            "start_time_ns": start,
            "end_time_ns": end,
            "duration_ms": duration_ms,
            "status_code": "ERROR" if error else "UNSET",
            "status_message": error or "",
            "span_type": _span_type(attrs),
            "operation": attrs.get("gen_ai.operation.name"),
            "agent": attrs.get("gen_ai.agent.name"),
            "attributes": attrs,
            "events": span_events,
            "links": [],
            "resource": {"service.name": self.service, "telemetry.sdk.language": "python"},
            "scope": {"name": "ag2_otel", "version": "0.1.0"},
        }
        self.spans.append(span)
        return span

    def agent(self, name: str, parent: Span, start_ms: float, duration_ms: float, **attrs: Any) -> Span:
        base = {"ag2.span.type": "agent", "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name}
        return self.span(f"invoke_agent {name}", parent, start_ms, duration_ms, {**base, **attrs})

    def llm(
        self, parent: Span, start_ms: float, duration_ms: float, tokens: tuple[int, int], **attrs: Any
    ) -> Span:
        model = str(attrs.pop("model", "gpt-4o-mini"))
        base = {
            "ag2.span.type": "llm",
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": model,
            "gen_ai.response.model": model,
            "gen_ai.usage.input_tokens": tokens[0],
            "gen_ai.usage.output_tokens": tokens[1],
            "ag2.usage.cost": round(tokens[0] * 0.15e-6 + tokens[1] * 0.6e-6, 8),
        }
        return self.span(f"chat {model}", parent, start_ms, duration_ms, {**base, **attrs}, kind="CLIENT")


def _span_type(attrs: dict[str, Any]) -> str:
    declared = attrs.get("ag2.span.type")
    if declared:
        return str(declared)
    operation = attrs.get("gen_ai.operation.name")
    mapping = {"chat": "llm", "text_completion": "llm", "invoke_agent": "agent", "execute_tool": "tool"}
    return mapping.get(str(operation), "other")


def messages(*items: dict[str, Any]) -> str:
    return json.dumps(list(items))


def text(role: str, content: str, name: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role, "parts": [{"type": "text", "content": content}]}
    if name:
        message["name"] = name
    return message


def _group_chat(b: TraceBuilder, with_content: bool) -> None:
    agents = ["user_proxy", "planner", "coder", "critic"]
    root = b.span(
        "invoke_workflow research_group",
        None,
        0,
        9_000,
        {
            "ag2.span.type": "group_chat",
            "gen_ai.operation.name": "invoke_workflow",
            "ag2.group_chat.agents": agents,
            "ag2.group_chat.max_rounds": 8,
            "ag2.group_chat.rounds": 4,
            "ag2.usage.input_tokens": 4200,
            "gen_ai.conversation.id": "conv-42",
        },
    )
    task = "Find the median of [3, 9, 4] and explain it."

    def content(**attrs: Any) -> dict[str, Any]:
        return attrs if with_content else {}

    planner = b.agent(
        "planner",
        root,
        50,
        1_500,
        **content(
            **{
                "gen_ai.input.messages": messages(text("user", task, "user_proxy")),
                "gen_ai.output.messages": messages(
                    text("assistant", "Plan: 1) sort the list 2) take the middle value.", "planner")
                ),
            }
        ),
    )
    b.llm(planner, 80, 1_400, (900, 120))
    b.span(
        "speaker_selection",
        root,
        1_600,
        300,
        {
            "ag2.span.type": "speaker_selection",
            "ag2.speaker_selection.method": "auto",
            "ag2.speaker_selection.candidates": agents,
            "ag2.speaker_selection.selected": "coder",
        },
    )
    coder = b.agent("coder", root, 2_000, 2_500)
    tool_call = {
        "role": "assistant",
        "name": "coder",
        "parts": [
            {"type": "tool_call", "id": "call_1", "name": "median", "arguments": {"values": [3, 9, 4]}}
        ],
    }
    b.llm(
        coder,
        2_050,
        1_200,
        (1_100, 60),
        model="gpt-4o",
        **content(**{"gen_ai.output.messages": messages(tool_call)}),
    )
    b.span(
        "execute_tool median",
        coder,
        3_300,
        40,
        {
            "ag2.span.type": "tool",
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "median",
            "gen_ai.tool.call.id": "call_1",
            **content(
                **{"gen_ai.tool.call.arguments": '{"values": [3, 9, 4]}', "gen_ai.tool.call.result": "4"}
            ),
        },
    )
    b.span(
        "execute_tool plot",
        coder,
        3_400,
        25,
        {"ag2.span.type": "tool", "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "plot"},
        error="plot backend unavailable",
    )
    b.span(
        "handoff coder -> critic",
        root,
        4_600,
        10,
        {
            "ag2.span.type": "handoff",
            "ag2.handoff.source": "coder",
            "ag2.handoff.target": "critic",
            "ag2.handoff.kind": "after_work",
            "ag2.handoff.condition": "always",
        },
    )
    critic = b.agent(
        "critic",
        root,
        4_700,
        2_000,
        **content(
            **{
                "gen_ai.output.messages": messages(
                    text(
                        "assistant",
                        "The median of [3, 9, 4] is 4: sorted it is [3, 4, 9]. TERMINATE",
                        "critic",
                    )
                )
            }
        ),
    )
    b.llm(critic, 4_750, 1_900, (1_300, 80))
    planner2 = b.agent("planner", root, 7_000, 1_800)
    b.llm(planner2, 7_050, 1_700, (900, 40))


def group_chat_trace(start_ns: int, with_content: bool = True, trace_no: int | None = None) -> TraceBuilder:
    builder = TraceBuilder("research-app" if with_content else "batch-app", start_ns, trace_no)
    _group_chat(builder, with_content)
    return builder


def openai_trace(start_ns: int, trace_no: int | None = None) -> TraceBuilder:
    """A plain OpenAI-instrumentation trace: one chat span, no AG2 attributes."""
    b = TraceBuilder("plain-openai", start_ns, trace_no)
    b.span(
        "chat gpt-4o-mini",
        None,
        0,
        850,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 42,
            "gen_ai.usage.output_tokens": 17,
            "gen_ai.input.messages": messages(text("user", "Say hello in French.")),
            "gen_ai.output.messages": json.dumps(
                [
                    {
                        "role": "assistant",
                        "parts": [{"type": "text", "content": "Bonjour !"}],
                        "finish_reason": "stop",
                    }
                ]
            ),
        },
        kind="CLIENT",
    )
    return b


def drift_trace(start_ns: int) -> TraceBuilder:
    """Where the viewer's own rules used to disagree with the server's: an LLM call under
    a conversation with no agent span, a tool run by another agent than the enclosing one,
    an A2A server span inside an agent's turn, an agent span without a name, and a
    conversation that reports more turns than it has agent spans."""
    b = TraceBuilder("drift-app", start_ns)
    chat = b.span(
        "conversation alice -> bob",
        None,
        0,
        5_000,
        {
            "ag2.span.type": "conversation",
            "ag2.agent.name": "alice",
            "ag2.conversation.sender": "alice",
            "ag2.conversation.recipient": "bob",
            "ag2.conversation.turns": 5,
        },
    )
    b.llm(chat, 10, 100, (11, 3))  # no agent span above: the conversation's agent
    alice = b.agent("alice", chat, 200, 1_500)
    b.llm(alice, 250, 200, (20, 5))
    b.span(
        "execute_tool lookup",
        alice,
        500,
        100,
        {"ag2.span.type": "tool", "gen_ai.operation.name": "execute_tool", "gen_ai.agent.name": "bob"},
    )
    remote = b.span(
        "a2a server remote_carol",
        alice,
        700,
        900,
        {"ag2.span.type": "remote_agent", "ag2.agent.name": "carol"},
    )
    b.llm(remote, 750, 300, (30, 7))  # the remote agent's call, not alice's
    unnamed = b.span(
        "invoke_agent",
        chat,
        2_000,
        1_000,
        {"ag2.span.type": "agent", "gen_ai.operation.name": "invoke_agent"},
    )
    b.llm(unnamed, 2_100, 400, (40, 9), error="rate limited")  # the unnamed agent's, not alice's
    bob = b.agent("bob", chat, 3_500, 1_000)
    b.llm(bob, 3_600, 300, (50, 11), model="gpt-4o")
    return b


def xss_trace(start_ns: int, trace_no: int | None = None) -> TraceBuilder:
    """Hostile content everywhere a string can go."""
    b = TraceBuilder("xss-app", start_ns, trace_no)
    evil_agent = f"mallory{XSS_IMG}"
    root = b.span(f"conversation {XSS_SCRIPT}", None, 0, 2_000, {"ag2.span.type": "conversation"})
    output = [
        {
            "role": "assistant",
            "name": evil_agent,
            "parts": [
                {"type": "text", "content": f"hi {XSS_SCRIPT} {XSS_IMG} [click](javascript:alert(1))"},
                {"type": "uri", "modality": "image", "uri": XSS_LINK},
                {"type": "tool_call", "id": "x1", "name": f"tool{XSS_IMG}", "arguments": {"q": XSS_SCRIPT}},
            ],
        }
    ]
    agent = b.agent(
        evil_agent,
        root,
        10,
        1_500,
        **{
            "gen_ai.input.messages": messages(text("user", XSS_IMG, XSS_SCRIPT)),
            "gen_ai.output.messages": json.dumps(output),
        },
    )
    b.llm(
        agent,
        20,
        500,
        (10, 10),
        **{
            "url.full": XSS_LINK,
            "evil.attr": XSS_IMG,
            "evil.json": '{"a": "<script>x</script>"}',
            "evil.regex": REGEX_TEXT,
        },
    )
    b.span(
        f"execute_tool {XSS_IMG}",
        agent,
        600,
        20,
        {
            "ag2.span.type": "tool",
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": XSS_IMG,
            "gen_ai.tool.call.arguments": XSS_SCRIPT,
            "gen_ai.tool.call.result": f"{XSS_IMG} {XSS_LINK}",
        },
        error=XSS_SCRIPT,
    )
    return b


# Data that tries to style, reorder or swamp the page.
HOSTILE_TYPE = "llm topbar"
BIDI_AGENT = "agent-C \u202egnp.exe"
HUGE_NAME_CHARS = 10 * 1024 * 1024
LONG_NAME = "conversation " + "L" * 2000


def hostile_trace(start_ns: int, root_name: str = LONG_NAME, trace_no: int | None = None) -> TraceBuilder:
    """A long root name, an agent whose name reverses the text after it, and an LLM span
    whose type would be two CSS classes if data chose class names."""
    b = TraceBuilder("hostile-app", start_ns, trace_no)
    root = b.span(root_name, None, 0, 1_000, {"ag2.span.type": "conversation"})
    said = messages(text("assistant", f"I am {BIDI_AGENT}", BIDI_AGENT))
    agent = b.agent(BIDI_AGENT, root, 10, 800, **{"gen_ai.output.messages": said})
    b.llm(agent, 20, 100, (5, 5), **{"ag2.span.type": HOSTILE_TYPE, "long.value": "v" * 100_000})
    return b


def huge_name_trace(start_ns: int, name_chars: int = HUGE_NAME_CHARS) -> TraceBuilder:
    """The hostile trace with a root span whose name is `name_chars` long (10 MB)."""
    return hostile_trace(start_ns, root_name="conversation " + "N" * name_chars)


def big_trace(start_ns: int, span_count: int = 2_000, trace_no: int | None = None) -> TraceBuilder:
    """A long group chat: rounds of agent turns each with an LLM call and tools."""
    b = TraceBuilder("load-test", start_ns, trace_no)
    root = b.span("invoke_workflow big_group", None, 0, span_count * 10, {"ag2.span.type": "group_chat"})
    agents = ["alice", "bob", "carol", "dave", "erin"]
    t = 1.0
    turn = 0
    while len(b.spans) < span_count:
        name = agents[turn % len(agents)]
        agent = b.agent(name, root, t, 30)
        if len(b.spans) < span_count:
            b.llm(agent, t + 1, 20, (200, 30))
        for i in range(3):
            if len(b.spans) >= span_count:
                break
            error = "tool failed" if (turn * 3 + i) % 97 == 0 else None
            tool = {
                "ag2.span.type": "tool",
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": f"t{i}",
            }
            b.span(f"execute_tool t{i}", agent, t + 22 + i * 2, 2, tool, error=error)
        t += 35
        turn += 1
    root["end_time_ns"] = b.start_ns + int(t * MS)
    root["duration_ms"] = t
    return b


# When each demo trace starts, in minutes after the start of its hour (oldest first). All end
# within that hour, so they share one hour and one day bucket; the newest ends 20 minutes
# before the hour is over, so none is in a "last 15 min" range.
DEMO_MINUTES = {"openai": 5, "no_content": 15, "xss": 25, "big": 30, "group": 40}


def demo_traces(now_ns: int | None = None) -> dict[str, TraceBuilder]:
    """The traces every browser test starts with, by name, oldest first: inside the last whole
    UTC hour before `now_ns` (default: the clock), wherever in its hour and day that falls."""
    hour = canned_hour_ns(now_ns)
    minute = 60 * 1_000_000_000
    at = {key: hour + minutes * minute for key, minutes in DEMO_MINUTES.items()}
    return {
        "openai": openai_trace(at["openai"]),
        "no_content": group_chat_trace(at["no_content"], with_content=False),
        "xss": xss_trace(at["xss"]),
        "big": big_trace(at["big"]),
        "group": group_chat_trace(at["group"], with_content=True),
    }
