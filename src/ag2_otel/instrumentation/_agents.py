"""Facts about AG2 agents read without side effects (names, model, provider)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from ag2_otel.instrumentation import _semconv as sc

_T = TypeVar("_T")


def agent_name(agent: Any) -> str:
    return str(getattr(agent, "name", None) or type(agent).__name__)


def _field(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def first_llm_entry(agent: Any) -> Any:
    """The first config-list entry of an agent's llm_config, or None."""
    llm_config = getattr(agent, "llm_config", None)
    if not llm_config:
        return None
    config_list = _field(llm_config, "config_list")
    if config_list:
        try:
            return config_list[0]
        except (IndexError, KeyError, TypeError):
            return None
    return llm_config if _field(llm_config, "model") else None


def model_attributes(agent: Any) -> dict[str, Any]:
    """`gen_ai.provider.name` and `gen_ai.request.model` of an agent's first LLM config."""
    entry = first_llm_entry(agent)
    if entry is None:
        return {}
    attributes: dict[str, Any] = {}
    api_type = str(_field(entry, "api_type") or "openai")
    attributes[sc.GEN_AI_PROVIDER_NAME] = sc.PROVIDER_BY_API_TYPE.get(api_type, api_type)
    model = _field(entry, "model")
    if model:
        attributes[sc.GEN_AI_REQUEST_MODEL] = str(model)
    return attributes


_AG2_MODEL_NAMES = {
    sc.GEN_AI_PROVIDER_NAME: sc.AG2_LLM_PROVIDER,
    sc.GEN_AI_REQUEST_MODEL: sc.AG2_LLM_REQUEST_MODEL,
}


def ag2_model_attributes(agent: Any) -> dict[str, Any]:
    """`model_attributes` under `ag2.*` names, for AG2-only steps that are no GenAI operation
    themselves (the LLM call beneath them carries the `gen_ai.*` ones)."""
    return {_AG2_MODEL_NAMES[key]: value for key, value in model_attributes(agent).items()}


class AgentCache(Generic[_T]):
    """Values derived from an agent, computed once per agent and reused.

    An entry is reused only while the agent keeps the same `name` and the same
    `llm_config` object, so assigning a new config (or renaming) is seen at
    the next call; agents are held weakly. Each caller keeps its own cache and
    its own `build`, so a failing `build` fails that caller every time.
    """

    def __init__(self, build: Callable[[Any], _T]) -> None:
        self._build = build
        self._entries: weakref.WeakKeyDictionary[Any, tuple[Any, Any, _T]] = weakref.WeakKeyDictionary()

    def get(self, agent: Any) -> _T:
        llm_config = getattr(agent, "llm_config", None)
        name = getattr(agent, "name", None)
        try:
            cached = self._entries.get(agent)
        except TypeError:  # an unhashable agent class (or None)
            return self._build(agent)
        if cached is not None and cached[0] is llm_config and cached[1] == name:
            return cached[2]
        value = self._build(agent)
        self._entries[agent] = (llm_config, name, value)
        return value


def bound_argument(args: tuple[Any, ...], kwargs: Mapping[str, Any], name: str, position: int) -> Any:
    """A wrapped method's argument by keyword or position (position excludes `self`)."""
    if name in kwargs:
        return kwargs[name]
    return args[position] if len(args) > position else None
