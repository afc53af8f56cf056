"""A classic GroupChat where the manager's LLM picks each speaker (`auto`)."""

from typing import Any

from ag2_otel.testing.keyboard import scripted_keyboard

SOURCE = "notebook/agentchat_groupchat.ipynb"
SPANS = (
    "invoke_workflow GroupChat",
    "speaker_selection",
    "conversation checking_agent -> speaker_selection_agent",
    "human_input User_proxy",
)


def main(llm_config: Any) -> Any:
    from autogen import AssistantAgent, GroupChat, GroupChatManager, UserProxyAgent
    from autogen.io import IOStream

    user_proxy = UserProxyAgent(
        name="User_proxy",
        system_message="A human admin.",
        code_execution_config=False,
        human_input_mode="TERMINATE",
        max_consecutive_auto_reply=0,
    )
    coder = AssistantAgent(name="Coder", llm_config=llm_config, system_message="You write code in Python.")
    pm = AssistantAgent(
        name="Product_manager", system_message="Creative in software product ideas.", llm_config=llm_config
    )
    groupchat = GroupChat(agents=[user_proxy, coder, pm], messages=[], max_round=4)
    manager = GroupChatManager(groupchat=groupchat, llm_config=llm_config)
    with IOStream.set_default(scripted_keyboard(["exit"])):
        return user_proxy.initiate_chat(
            manager,
            message=(
                "Find a latest paper about gpt-4 on arxiv and find its potential applications in software."
            ),
        )
