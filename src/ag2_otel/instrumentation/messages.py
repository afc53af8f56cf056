"""AG2 / OpenAI message dicts → GenAI semantic-convention message parts.

Pure functions over plain data; they never mutate their inputs.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ag2_otel.instrumentation._safety import to_json

Part = dict[str, Any]
Message = dict[str, Any]


def to_semconv_messages(messages: Iterable[Mapping[str, Any]]) -> list[Message]:
    return [to_semconv_message(m) for m in messages if isinstance(m, Mapping)]


def to_semconv_message(message: Mapping[str, Any] | str, *, role: str | None = None) -> Message:
    """One AG2 message (dict or plain string) as `{role, parts, name?}`."""
    if isinstance(message, str):
        return {"role": role or "assistant", "parts": [_text(message)]}
    parts: list[Part] = []
    parts.extend(content_parts(message.get("content")))
    for call in message.get("tool_calls") or ():
        parts.append(_tool_call(call))
    if message.get("function_call"):
        parts.append(_tool_call({"function": message["function_call"]}))
    responses = message.get("tool_responses")
    if responses:
        parts = [_tool_response(r) for r in responses if isinstance(r, Mapping)]
    elif message.get("role") in ("tool", "function"):
        parts = [
            {"type": "tool_call_response", "id": message.get("tool_call_id"), "response": _plain(message)}
        ]
    result: Message = {"role": _role(message, role), "parts": parts}
    name = message.get("name")
    if name:
        result["name"] = str(name)
    return result


def output_message(reply: Mapping[str, Any] | str) -> Message:
    """An agent's reply (or a chat's summary) as a semconv output message. Its
    `finish_reason` is required by the output-messages schema (consumers such as Phoenix drop
    the whole list without it): a reply that calls tools ended with `tool_call`, any other
    reply ended normally (`stop`)."""
    message = to_semconv_message(reply, role="assistant")
    calls_tools = any(part.get("type") == "tool_call" for part in message["parts"])
    message["finish_reason"] = "tool_call" if calls_tools else "stop"
    return message


def content_parts(content: Any) -> list[Part]:
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [_text(content)]
    if isinstance(content, Sequence):
        return [_multimodal_part(item) for item in content]
    return [_text(str(content))]


def system_instructions(system_message: Any) -> list[Part]:
    return content_parts(system_message)


def tool_definitions(tools: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    definitions = []
    for tool in tools:
        function = tool.get("function", tool) if isinstance(tool, Mapping) else {}
        if not isinstance(function, Mapping) or "name" not in function:
            continue
        definition: dict[str, Any] = {"type": "function", "name": function["name"]}
        if function.get("description"):
            definition["description"] = function["description"]
        if function.get("parameters"):
            definition["parameters"] = function["parameters"]
        definitions.append(definition)
    return definitions


def _role(message: Mapping[str, Any], fallback: str | None) -> str:
    role = message.get("role") or fallback or "user"
    return "tool" if role == "function" else str(role)


def _text(text: str) -> Part:
    return {"type": "text", "content": text}


def _plain(message: Mapping[str, Any]) -> Any:
    content = message.get("content")
    return content if isinstance(content, str) else to_json(content)


def _tool_call(call: Mapping[str, Any]) -> Part:
    function = call.get("function") or {}
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        with contextlib.suppress(ValueError):
            arguments = json.loads(arguments)
    return {"type": "tool_call", "id": call.get("id"), "name": function.get("name"), "arguments": arguments}


def _tool_response(response: Mapping[str, Any]) -> Part:
    return {"type": "tool_call_response", "id": response.get("tool_call_id"), "response": _plain(response)}


def _multimodal_part(item: Any) -> Part:
    if isinstance(item, str):
        return _text(item)
    if not isinstance(item, Mapping):
        return _text(str(item))
    kind = item.get("type")
    if kind == "text":
        return _text(str(item.get("text", "")))
    if kind == "image_url":
        url = (item.get("image_url") or {}).get("url", "")
        if isinstance(url, str) and url.startswith("data:"):
            header, _, data = url.partition(",")
            mime = header[5:].split(";")[0]
            return {"type": "blob", "modality": "image", "mime_type": mime, "content": data}
        return {"type": "uri", "modality": "image", "uri": url}
    return {"type": str(kind or "unknown")}
