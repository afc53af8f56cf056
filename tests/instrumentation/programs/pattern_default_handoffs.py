"""A DefaultPattern with handoffs: an LLM condition, a context condition and after-work."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/orchestration/group-chat/handoffs.mdx"
SPANS = (
    "invoke_workflow DefaultPattern",
    "handoff triage_agent -> tech_agent",
    "handoff tech_agent -> vip_agent",
    "handoff vip_agent -> Terminate",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group import (
        AgentTarget,
        ContextVariables,
        OnCondition,
        OnContextCondition,
        RevertToUserTarget,
        StringContextCondition,
        StringLLMCondition,
        TerminateTarget,
    )
    from autogen.agentchat.group.patterns import DefaultPattern

    triage_agent = ConversableAgent(
        name="triage_agent", system_message="You route customer requests.", llm_config=llm_config
    )
    tech_agent = ConversableAgent(
        name="tech_agent", system_message="You solve technical issues.", llm_config=llm_config
    )
    vip_agent = ConversableAgent(
        name="vip_agent", system_message="You serve VIP customers.", llm_config=llm_config
    )
    user = ConversableAgent(name="user", human_input_mode="NEVER", llm_config=False)

    triage_agent.handoffs.add_llm_conditions(
        [
            OnCondition(
                target=AgentTarget(tech_agent),
                condition=StringLLMCondition(prompt="When the issue is technical."),
            )
        ]
    )
    tech_agent.handoffs.add_context_condition(
        OnContextCondition(
            target=AgentTarget(vip_agent), condition=StringContextCondition(variable_name="is_vip")
        )
    )
    tech_agent.handoffs.set_after_work(RevertToUserTarget())
    vip_agent.handoffs.set_after_work(TerminateTarget())

    pattern = DefaultPattern(
        initial_agent=triage_agent,
        agents=[triage_agent, tech_agent, vip_agent],
        user_agent=user,
        context_variables=ContextVariables(data={"is_vip": True}),
        group_after_work=TerminateTarget(),
    )
    result, context_variables, last_agent = initiate_group_chat(
        pattern=pattern, messages="My router keeps disconnecting.", max_rounds=8
    )
    return {"result": result, "context": context_variables.to_dict(), "last_agent": last_agent.name}
