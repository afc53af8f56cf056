"""`run_group_chat()` runs a pattern in a thread; the caller processes its events."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/iterating-runs.mdx"
SPANS = (
    "invoke_workflow RoundRobinPattern",
    "invoke_agent booker",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent
    from autogen.agentchat import run_group_chat
    from autogen.agentchat.group.patterns import RoundRobinPattern

    planner = ConversableAgent(name="planner", system_message="You plan trips.", llm_config=llm_config)
    booker = ConversableAgent(name="booker", system_message="You book trips.", llm_config=llm_config)
    pattern = RoundRobinPattern(initial_agent=planner, agents=[planner, booker])
    response = run_group_chat(pattern=pattern, messages="Plan a weekend in Lisbon.", max_rounds=4)
    response.process()
    return {
        "messages": list(response.messages),
        "summary": response.summary,
        "last_speaker": response.last_speaker,
    }
