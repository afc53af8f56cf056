"""A custom speaker-selection function drives a research workflow (StateFlow)."""

from typing import Any

SOURCE = "notebook/agentchat_groupchat_stateflow.ipynb"
SPANS = (
    "invoke_workflow GroupChat",
    "invoke_agent Research_Action_1",
)


def main(llm_config: Any) -> Any:
    from autogen import AssistantAgent, GroupChat, GroupChatManager, UserProxyAgent

    initializer = UserProxyAgent(name="Init", code_execution_config=False)
    coder = AssistantAgent(
        name="Retrieve_Action_1", llm_config=llm_config, system_message="You are the Coder."
    )
    executor = UserProxyAgent(
        name="Retrieve_Action_2",
        system_message="Executor.",
        human_input_mode="NEVER",
        code_execution_config=False,
    )
    scientist = AssistantAgent(
        name="Research_Action_1", llm_config=llm_config, system_message="You are the Scientist."
    )

    def state_transition(last_speaker: Any, groupchat: Any) -> Any:
        messages = groupchat.messages
        if last_speaker is initializer:
            return coder
        if last_speaker is coder:
            return executor
        if last_speaker is executor:
            return scientist if "exitcode: 1" not in messages[-1]["content"] else coder
        if last_speaker is scientist:
            return None
        return None

    groupchat = GroupChat(
        agents=[initializer, coder, executor, scientist],
        messages=[],
        max_round=8,
        speaker_selection_method=state_transition,
    )
    manager = GroupChatManager(groupchat=groupchat, llm_config=llm_config)
    return initializer.initiate_chat(
        manager,
        message=(
            "Topic: LLM applications papers from last week. Requirement: "
            "5 - 10 papers from different domains."
        ),
    )
