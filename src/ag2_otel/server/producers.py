"""Other GenAI producers' spans, read into the attributes ag2-otel's own model uses.

One step on ingest, before promotion: whatever wrote a span (OpenInference, the older
GenAI semconv, OpenLIT, classic AG2's built-in tracer, ag2 1.x), the store, the
summaries and the viewer then read current-semconv names only. Attributes are only
ever *added* (a producer's own are kept as sent), except message lists sent in the
OpenAI chat shape instead of semconv parts (ag2 1.x), which are rewritten as parts; the
names added or rewritten are listed under `DERIVED`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ag2_otel.instrumentation.messages import output_message, to_semconv_message, tool_definitions

DERIVED = "ag2_otel.derived"
"""Attribute listing the names this module added to a span (never sent by a producer)."""

_OPENINFERENCE_OPERATION = {
    "LLM": "chat",
    "EMBEDDING": "embeddings",
    "TOOL": "execute_tool",
    "AGENT": "invoke_agent",
    "CHAIN": "invoke_workflow",
    "RETRIEVER": "retrieval",
}
_OLDER_NAMES = (  # older semconv name -> current semconv name
    ("gen_ai.system", "gen_ai.provider.name"),
    ("gen_ai.usage.prompt_tokens", "gen_ai.usage.input_tokens"),
    ("gen_ai.usage.completion_tokens", "gen_ai.usage.output_tokens"),
)
_OPENINFERENCE_NAMES = (  # read only on spans with `openinference.span.kind`
    ("llm.provider", "gen_ai.provider.name"),
    ("llm.system", "gen_ai.provider.name"),
    ("llm.token_count.prompt", "gen_ai.usage.input_tokens"),
    ("llm.token_count.completion", "gen_ai.usage.output_tokens"),
    ("llm.token_count.prompt_details.cache_read", "gen_ai.usage.cache_read.input_tokens"),
    ("llm.cost.total", "gen_ai.usage.cost"),
    ("session.id", "gen_ai.conversation.id"),
    ("agent.name", "gen_ai.agent.name"),
    ("tool.name", "gen_ai.tool.name"),
    ("tool.description", "gen_ai.tool.description"),
)
# One set test tells most spans (ours, current semconv) that nothing here applies.
_TRIGGERS = frozenset({"openinference.span.kind", *(old for old, _ in _OLDER_NAMES)})
_FLAT_INDEX = re.compile(r"^(\d+)\.(.+)$")
# Content events: the current one carries whole message lists; the older ones one message each.
DETAILS_EVENT = "gen_ai.client.inference.operation.details"
_ROLE_BY_EVENT = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
CONTENT_EVENTS = frozenset({DETAILS_EVENT, "gen_ai.choice", *_ROLE_BY_EVENT})
_CONTENT_KEYS = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")

Event = tuple[str, Mapping[str, Any], Any]
"""(event name, attributes, body): a span event (no body) or a log record."""


def canonical_attributes(
    attributes: dict[str, Any], events: Callable[[], Iterable[Event]] | None = None
) -> dict[str, Any]:
    """`attributes` with the current-semconv names any known producer's own imply.

    `events` (None: the span has none) is called only when the span has no content
    attributes: they are decoded lazily, most spans have none. A span this step already
    read (it lists what was derived, `DERIVED`) comes back as it is: readers of stores
    holding both raw and read spans (a Collector-fed ClickHouse) apply it to every span.
    """
    if DERIVED in attributes:
        return attributes
    triggered = not _TRIGGERS.isdisjoint(attributes)
    if not triggered and events is None and _as_sent(attributes):
        return attributes  # the common case (ours, current semconv): one pass over the keys
    added: dict[str, Any] = {}
    if triggered:
        if "openinference.span.kind" in attributes:
            _openinference(attributes, added)
            _rename(attributes, _OPENINFERENCE_NAMES, added)
        _rename(attributes, _OLDER_NAMES, added)
        _older_semconv(attributes, added)
    has_content = any(key in attributes or key in added for key in _CONTENT_KEYS)
    if events is not None and not has_content:
        added.update(content_from_events(events()))
    elif has_content:
        _ag2_conversation(attributes, added)  # reads the messages as sent, before the rewrite
        _openai_shaped_messages(attributes, added)
    reasons = attributes.get("gen_ai.response.finish_reasons")
    if isinstance(reasons, str):  # classic AG2's built-in tracer sends a JSON string
        parsed = _json(reasons)
        if isinstance(parsed, list):
            added["gen_ai.response.finish_reasons"] = [str(r) for r in parsed]
    if not added:
        return attributes
    result = {**attributes, **added}
    result[DERIVED] = sorted(added)
    return result


def _as_sent(attributes: Mapping[str, Any]) -> bool:
    """True when nothing but the renames and events could apply (checked cheaply)."""
    if isinstance(attributes.get("gen_ai.response.finish_reasons"), str):
        return False
    for key in ("gen_ai.input.messages", "gen_ai.output.messages"):
        value = attributes.get(key)
        if isinstance(value, str) and '"parts"' not in value:
            return False
    return True


def _rename(attributes: Mapping[str, Any], names: tuple[tuple[str, str], ...], added: dict[str, Any]) -> None:
    for old, new in names:
        if old in attributes and new not in attributes and new not in added:
            added[new] = attributes[old]


# --- OpenInference ------------------------------------------------------------


def _openinference(attributes: Mapping[str, Any], added: dict[str, Any]) -> None:
    kind = str(attributes.get("openinference.span.kind", "")).upper()
    operation = _OPENINFERENCE_OPERATION.get(kind)
    if operation and "gen_ai.operation.name" not in attributes:
        added["gen_ai.operation.name"] = operation
    model = attributes.get("llm.model_name")
    if model is not None:
        added.setdefault("gen_ai.response.model", model)
        requested = _json(attributes.get("llm.invocation_parameters"))
        requested_model = requested.get("model") if isinstance(requested, dict) else None
        added.setdefault("gen_ai.request.model", requested_model or model)
    _openinference_messages(attributes, kind, added)
    tools = [_json(v) for k, v in attributes.items() if k.startswith("llm.tools.")]
    definitions = tool_definitions(t for t in tools if isinstance(t, Mapping))
    if definitions:
        added["gen_ai.tool.definitions"] = json.dumps(definitions)
    if kind == "TOOL":
        _copy(attributes, "input.value", added, "gen_ai.tool.call.arguments")
        _copy(attributes, "output.value", added, "gen_ai.tool.call.result")
    elif kind in ("AGENT", "CHAIN"):
        _values_as_messages(attributes, added)


def _openinference_messages(attributes: Mapping[str, Any], kind: str, added: dict[str, Any]) -> None:
    """An LLM span's flattened messages (or, without them, its `input.value` request)."""
    inputs = _flat_messages(attributes, "llm.input_messages.")
    outputs = _flat_messages(attributes, "llm.output_messages.")
    finish = attributes.get("llm.finish_reason")
    if kind == "LLM" and not inputs:
        request = _json(attributes.get("input.value"))
        if isinstance(request, dict) and isinstance(request.get("messages"), list):
            inputs = [dict(m) for m in request["messages"] if isinstance(m, Mapping)]
    if inputs:
        added["gen_ai.input.messages"] = json.dumps([to_semconv_message(m) for m in inputs])
    messages = [output_message(m) for m in outputs]
    if isinstance(finish, str) and finish:
        added["gen_ai.response.finish_reasons"] = [finish]
        for message in messages:
            message["finish_reason"] = finish
    if messages:
        added["gen_ai.output.messages"] = json.dumps(messages)


