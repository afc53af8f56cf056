"""A writer's draft goes through a nested chat with a critic before it is answered."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/nested-chat.mdx"
SPANS = (
    "conversation User -> Writer",
    "conversation User -> Critic",
)


def main(llm_config: Any) -> Any:
    from autogen import AssistantAgent, UserProxyAgent

    writer = AssistantAgent(
        name="Writer",
        llm_config=llm_config,
        system_message="You are a professional writer, known for your insightful and engaging articles.",
    )
    user_proxy = UserProxyAgent(
        name="User",
        human_input_mode="NEVER",
        is_termination_msg=lambda x: x.get("content", "").find("TERMINATE") >= 0,
        code_execution_config={"last_n_messages": 1, "work_dir": "tasks", "use_docker": False},
    )
    critic = AssistantAgent(
        name="Critic",
        llm_config=llm_config,
        system_message=(
            "You are a critic. You review the work of the writer and provide constructive feedback."
        ),
    )

    def reflection_message(recipient: Any, messages: Any, sender: Any, config: Any) -> str:
        return (
            f"Reflect and provide critique on the following writing. \n\n "
            f"{recipient.chat_messages_for_summary(sender)[-1]['content']}"
        )

    user_proxy.register_nested_chats(
        [{"recipient": critic, "message": reflection_message, "summary_method": "last_msg", "max_turns": 1}],
        trigger=writer,
    )
    return user_proxy.initiate_chat(
        recipient=writer,
        message="Write a concise but engaging blogpost about Navida.",
        max_turns=2,
        summary_method="last_msg",
    )
