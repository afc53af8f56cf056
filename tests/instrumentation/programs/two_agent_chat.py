"""A student asks a teacher, two turns."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/orchestration/two-agent-chat.mdx"
SPANS = (
    "conversation Student_Agent -> Teacher_Agent",
    "invoke_agent Teacher_Agent",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent

    student_agent = ConversableAgent(
        name="Student_Agent", system_message="You are a student willing to learn.", llm_config=llm_config
    )
    teacher_agent = ConversableAgent(
        name="Teacher_Agent", system_message="You are a math teacher.", llm_config=llm_config
    )
    return student_agent.initiate_chat(
        teacher_agent, message="What is triangle inequality?", summary_method="last_msg", max_turns=2
    )