def _values_as_messages(attributes: Mapping[str, Any], added: dict[str, Any]) -> None:
    """An agent or chain step's `input.value` / `output.value` as one message each."""
    for key, role, target in (
        ("input.value", "user", "gen_ai.input.messages"),
        ("output.value", "assistant", "gen_ai.output.messages"),
    ):
        text = attributes.get(key)
        if isinstance(text, str) and text:
            message = to_semconv_message(text, role=role)
            if role == "assistant":
                message["finish_reason"] = "stop"
            added.setdefault(target, json.dumps([message]))


def _flat_messages(attributes: Mapping[str, Any], prefix: str) -> list[dict[str, Any]]:
    """`llm.input_messages.0.message.role`, `….tool_calls.0.tool_call.function.name`, …
    → OpenAI-shaped message dicts (the shape `to_semconv_message` reads)."""
    nested: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        if not key.startswith(prefix):
            continue
        match = _FLAT_INDEX.match(key[len(prefix) :])
        if match is None:
            continue
        path = match.group(2).removeprefix("message.")
        _set_path(nested.setdefault(int(match.group(1)), {}), path.split("."), value)
    return [_openai_message(nested[i]) for i in sorted(nested)]


def _set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    for step in path[:-1]:
        child = target.get(step)
        if not isinstance(child, dict):
            child = target[step] = {}
        target = child
    target[path[-1]] = value


