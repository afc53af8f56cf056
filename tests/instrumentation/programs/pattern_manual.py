"""A ManualPattern group: a person types who speaks next."""

from typing import Any

from ag2_otel.testing.keyboard import scripted_keyboard

SOURCE = "website/docs/user-guide/advanced-concepts/orchestration/group-chat/patterns.mdx"
SPANS = (
    "invoke_workflow ManualPattern",
    "invoke_agent coder",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group.patterns import ManualPattern
    from autogen.io import IOStream

    agents = [
        ConversableAgent(name=name, system_message=f"You are the {name}.", llm_config=llm_config)
        for name in ("planner", "coder", "tester")
    ]
    pattern = ManualPattern(initial_agent=agents[0], agents=agents)
    with IOStream.set_default(scripted_keyboard(["3", "2", "1"])):
        result, _, last_agent = initiate_group_chat(
            pattern=pattern, messages="Plan a small CLI tool.", max_rounds=4
        )
    return {"result": result, "last_agent": last_agent.name}
