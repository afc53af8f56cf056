"""Facts about AG2 agents, read without side effects: names, model and provider, and
which agent is behind an AG2 object that does not know its agent (a code executor,
an A2A client)."""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from opentelemetry import context as otel_context

from ag2_otel.instrumentation import _semconv as sc

AGENT_KEY = otel_context.create_key("ag2_otel.agent")
"""The agent whose traced turn is running (for objects that do not know their agent)."""
_CALLER_SEARCH_DEPTH = 6


def agent_name(agent: Any) -> str:
    return str(getattr(agent, "name", None) or type(agent).__name__)


def read_field(obj: Any, key: str) -> Any:
    """`obj[key]` of a mapping, else `obj.key`, else None: AG2 takes configs and messages
    as dicts or as objects, and model clients return either."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def first_llm_entry(agent: Any) -> Any:
    """The first config-list entry of an agent's llm_config, or None."""
    llm_config = getattr(agent, "llm_config", None)
    if not llm_config:
        return None
    config_list = read_field(llm_config, "config_list")
    if config_list:
        try:
            return config_list[0]
        except (IndexError, KeyError, TypeError):
            return None
    return llm_config if read_field(llm_config, "model") else None


def model_attributes(agent: Any) -> dict[str, Any]:
    """`gen_ai.provider.name` and `gen_ai.request.model` of an agent's first LLM config."""
    entry = first_llm_entry(agent)
    if entry is None:
        return {}
    attributes: dict[str, Any] = {}
    api_type = str(read_field(entry, "api_type") or "openai")
    attributes[sc.GEN_AI_PROVIDER_NAME] = sc.PROVIDER_BY_API_TYPE.get(api_type, api_type)
    model = read_field(entry, "model")
    if model:
        attributes[sc.GEN_AI_REQUEST_MODEL] = str(model)
    return attributes


_AG2_MODEL_NAMES = {
    sc.GEN_AI_PROVIDER_NAME: sc.AG2_LLM_PROVIDER,
    sc.GEN_AI_REQUEST_MODEL: sc.AG2_LLM_REQUEST_MODEL,
}


@dataclass(frozen=True)
class AgentFacts:
    """What every span about an agent reads from it (read-only: shared by all those spans)."""

    name: str
    model: Mapping[str, Any]
    """`gen_ai.provider.name` and `gen_ai.request.model` of the agent's first LLM config."""
    ag2_model: Mapping[str, Any]
    """The same under `ag2.*` names, for AG2-only steps that are no GenAI operation themselves
    (the LLM call beneath them carries the `gen_ai.*` ones)."""


def _read_facts(agent: Any) -> AgentFacts:
    model = model_attributes(agent)
    ag2_model = {_AG2_MODEL_NAMES[key]: value for key, value in model.items()}
    return AgentFacts(agent_name(agent), model, ag2_model)


# agent -> (its llm_config, its name, the facts read from them); agents are held weakly.
_facts: weakref.WeakKeyDictionary[Any, tuple[Any, Any, AgentFacts]] = weakref.WeakKeyDictionary()


def agent_facts(agent: Any) -> AgentFacts:
    """An agent's name and model attributes, read once per agent and reused.

    An entry is reused only while the agent keeps the same `name` and the same `llm_config`
    object, so assigning a new config (or renaming) is seen at the next call. Nothing is kept
    when reading fails, so a failing read fails every call alike.
    """
    llm_config = getattr(agent, "llm_config", None)
    name = getattr(agent, "name", None)
    try:
        cached = _facts.get(agent)
    except TypeError:  # an unhashable agent class (or None)
        return _read_facts(agent)
    if cached is not None and cached[0] is llm_config and cached[1] == name:
        return cached[2]
    facts = _read_facts(agent)
    _facts[agent] = (llm_config, name, facts)
    return facts


def calling_self(
    accept: Callable[[Any], bool], *, function: str | None = None, depth: int = _CALLER_SEARCH_DEPTH
) -> Any:
    """`self` of the nearest calling method (named `function`, if given) that `accept`s it.

    For AG2 objects that do not know who uses them (a code executor, an A2A
    client factory); looks at most `depth` frames up and never raises.
    """
    frame = inspect.currentframe()
    try:
        frame = frame.f_back if frame is not None else None
        for _ in range(depth):
            if frame is None:
                return None
            if function is None or frame.f_code.co_name == function:
                candidate = frame.f_locals.get("self")
                if candidate is not None and accept(candidate):
                    return candidate
            frame = frame.f_back
    except Exception:  # never let the search hurt the call
        return None
    finally:
        del frame
    return None
