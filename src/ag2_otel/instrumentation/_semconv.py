"""Every span, attribute and operation name this package emits, in one place.

GenAI names follow the OpenTelemetry GenAI semantic conventions (development
status, schema below); AG2-only detail lives under the `ag2.` prefix.
"""

from __future__ import annotations

from typing import Final

SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.37.0"
INSTRUMENTATION_NAME: Final = "ag2_otel"

# gen_ai.operation.name well-known values
OP_CHAT: Final = "chat"
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_EXECUTE_TOOL: Final = "execute_tool"
OP_INVOKE_WORKFLOW: Final = "invoke_workflow"

# ag2.span.type values: one per kind of AG2 step
TYPE_CONVERSATION: Final = "conversation"
TYPE_GROUP_CHAT: Final = "group_chat"
TYPE_AGENT: Final = "agent"
TYPE_LLM: Final = "llm"
TYPE_TOOL: Final = "tool"
TYPE_SPEAKER_SELECTION: Final = "speaker_selection"
TYPE_HANDOFF: Final = "handoff"
TYPE_SEQUENTIAL_CHATS: Final = "sequential_chats"
TYPE_SUMMARY: Final = "summary"

# GenAI attributes
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"
GEN_AI_AGENT_NAME: Final = "gen_ai.agent.name"
GEN_AI_AGENT_DESCRIPTION: Final = "gen_ai.agent.description"
GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
GEN_AI_WORKFLOW_NAME: Final = "gen_ai.workflow.name"
GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"
GEN_AI_REQUEST_TOP_P: Final = "gen_ai.request.top_p"
GEN_AI_REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_STOP_SEQUENCES: Final = "gen_ai.request.stop_sequences"
GEN_AI_REQUEST_FREQUENCY_PENALTY: Final = "gen_ai.request.frequency_penalty"
GEN_AI_REQUEST_PRESENCE_PENALTY: Final = "gen_ai.request.presence_penalty"
GEN_AI_REQUEST_SEED: Final = "gen_ai.request.seed"
GEN_AI_RESPONSE_ID: Final = "gen_ai.response.id"
GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
GEN_AI_RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
GEN_AI_USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
GEN_AI_OUTPUT_TYPE: Final = "gen_ai.output.type"
GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
GEN_AI_TOOL_TYPE: Final = "gen_ai.tool.type"
GEN_AI_TOOL_DESCRIPTION: Final = "gen_ai.tool.description"
GEN_AI_TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
GEN_AI_TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
GEN_AI_TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"
GEN_AI_INPUT_MESSAGES: Final = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
GEN_AI_SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
GEN_AI_TOOL_DEFINITIONS: Final = "gen_ai.tool.definitions"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"
ERROR_TYPE: Final = "error.type"
EXCEPTION_MESSAGE: Final = "exception.message"
GEN_AI_TOKEN_TYPE: Final = "gen_ai.token.type"

# AG2 attributes
AG2_SPAN_TYPE: Final = "ag2.span.type"
# On AG2-only steps (no GenAI operation: speaker selection, handoff, human input, summary)
# the agent, model and conversation go under `ag2.*`: a `gen_ai.*` attribute would make
# the span a GenAI operation without a `gen_ai.operation.name` (invalid semconv; Phoenix
# files such a span as an LLM call).
AG2_AGENT_NAME: Final = "ag2.agent.name"
AG2_CONVERSATION_ID: Final = "ag2.conversation.id"
AG2_LLM_PROVIDER: Final = "ag2.llm.provider"
AG2_LLM_REQUEST_MODEL: Final = "ag2.llm.request_model"
AG2_ENDED_BY: Final = "ag2.ended_by"
AG2_USAGE_INPUT_TOKENS: Final = "ag2.usage.input_tokens"
AG2_USAGE_OUTPUT_TOKENS: Final = "ag2.usage.output_tokens"
AG2_USAGE_COST: Final = "ag2.usage.cost"
AG2_LLM_CALLS: Final = "ag2.usage.llm_calls"
AG2_CONVERSATION_SENDER: Final = "ag2.conversation.sender"
AG2_CONVERSATION_RECIPIENT: Final = "ag2.conversation.recipient"
AG2_CONVERSATION_TURNS: Final = "ag2.conversation.turns"
AG2_CONVERSATION_MAX_TURNS: Final = "ag2.conversation.max_turns"
AG2_CONVERSATION_NESTED: Final = "ag2.conversation.nested"
AG2_CONVERSATION_ASYNC: Final = "ag2.conversation.async"
AG2_AGENT_SENDER: Final = "ag2.agent.sender"
AG2_AGENT_REPLY_EMPTY: Final = "ag2.agent.reply_empty"
AG2_GROUP_PATTERN: Final = "ag2.group_chat.pattern"
AG2_GROUP_MANAGER: Final = "ag2.group_chat.manager"
AG2_GROUP_AGENTS: Final = "ag2.group_chat.agents"
AG2_GROUP_MAX_ROUNDS: Final = "ag2.group_chat.max_rounds"
AG2_GROUP_ROUNDS: Final = "ag2.group_chat.rounds"
AG2_SELECTION_METHOD: Final = "ag2.speaker_selection.method"
AG2_SELECTION_CANDIDATES: Final = "ag2.speaker_selection.candidates"
AG2_SELECTION_SELECTED: Final = "ag2.speaker_selection.selected"
AG2_SELECTION_LAST_SPEAKER: Final = "ag2.speaker_selection.last_speaker"
AG2_SELECTION_ATTEMPTS: Final = "ag2.speaker_selection.attempts"
AG2_LLM_CONFIG_COUNT: Final = "ag2.llm.config_count"
AG2_TOOL_SUCCESS: Final = "ag2.tool.success"
AG2_HANDOFF_KIND: Final = "ag2.handoff.kind"
AG2_HANDOFF_SOURCE: Final = "ag2.handoff.source"
AG2_HANDOFF_TARGET: Final = "ag2.handoff.target"
AG2_HANDOFF_TARGET_TYPE: Final = "ag2.handoff.target_type"
AG2_HANDOFF_CONDITION: Final = "ag2.handoff.condition"
AG2_SEQUENCE_CHATS: Final = "ag2.sequential_chats.count"
AG2_SUMMARY_METHOD: Final = "ag2.summary.method"
AG2_GROUP_RESUMED_MESSAGES: Final = "ag2.group_chat.resumed_messages"
AG2_LLM_CACHED: Final = "ag2.llm.cached"
AG2_LLM_CONFIG_INDEX: Final = "ag2.llm.config_index"
AG2_LLM_ATTEMPT_FAILED_EVENT: Final = "ag2.llm.attempt_failed"
HTTP_RETRY_EVENT: Final = "http.retry"
HTTP_REQUEST_RESEND_COUNT: Final = "http.request.resend_count"
# Content as a structured event (`_events`) and as a span event of the same name.
CONTENT_EVENT: Final = "gen_ai.client.inference.operation.details"

