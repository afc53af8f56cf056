"""A person answers every turn (`human_input_mode="ALWAYS"`) and ends with `exit`."""

from typing import Any

from ag2_otel.testing.keyboard import scripted_keyboard

SOURCE = "website/docs/user-guide/basic-concepts/human-in-the-loop.mdx"
SPANS = ("human_input human_proxy",)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent
    from autogen.io import IOStream

    agent_with_number = ConversableAgent(
        "agent_with_number",
        system_message="You are playing a game of guess-my-number. You have the number 53 in your mind.",
        llm_config=llm_config,
        is_termination_msg=lambda msg: "53" in msg["content"],
        human_input_mode="NEVER",
    )
    human_proxy = ConversableAgent("human_proxy", llm_config=False, human_input_mode="ALWAYS")
    with IOStream.set_default(scripted_keyboard(["50", "53", "exit"])):
        return human_proxy.initiate_chat(agent_with_number, message="10")
