"""One agent answers one message directly (`generate_reply`), no chat."""

from typing import Any

SOURCE = "website/docs/user-guide/basic-concepts/conversable-agent.mdx"
SPANS = (
    "invoke_agent helpful_agent",
    "chat gpt-4o-mini",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent

    my_agent = ConversableAgent(
        name="helpful_agent",
        llm_config=llm_config,
        system_message="You are a poetic AI assistant, respond in rhyme.",
    )
    return my_agent.generate_reply(
        messages=[{"content": "In one sentence, what's the big deal about AI?", "role": "user"}]
    )
