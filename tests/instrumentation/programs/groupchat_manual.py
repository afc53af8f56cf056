"""A classic GroupChat where a person picks each speaker (`manual`)."""

from typing import Any

from ag2_otel.testing.keyboard import scripted_keyboard

SOURCE = "test/agentchat/test_groupchat.py"
SPANS = (
    "invoke_workflow GroupChat",
    "invoke_agent carol",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent, GroupChat, GroupChatManager
    from autogen.io import IOStream

    agents = [
        ConversableAgent(
            name, system_message=f"You are {name}.", llm_config=llm_config, human_input_mode="NEVER"
        )
        for name in ("alice", "bob", "carol")
    ]
    groupchat = GroupChat(agents=list(agents), speaker_selection_method="manual", messages=[], max_round=3)
    manager = GroupChatManager(groupchat=groupchat, llm_config=llm_config)
    with IOStream.set_default(scripted_keyboard(["3", "2"])):
        return agents[0].initiate_chat(manager, message="Who speaks next?")
