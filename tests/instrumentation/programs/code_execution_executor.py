"""A code writer and an executor agent running its code with `LocalCommandLineCodeExecutor`."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/code-execution.mdx"
SPANS = ("execute_code python",)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent
    from autogen.coding import LocalCommandLineCodeExecutor

    executor = LocalCommandLineCodeExecutor(timeout=10, work_dir="coding")
    code_executor_agent = ConversableAgent(
        "code_executor_agent",
        llm_config=False,
        code_execution_config={"executor": executor},
        human_input_mode="NEVER",
    )
    code_writer_agent = ConversableAgent(
        "code_writer",
        system_message=(
            "You are a helpful AI assistant. Solve tasks using your "
            "Python coding skills. Reply TERMINATE when done."
        ),
        llm_config=llm_config,
        code_execution_config=False,
    )
    return code_executor_agent.initiate_chat(
        code_writer_agent, message="Write Python code to calculate the 14th Fibonacci number.", max_turns=3
    )
