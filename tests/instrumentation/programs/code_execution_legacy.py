"""An assistant writes code, a user proxy runs it (legacy `work_dir` execution) and reports back."""

from typing import Any

SOURCE = "notebook/agentchat_auto_feedback_from_code_execution.ipynb"
SPANS = ("execute_code python",)


def main(llm_config: Any) -> Any:
    from autogen import AssistantAgent, UserProxyAgent

    assistant = AssistantAgent(name="assistant", llm_config=llm_config)
    user_proxy = UserProxyAgent(
        name="user_proxy",
        human_input_mode="NEVER",
        max_consecutive_auto_reply=10,
        is_termination_msg=lambda x: (
            x.get("content", "") and x.get("content", "").rstrip().endswith("TERMINATE")
        ),
        code_execution_config={"work_dir": "coding", "use_docker": False},
    )
    return user_proxy.initiate_chat(
        assistant, message="What date is today? Compare the year-to-date gain for META and TESLA."
    )
