"""A scripted model that answers the seed's scenarios plausibly.

It is a stand-in for an LLM (named as such in the demo's output): it reads the
request the way a model would (system prompt, last message, offered tools) and
answers deterministically, so the demo and tests are reproducible offline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ag2_otel.testing.scripted_endpoint import Reply, ToolCall

_ROLE_LIST = re.compile(r"select the next role from \[?([^\]\n]+?)\]? to play", re.IGNORECASE)


def demo_reply(request: Mapping[str, Any]) -> Reply:
    messages = [m for m in request.get("messages", []) if isinstance(m, Mapping)]
    system = " ".join(_text(m) for m in messages if m.get("role") == "system")
    last = messages[-1] if messages else {}
    everything = " ".join(_text(m) for m in messages)

    roles = _ROLE_LIST.search(everything)
    if roles:
        return Reply(content=_next_speaker(roles.group(1), messages))
    tool_names = [t.get("function", {}).get("name") for t in request.get("tools", []) or []]
    if "get_weather" in tool_names:
        if last.get("role") == "tool":
            return Reply(content=f"{_text(last)} Enjoy your day!")
        return Reply(tool_calls=[ToolCall("get_weather", {"city": _city(_text(last))})])
    if "you execute" in system.lower():
        return Reply(content="Silent keys at night / logic blooms in tidy loops / the build turns green.")
    if "you plan" in system.lower():
        return Reply(content="Plan: the executor writes a 5-7-5 haiku about the joy of coding.")
    if "primary colors" in everything.lower():
        return Reply(content="The three primary colors are red, yellow, and blue.")
    return Reply(content="Done.")


def _text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


def _city(text: str) -> str:
    match = re.search(r"\bin ([A-Z][a-zA-Z]+)", text)
    return match.group(1) if match else "Tokyo"


def _next_speaker(role_list: str, messages: list[Mapping[str, Any]]) -> str:
    roles = [r.strip(" '\"") for r in role_list.split(",") if r.strip(" '\"")]
    spoken = [str(m.get("name")) for m in messages if m.get("name") in roles]
    if not roles:
        return "Done."
    if not spoken:
        return roles[0]
    return roles[(roles.index(spoken[-1]) + 1) % len(roles)]