def _openai_message(flat: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {k: flat[k] for k in ("role", "name", "tool_call_id") if k in flat}
    contents = flat.get("contents")
    if isinstance(contents, dict):
        message["content"] = [_content_item(contents[k]) for k in sorted(contents, key=_as_index)]
    else:
        message["content"] = flat.get("content")
    calls = flat.get("tool_calls")
    if isinstance(calls, dict):
        message["tool_calls"] = [
            _tool_call(calls[k].get("tool_call", {})) for k in sorted(calls, key=_as_index)
        ]
    return message


def _content_item(item: Any) -> dict[str, Any]:
    content = item.get("message_content", {}) if isinstance(item, dict) else {}
    if content.get("type") == "image":
        return {
            "type": "image_url",
            "image_url": {"url": content.get("image", {}).get("image", {}).get("url")},
        }
    return {"type": "text", "text": str(content.get("text", ""))}


def _tool_call(call: Any) -> dict[str, Any]:
    call = call if isinstance(call, dict) else {}
    function = call.get("function", {})
    return {"id": call.get("id"), "function": function if isinstance(function, dict) else {}}


def _as_index(key: str) -> int:
    return int(key) if key.isdigit() else 0


# --- older semconv ------------------------------------------------------------


def _older_semconv(attributes: Mapping[str, Any], added: dict[str, Any]) -> None:
    """Spans from before `gen_ai.operation.name` (or Traceloop's flattened prompts)."""
    has_operation = "gen_ai.operation.name" in attributes or "gen_ai.operation.name" in added
    if not has_operation and "gen_ai.system" in attributes and "gen_ai.request.model" in attributes:
        request_type = attributes.get("llm.request.type")
        added["gen_ai.operation.name"] = "embeddings" if request_type == "embedding" else "chat"
    if "gen_ai.system" not in attributes:  # Traceloop's flattened prompts come with it
        return
    prompts = _flat_messages(attributes, "gen_ai.prompt.")
    if prompts and "gen_ai.input.messages" not in attributes:
        added["gen_ai.input.messages"] = json.dumps([to_semconv_message(m) for m in prompts])
    completions = _flat_messages(attributes, "gen_ai.completion.")
    if completions and "gen_ai.output.messages" not in attributes:
        added["gen_ai.output.messages"] = json.dumps([output_message(m) for m in completions])


def _openai_shaped_messages(attributes: Mapping[str, Any], added: dict[str, Any]) -> None:
    """`[{"role": "user", "content": "…"}]` (no `parts`) → semconv messages."""
    for key, convert in (
        ("gen_ai.input.messages", to_semconv_message),
        ("gen_ai.output.messages", output_message),
    ):
        value = attributes.get(key)
        if not isinstance(value, str) or '"parts"' in value:
            continue
        messages = _json(value)
        if isinstance(messages, list) and messages and all(isinstance(m, dict) for m in messages):
            converted = [convert(m) for m in messages]
            reasons = attributes.get("gen_ai.response.finish_reasons")
            if key == "gen_ai.output.messages" and isinstance(reasons, (list, tuple)):
                for message, reason in zip(converted, reasons, strict=False):
                    message["finish_reason"] = str(reason)
            added[key] = json.dumps(converted)


def _ag2_conversation(attributes: Mapping[str, Any], added: dict[str, Any]) -> None:
    """ag2 1.x: a conversation id from the conversation's opening exchange.

    Each `ask()` is its own trace and nothing on its spans names the conversation (the
    agent's stream; a `reply.ask()` continues it). Every LLM call of a conversation resends
    its history, so the first message and the reply to it (the first call's output) are the
    same in all of them: their digest links the asks. Two conversations that open with the
    same message *and* get the same first reply share it; with content off there is none;
    an id the app sends (`gen_ai.conversation.id`, e.g. through the middleware's
    `span_attributes`) wins.
    """
    if attributes.get("ag2.span.type") != "llm" or "gen_ai.conversation.id" in attributes:
        return
    history = [m for m in _message_list(attributes, "gen_ai.input.messages") if m.get("role") != "system"]
    history += _message_list(attributes, "gen_ai.output.messages")[:1]
    if len(history) < 2:
        return
    opening = json.dumps([_exchange(m) for m in history[:2]], sort_keys=True, default=str)
    added["gen_ai.conversation.id"] = "ag2-" + hashlib.sha256(opening.encode()).hexdigest()[:24]


def _message_list(attributes: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    messages = _json(attributes.get(key))
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _exchange(message: dict[str, Any]) -> list[Any]:
    """What a message is, however its producer spelled the rest (as output or as input)."""
    calls = message.get("tool_calls")
    if not isinstance(calls, list):
        calls = []
    return [
        message.get("role"),
        message.get("content"),
        message.get("tool_call_id"),
        [[c.get("id"), c.get("function")] for c in calls if isinstance(c, dict)],
    ]


# --- content events (span events or log records) ------------------------------


def content_from_events(events: Iterable[Event]) -> dict[str, Any]:
    """Content attributes from content events: the current details event, or the older
    one-message-per-event ones (`gen_ai.user.message`, …, `gen_ai.choice`)."""
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    found: dict[str, Any] = {}
    for name, attributes, sent_body in events:
        body = _json(sent_body) if isinstance(sent_body, str) else sent_body  # a JSON-string body
        if name == DETAILS_EVENT:
            for key in _CONTENT_KEYS:
                value = attributes.get(key, body.get(key) if isinstance(body, Mapping) else None)
                if value is not None and key not in found:
                    found[key] = value if isinstance(value, str) else json.dumps(value)
        elif name in _ROLE_BY_EVENT:
            fields = dict(body if isinstance(body, Mapping) else attributes)
            if "id" in fields:  # a tool message event names its call `id`
                fields.setdefault("tool_call_id", fields.pop("id"))
            inputs.append(to_semconv_message({"role": _ROLE_BY_EVENT[name], **fields}))
        elif name == "gen_ai.choice":
            payload = body if isinstance(body, Mapping) else attributes
            message = payload.get("message")
            if not isinstance(message, Mapping):
                continue
            choice = output_message(message)
            if payload.get("finish_reason"):
                choice["finish_reason"] = str(payload["finish_reason"])
            outputs.append(choice)
    if inputs and "gen_ai.input.messages" not in found:
        found["gen_ai.input.messages"] = json.dumps(inputs)
    if outputs and "gen_ai.output.messages" not in found:
        found["gen_ai.output.messages"] = json.dumps(outputs)
    return found


# --- helpers ------------------------------------------------------------------


def _copy(source: Mapping[str, Any], key: str, target: dict[str, Any], name: str) -> None:
    if key in source and name not in source:
        target.setdefault(name, source[key])


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None
