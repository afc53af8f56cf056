"""A deterministic stand-in model whose answer is a function of the request alone.

`ScriptedOpenAIServer(ScriptedModel())` lets a real AG2 program, written for an LLM, run
offline and reproducibly: the same request always gets the same answer, so a program run
twice (say, untraced and traced) must send the same requests and get the same results.
It answers the way the program's prompts ask:

- asked to select the next speaker (AG2's selection prompt): the role after the last
  one that spoke, in the listed order;
- after `turns` assistant messages: `TERMINATE`;
- offered tools and not just given a tool result: a call to the first tool, with
  arguments made from its JSON schema;
- asked to write code (a system message mentioning Python) before any code ran:
  one Python code block;
- otherwise: a short acknowledgement of the last message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ag2_otel.testing.scripted_endpoint import Reply, ToolCall

ROLE_LIST = re.compile(r"select the next role from \[?([^\]\n]+?)\]? to play", re.IGNORECASE)
_SAMPLE_BY_TYPE: dict[str, Any] = {
    "string": "sample",
    "integer": 3,
    "number": 2.5,
    "boolean": True,
    "array": [],
    "object": {},
}
CODE_REPLY = "Run this:\n```python\nprint(sum(range(10)))\n```"


class ScriptedModel:
    """Callable as a `ScriptedOpenAIServer` script: request body -> `Reply`."""

    def __init__(self, turns: int = 3) -> None:
        self.turns = turns

    def __call__(self, request: Mapping[str, Any]) -> Reply:
        messages = [m for m in request.get("messages", []) if isinstance(m, Mapping)]
        everything = " ".join(text_of(m) for m in messages)
        roles = ROLE_LIST.search(everything)
        if roles:
            return Reply(content=next_speaker(roles.group(1), messages))
        if sum(1 for m in messages if m.get("role") == "assistant") >= self.turns:
            return Reply(content="TERMINATE")
        last = messages[-1] if messages else {}
        tools = [t.get("function", {}) for t in request.get("tools", []) or [] if isinstance(t, Mapping)]
        if tools and last.get("role") != "tool":
            tool = tools[0]
            return Reply(
                tool_calls=[ToolCall(str(tool.get("name")), sample_arguments(tool.get("parameters")))]
            )
        system = " ".join(text_of(m) for m in messages if m.get("role") == "system")
        if "python" in system.lower() and "exitcode" not in everything:
            return Reply(content=CODE_REPLY)
        words = text_of(last).split()[:8]
        return Reply(content=f"Noted: {' '.join(words)}" if words else "Noted.")


def text_of(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


def next_speaker(role_list: str, messages: Sequence[Mapping[str, Any]]) -> str:
    """The role after the last listed role that spoke (the first when none did)."""
    roles = [r.strip(" '\"") for r in role_list.split(",") if r.strip(" '\"")]
    if not roles:
        return "Done."
    spoken = [str(m.get("name")) for m in messages if m.get("name") in roles]
    if not spoken:
        return roles[0]
    return roles[(roles.index(spoken[-1]) + 1) % len(roles)]


def sample_arguments(schema: Any) -> dict[str, Any]:
    """Arguments for a tool: the first enum value, else a fixed sample of the property's type."""
    properties = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
    arguments: dict[str, Any] = {}
    for name, prop in properties.items():
        if not isinstance(prop, Mapping):
            continue
        enum = prop.get("enum")
        if isinstance(enum, list) and enum:
            arguments[name] = enum[0]
        else:
            arguments[name] = _SAMPLE_BY_TYPE.get(str(prop.get("type")), "sample")
    return arguments
