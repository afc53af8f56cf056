"""Helpers for testing AG2 applications and their telemetry offline."""

from ag2_otel.testing.scripted_endpoint import Reply, ScriptedOpenAIServer, ToolCall, count_tokens
from ag2_otel.testing.scripted_model import ScriptedModel

__all__ = ["Reply", "ScriptedModel", "ScriptedOpenAIServer", "ToolCall", "count_tokens"]
