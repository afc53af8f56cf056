"""A group chat resumed from its previous messages saved as a JSON string."""

import json
from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/groupchat/resuming-group-chat.mdx"
SPANS = (
    "invoke_workflow GroupChat",
    "invoke_agent Engineer",
)

PREVIOUS_STATE = [
    {
        "content": (
            "Find the latest paper about gpt-4 on arxiv and find its potential applications in software."
        ),
        "role": "user",
        "name": "Admin",
    },
    {
        "content": "Plan:\n1. Engineer: search arxiv.\n2. Scientist: read the abstract.",
        "role": "user",
        "name": "Planner",
    },
    {"content": "Approve", "role": "user", "name": "Admin"},
]


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent, GroupChat, GroupChatManager

    user_proxy = ConversableAgent(
        name="Admin",
        system_message="A human admin.",
        code_execution_config=False,
        human_input_mode="NEVER",
        llm_config=False,
        max_consecutive_auto_reply=0,
    )
    planner = ConversableAgent(
        name="Planner", system_message="Planner. Suggest a plan.", llm_config=llm_config
    )
    engineer = ConversableAgent(
        name="Engineer", system_message="Engineer. You write code.", llm_config=llm_config
    )
    groupchat = GroupChat(
        agents=[user_proxy, planner, engineer],
        messages=[],
        max_round=4,
        speaker_selection_method="round_robin",
    )
    manager = GroupChatManager(groupchat=groupchat, llm_config=llm_config)
    last_agent, last_message = manager.resume(messages=json.dumps(PREVIOUS_STATE))
    return last_agent.initiate_chat(recipient=manager, message=last_message, clear_history=False)
