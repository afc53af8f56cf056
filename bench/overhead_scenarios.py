"""The three AG2 scenarios `bench/overhead.py` times, and the in-process model.

`BenchModelClient` is an AG2 custom model client (`register_model_client`): it
answers from a tiny script in a few microseconds, so what is timed is AG2 plus
the tracing around it, not a model. Each scenario object builds fresh agents
(so per-instance patching by AG2's built-in tracer never leaks into another
mode) and runs one conversation per `run()` call.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Annotated, Any

from autogen import ConversableAgent
from autogen.agentchat import initiate_group_chat
from autogen.agentchat.group.patterns.round_robin import RoundRobinPattern

MODEL = "gpt-4o-mini"
_ids = itertools.count(1)


class BenchModelClient:
    """AG2's `ModelClient` protocol, answering instantly (tool call when a tool is offered)."""

    RESPONSE_USAGE_KEYS = ["prompt_tokens", "completion_tokens", "total_tokens", "cost", "model"]

    def __init__(self, config: dict[str, Any], **_: Any) -> None:
        self.model = str(config.get("model") or MODEL)

    def create(self, params: dict[str, Any]) -> Any:
        messages = params.get("messages") or []
        last = messages[-1] if messages else {}
        if params.get("tools") and last.get("role") != "tool":
            message = SimpleNamespace(
                role="assistant",
                content=None,
                function_call=None,
                tool_calls=[
                    {
                        "id": f"call_{next(_ids)}",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": json.dumps({"city": "Tokyo"})},
                    }
                ],
            )
            finish = "tool_calls"
        else:
            message = SimpleNamespace(
                role="assistant", content="The answer is 42.", function_call=None, tool_calls=None
            )
            finish = "stop"
        number = next(_ids)
        return SimpleNamespace(
            id=f"bench-{number % 1000}",
            model=f"{self.model}-2024-07-18",
            choices=[SimpleNamespace(index=0, message=message, finish_reason=finish)],
            usage=SimpleNamespace(
                prompt_tokens=20 + len(messages), completion_tokens=5, total_tokens=25 + len(messages)
            ),
            cost=0.0,
        )

    def message_retrieval(self, response: Any) -> list[Any]:
        out = []
        for choice in response.choices:
            message = choice.message
            if message.tool_calls:
                out.append(
                    {"role": "assistant", "content": message.content, "tool_calls": message.tool_calls}
                )
            else:
                out.append(message.content)
        return out

    def cost(self, response: Any) -> float:
        return 0.0

    @staticmethod
    def get_usage(response: Any) -> dict[str, Any]:
        usage = response.usage
        return {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
            "cost": 0.0,
            "model": response.model,
        }


def llm_config(base_url: str | None) -> dict[str, Any]:
    """In-process model client, or the OpenAI client against a local scripted endpoint."""
    if base_url is None:
        return {"config_list": [{"model": MODEL, "model_client_cls": "BenchModelClient"}], "cache_seed": None}
    return {
        "config_list": [{"api_type": "openai", "model": MODEL, "base_url": base_url, "api_key": "sk-bench"}],
        "cache_seed": None,
    }


def _agent(name: str, system_message: str, config: dict[str, Any] | None) -> ConversableAgent:
    agent = ConversableAgent(
        name, system_message=system_message, llm_config=config or False, human_input_mode="NEVER"
    )
    if config and "model_client_cls" in config["config_list"][0]:
        agent.register_model_client(BenchModelClient)  # type: ignore[arg-type]
    return agent


def get_weather(city: Annotated[str, "The city to get weather for"]) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny, 72F."


Instrument = Callable[[list[Any], Any], None]
"""(agents, pattern or None) -> None: make a mode's tracing cover these objects."""


class Scenario:
    """A named conversation on fresh agents; `run()` performs one conversation."""

    name = ""
    spans_hint = ""

    def __init__(self, base_url: str | None, instrument: Instrument) -> None:
        raise NotImplementedError

    def prepare(self) -> Callable[[], Any]:
        """Untimed set-up for one conversation; returns the timed call."""
        return self.run

    def run(self) -> Any:
        raise NotImplementedError


class TwoAgentTurn(Scenario):
    name = "two-agent turn"

    def __init__(self, base_url: str | None, instrument: Instrument) -> None:
        config = llm_config(base_url)
        self.assistant = _agent("assistant", "You are a helpful assistant. Reply concisely.", config)
        self.user = ConversableAgent("user_proxy", llm_config=False, human_input_mode="NEVER")
        instrument([self.assistant, self.user], None)

    def run(self) -> Any:
        return self.user.initiate_chat(
            self.assistant, message="What are the three primary colors?", max_turns=1, silent=True
        )


class ToolTurn(Scenario):
    name = "tool turn"

    def __init__(self, base_url: str | None, instrument: Instrument) -> None:
        config = llm_config(base_url)
        self.assistant = _agent("tool_agent", "Use the get_weather tool to answer weather questions.", config)
        self.user = ConversableAgent("tool_user", llm_config=False, human_input_mode="NEVER")
        self.assistant.register_for_llm()(get_weather)
        self.user.register_for_execution()(get_weather)
        if base_url is None:  # registering a tool rebuilds the agent's client
            self.assistant.register_model_client(BenchModelClient)  # type: ignore[arg-type]
        instrument([self.assistant, self.user], None)

    def run(self) -> Any:
        return self.user.initiate_chat(
            self.assistant, message="What's the weather in Tokyo?", max_turns=2, silent=True
        )


class GroupChat3(Scenario):
    """`RoundRobinPattern` with two LLM agents, `initiate_group_chat(max_rounds=3)`.

    AG2 keeps per-chat state on a pattern's agents (each run gets slower), so
    every conversation gets fresh agents and a fresh pattern, built and
    instrumented in `prepare()`, outside the timed call.
    """

    name = "group chat, 3 rounds"

    def __init__(self, base_url: str | None, instrument: Instrument) -> None:
        self._config = llm_config(base_url)
        self._instrument = instrument

    def prepare(self) -> Callable[[], Any]:
        planner = _agent("planner", "You plan tasks. Be concise.", self._config)
        executor = _agent("executor", "You execute planned tasks. Be concise.", self._config)
        # No user agent: AG2's round-robin handoff to a user agent cannot be re-prepared.
        pattern = RoundRobinPattern(initial_agent=planner, agents=[planner, executor])
        self._instrument([planner, executor], pattern)

        def run() -> Any:
            result, _context, _last = initiate_group_chat(
                pattern=pattern, messages="Write a haiku about coding.", max_rounds=3
            )
            return result

        return run


SCENARIOS: tuple[type[Scenario], ...] = (TwoAgentTurn, ToolTurn, GroupChat3)


class SilentIOStream:
    """AG2's output stream with nothing printed (every mode pays the same nothing)."""

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", flush: bool = False) -> None:
        return None

    def send(self, message: Any) -> None:
        return None

    def input(self, prompt: str = "", *, password: bool = False) -> str:
        return "exit"
