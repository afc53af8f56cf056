# The seed notebook's code ("OpenTelemetry Tracing for AG2 Agents"), cell by cell.
# Changed: the `autogen.opentelemetry` import lines now import from `ag2_otel`,
# and LLMConfig takes the dict form (the keyword form raises on current AG2).
# The model endpoint comes from OPENAI_BASE_URL / OPENAI_API_KEY, set by the test.
# ruff: noqa: E402, I001

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

resource = Resource.create(attributes={"service.name": "ag2-tracing-notebook"})
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
trace.set_tracer_provider(tracer_provider)

from autogen import ConversableAgent, LLMConfig
from ag2_otel import instrument_agent, instrument_llm_wrapper

llm_config = LLMConfig({"api_type": "openai", "model": "gpt-4o-mini"})

assistant = ConversableAgent(
    "assistant",
    system_message="You are a helpful assistant. Reply concisely in one or two sentences.",
    llm_config=llm_config,
    human_input_mode="NEVER",
)

user_proxy = ConversableAgent(
    "user_proxy",
    human_input_mode="NEVER",
    llm_config=False,
    max_consecutive_auto_reply=0,
)

# Instrument the LLM wrapper (global, once) and each agent
instrument_llm_wrapper(tracer_provider=tracer_provider)
instrument_agent(assistant, tracer_provider=tracer_provider)
instrument_agent(user_proxy, tracer_provider=tracer_provider)

result = user_proxy.initiate_chat(
    assistant,
    message="What are the three primary colors?",
    max_turns=1,
)

from typing import Annotated


def get_weather(city: Annotated[str, "The city to get weather for"]) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny, 72F."


tool_agent = ConversableAgent(
    "tool_agent",
    system_message="Use the get_weather tool to answer weather questions. Reply concisely.",
    llm_config=llm_config,
    human_input_mode="NEVER",
)

tool_user = ConversableAgent(
    "tool_user",
    human_input_mode="NEVER",
    llm_config=False,
    max_consecutive_auto_reply=2,
)

tool_agent.register_for_llm()(get_weather)
tool_user.register_for_execution()(get_weather)

instrument_agent(tool_agent, tracer_provider=tracer_provider)
instrument_agent(tool_user, tracer_provider=tracer_provider)

result = tool_user.initiate_chat(
    tool_agent,
    message="What's the weather in Tokyo?",
    max_turns=2,
)

from autogen.agentchat import initiate_group_chat
from autogen.agentchat.group.patterns.auto import AutoPattern
from ag2_otel import instrument_pattern

planner = ConversableAgent(
    "planner",
    system_message="You plan tasks. Be concise and reply in one sentence.",
    llm_config=llm_config,
    human_input_mode="NEVER",
)
executor = ConversableAgent(
    "executor",
    system_message="You execute planned tasks. Be concise and reply in one sentence.",
    llm_config=llm_config,
    human_input_mode="NEVER",
)

group_user = ConversableAgent(
    "group_user",
    human_input_mode="NEVER",
    llm_config=False,
)

pattern = AutoPattern(
    initial_agent=planner,
    agents=[planner, executor],
    user_agent=group_user,
    group_manager_args={"llm_config": llm_config},
)

instrument_pattern(pattern, tracer_provider=tracer_provider)

result, context, last_agent = initiate_group_chat(
    pattern=pattern,
    messages="Write a haiku about coding.",
    max_rounds=3,
)
