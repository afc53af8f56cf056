"""A tool returns a `ReplyResult` that updates context variables and hands off to another agent."""

from typing import Annotated, Any

SOURCE = "website/docs/user-guide/advanced-concepts/orchestration/group-chat/context-variables.mdx"
SPANS = (
    "invoke_workflow DefaultPattern",
    "execute_tool verify_account",
    "handoff auth_agent -> billing_agent",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group import AgentTarget, ContextVariables, ReplyResult, TerminateTarget
    from autogen.agentchat.group.patterns import DefaultPattern

    def verify_account(
        account_id: Annotated[str, "The account id"], context_variables: ContextVariables
    ) -> ReplyResult:
        context_variables["verified"] = True
        context_variables["account_id"] = account_id
        return ReplyResult(
            message=f"Account {account_id} verified.",
            context_variables=context_variables,
            target=AgentTarget(billing_agent),
        )

    auth_agent = ConversableAgent(
        name="auth_agent",
        system_message="You verify accounts.",
        llm_config=llm_config,
        functions=[verify_account],
    )
    billing_agent = ConversableAgent(
        name="billing_agent", system_message="You answer billing questions.", llm_config=llm_config
    )
    billing_agent.handoffs.set_after_work(TerminateTarget())
    user = ConversableAgent(name="user", human_input_mode="NEVER", llm_config=False)
    pattern = DefaultPattern(
        initial_agent=auth_agent,
        agents=[auth_agent, billing_agent],
        user_agent=user,
        context_variables=ContextVariables(data={"verified": False}),
        group_after_work=TerminateTarget(),
    )
    result, context_variables, last_agent = initiate_group_chat(
        pattern=pattern, messages="Why was I charged twice?", max_rounds=6
    )
    return {"result": result, "context": context_variables.to_dict(), "last_agent": last_agent.name}
