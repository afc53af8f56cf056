"""A classic GroupChat that takes turns in order (`round_robin`)."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/groupchat/groupchat.mdx"
SPANS = (
    "invoke_workflow GroupChat",
    "invoke_agent reviewer",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent, GroupChat, GroupChatManager

    planner = ConversableAgent(
        "planner", system_message="You plan lessons for 4th graders.", llm_config=llm_config
    )
    reviewer = ConversableAgent("reviewer", system_message="You review lesson plans.", llm_config=llm_config)
    teacher = ConversableAgent(
        "teacher", system_message="You are a classroom teacher.", llm_config=llm_config
    )
    groupchat = GroupChat(
        agents=[teacher, planner, reviewer], speaker_selection_method="round_robin", messages=[], max_round=4
    )
    manager = GroupChatManager(name="group_manager", groupchat=groupchat, llm_config=llm_config)
    return teacher.initiate_chat(
        recipient=manager, message="Today, let's introduce our kids to the solar system."
    )
