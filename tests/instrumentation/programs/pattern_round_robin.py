"""A RoundRobinPattern group: agents speak in turn."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/orchestration/group-chat/patterns.mdx"
SPANS = (
    "invoke_workflow RoundRobinPattern",
    "invoke_agent editor",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group.patterns import RoundRobinPattern

    agents = [
        ConversableAgent(name=name, system_message=f"You are the {name}.", llm_config=llm_config)
        for name in ("researcher", "writer", "editor")
    ]
    pattern = RoundRobinPattern(initial_agent=agents[0], agents=agents, user_agent=None)
    result, _, last_agent = initiate_group_chat(
        pattern=pattern, messages="Write a short note on tides.", max_rounds=5
    )
    return {"result": result, "last_agent": last_agent.name}