# Maps AG2's `api_type` to the well-known `gen_ai.provider.name` values.
PROVIDER_BY_API_TYPE: Final[dict[str, str]] = {
    "openai": "openai",
    "responses": "openai",
    "openai_v2": "openai",
    "responses_v2": "openai",
    "azure": "azure.ai.openai",
    "anthropic": "anthropic",
    "anthropic_v2": "anthropic",
    "bedrock": "aws.bedrock",
    "bedrock_v2": "aws.bedrock",
    "google": "gcp.gemini",
    "google_vertex": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
    "vertex_ai": "gcp.vertex_ai",
    "mistral": "mistral_ai",
    "groq": "groq",
    "deepseek": "deepseek",
    "cohere": "cohere",
    "together": "together_ai",
    "cerebras": "cerebras",
    "ollama": "ollama",
    "xai": "x_ai",
}

# LLMConfig keys recorded as request parameters.
REQUEST_PARAMETERS: Final[dict[str, str]] = {
    "temperature": GEN_AI_REQUEST_TEMPERATURE,
    "top_p": GEN_AI_REQUEST_TOP_P,
    "max_tokens": GEN_AI_REQUEST_MAX_TOKENS,
    "max_completion_tokens": GEN_AI_REQUEST_MAX_TOKENS,
    "frequency_penalty": GEN_AI_REQUEST_FREQUENCY_PENALTY,
    "presence_penalty": GEN_AI_REQUEST_PRESENCE_PENALTY,
    "seed": GEN_AI_REQUEST_SEED,
}

# Code execution (an `execute_tool` operation of a command-running tool)
TYPE_CODE_EXECUTION: Final = "code_execution"
SPAN_EXECUTE_CODE: Final = "execute_code"
CODE_EXECUTOR_TOOL_NAME: Final = "code_executor"
CODE_EXECUTION_FAILED: Final = "code_execution_failed"
PROCESS_EXIT_CODE: Final = "process.exit.code"
AG2_CODE_LANGUAGE: Final = "ag2.code_execution.language"
AG2_CODE_BLOCK_COUNT: Final = "ag2.code_execution.block_count"
AG2_CODE_EXECUTOR: Final = "ag2.code_execution.executor"

# Human input (no GenAI operation: AG2-only detail)
TYPE_HUMAN_INPUT: Final = "human_input"
SPAN_HUMAN_INPUT: Final = "human_input"
AG2_HUMAN_INPUT_MODE: Final = "ag2.human_input.mode"
AG2_HUMAN_INPUT_PROMPT: Final = "ag2.human_input.prompt"
AG2_HUMAN_INPUT_REPLY: Final = "ag2.human_input.reply"

# Remote agents (A2A)
TYPE_REMOTE_AGENT: Final = "remote_agent"
SPAN_A2A_CLIENT: Final = "a2a.client"
SPAN_A2A_SERVER: Final = "a2a.server"
A2A_METHOD_NAME: Final = "a2a.method.name"
HTTP_REQUEST_METHOD: Final = "http.request.method"
HTTP_RESPONSE_STATUS_CODE: Final = "http.response.status_code"
URL_PATH: Final = "url.path"
