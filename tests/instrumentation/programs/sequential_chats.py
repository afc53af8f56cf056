"""A chain of chats with carryover: each chat's summary feeds the next (`initiate_chats`)."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/orchestration/sequential-chat.mdx"
SPANS = (
    "sequential_chats Number_Agent",
    "conversation Number_Agent -> Multiplier_Agent",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent

    number_agent = ConversableAgent(
        name="Number_Agent",
        system_message="You return me the numbers I give you, one number each line.",
        llm_config=llm_config,
        human_input_mode="NEVER",
    )
    adder_agent = ConversableAgent(
        name="Adder_Agent",
        system_message="You add 1 to each number I give you.",
        llm_config=llm_config,
        human_input_mode="NEVER",
    )
    multiplier_agent = ConversableAgent(
        name="Multiplier_Agent",
        system_message="You multiply each number I give you by 2.",
        llm_config=llm_config,
        human_input_mode="NEVER",
    )
    return number_agent.initiate_chats(
        [
            {"recipient": adder_agent, "message": "14", "max_turns": 2, "summary_method": "last_msg"},
            {
                "recipient": multiplier_agent,
                "message": "These are my numbers",
                "max_turns": 2,
                "summary_method": "last_msg",
            },
        ]
    )
