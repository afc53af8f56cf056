"""An AutoPattern group: the group manager's LLM picks each speaker."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/orchestration/group-chat/patterns.mdx"
SPANS = (
    "invoke_workflow AutoPattern",
    "conversation checking_agent -> speaker_selection_agent",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group.patterns import AutoPattern

    triage_agent = ConversableAgent(
        name="triage_agent", system_message="You triage customer queries.", llm_config=llm_config
    )
    tech_agent = ConversableAgent(
        name="tech_agent", system_message="You solve technical problems.", llm_config=llm_config
    )
    general_agent = ConversableAgent(
        name="general_agent", system_message="You answer general questions.", llm_config=llm_config
    )
    user = ConversableAgent(name="user", human_input_mode="NEVER", llm_config=False)
    pattern = AutoPattern(
        initial_agent=triage_agent,
        agents=[triage_agent, tech_agent, general_agent],
        user_agent=user,
        group_manager_args={"llm_config": llm_config},
    )
    result, _, last_agent = initiate_group_chat(
        pattern=pattern, messages="My laptop keeps shutting down randomly. Can you help?", max_rounds=5
    )
    return {"result": result, "last_agent": last_agent.name}
