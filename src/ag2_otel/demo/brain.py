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
from ag2_otel.testing.scripted_model import ROLE_LIST, next_speaker, text_of


def demo_reply(request: Mapping[str, Any]) -> Reply:
    messages = [m for m in request.get("messages", []) if isinstance(m, Mapping)]
    system = " ".join(text_of(m) for m in messages if m.get("role") == "system")
    last = messages[-1] if messages else {}
    everything = " ".join(text_of(m) for m in messages)

    roles = ROLE_LIST.search(everything)
    if roles:
        return Reply(content=next_speaker(roles.group(1), messages))
    tool_names = [t.get("function", {}).get("name") for t in request.get("tools", []) or []]
    if "get_weather" in tool_names:
        if last.get("role") == "tool":
            return Reply(content=f"{text_of(last)} Enjoy your day!")
        return Reply(tool_calls=[ToolCall("get_weather", {"city": _city(text_of(last))})])
    if "you execute" in system.lower():
        return Reply(content="Silent keys at night / logic blooms in tidy loops / the build turns green.")
    if "you plan" in system.lower():
        return Reply(content="Plan: the executor writes a 5-7-5 haiku about the joy of coding.")
    if "primary colors" in everything.lower():
        return Reply(content="The three primary colors are red, yellow, and blue.")
    return Reply(content="Done.")


def _city(text: str) -> str:
    match = re.search(r"\bin ([A-Z][a-zA-Z]+)", text)
    return match.group(1) if match else "Tokyo"
