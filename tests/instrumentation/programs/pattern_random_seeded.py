"""A seeded RandomPattern group: the next speaker is drawn from the global `random`."""

import random
from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/orchestration/group-chat/patterns.mdx"
SPANS = ("invoke_workflow RandomPattern",)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group.patterns import RandomPattern

    random.seed(7)
    agents = [
        ConversableAgent(name=name, system_message=f"You are the {name}.", llm_config=llm_config)
        for name in ("poet", "critic", "editor", "reader")
    ]
    pattern = RandomPattern(initial_agent=agents[0], agents=agents)
    result, _, last_agent = initiate_group_chat(
        pattern=pattern, messages="A haiku about rain, please.", max_rounds=6
    )
    return {"speakers": [m.get("name") for m in result.chat_history], "last_agent": last_agent.name}
