"""Fails on purpose: a registered reply function raises after the assistant answered."""

from typing import Any

SOURCE = "test/agentchat/test_conversable_agent.py"
SPANS = (
    "conversation user -> assistant",
    "invoke_agent user",
)
FAILS = "RuntimeError"


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent

    assistant = ConversableAgent("assistant", system_message="Reply.", llm_config=llm_config)
    user = ConversableAgent("user", llm_config=False, human_input_mode="NEVER")

    def failing_reply(recipient: Any, messages: Any = None, sender: Any = None, config: Any = None) -> Any:
        raise RuntimeError("the reply function failed")

    user.register_reply([ConversableAgent, None], failing_reply)
    return user.initiate_chat(assistant, message="What is 1 + 1?", max_turns=3)
