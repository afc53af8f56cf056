"""A seeded program: random speaker selection, then a tool that rolls dice. Tracing must not
change a single number it draws."""

import random
from typing import Any

SOURCE = "test/agentchat/test_groupchat.py"
SPANS = (
    "invoke_workflow GroupChat",
    "speaker_selection",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent, GroupChat, GroupChatManager

    random.seed(42)
    agents = [
        ConversableAgent(
            name, system_message=f"You are {name}.", llm_config=llm_config, human_input_mode="NEVER"
        )
        for name in ("alice", "bob", "carol", "dave")
    ]
    groupchat = GroupChat(agents=list(agents), speaker_selection_method="random", messages=[], max_round=6)
    manager = GroupChatManager(groupchat=groupchat, llm_config=llm_config)
    result = agents[0].initiate_chat(manager, message="Let's each say one word.")
    dice = [random.randint(1, 6) for _ in range(5)]
    return {"speakers": [m.get("name") for m in result.chat_history], "dice": dice}
