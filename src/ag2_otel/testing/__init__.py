"""Helpers for testing AG2 applications and their telemetry offline."""

from ag2_otel.testing.scripted_endpoint import Reply, ScriptedOpenAIServer, ToolCall, count_tokens

__all__ = ["Reply", "ScriptedOpenAIServer", "ToolCall", "count_tokens"]
