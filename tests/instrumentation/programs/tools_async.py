"""An async tool, called from an async chat."""

import asyncio
from typing import Annotated, Any

SOURCE = "notebook/agentchat_function_call_async.ipynb"
SPANS = ("execute_tool timer",)


async def main(llm_config: Any) -> Any:
    from autogen import AssistantAgent, UserProxyAgent

    coder = AssistantAgent(
        name="chatbot",
        system_message=(
            "For coding tasks, only use the functions you have been "
            "provided with. You have a stopwatch and a timer, these tools "
            "can and should be used in parallel. Reply TERMINATE when the "
            "task is done."
        ),
        llm_config=llm_config,
    )
    user_proxy = UserProxyAgent(
        name="user_proxy",
        system_message="A proxy for the user for executing code.",
        is_termination_msg=lambda x: (
            x.get("content", "") and x.get("content", "").rstrip().endswith("TERMINATE")
        ),
        human_input_mode="NEVER",
        max_consecutive_auto_reply=10,
        code_execution_config={"work_dir": "coding", "use_docker": False},
    )

    @user_proxy.register_for_execution()
    @coder.register_for_llm(description="create a timer for N seconds")
    async def timer(num_seconds: Annotated[str, "Number of seconds in the timer."]) -> str:
        for _ in range(3):
            await asyncio.sleep(0.001)
        return "Timer is done!"

    return await user_proxy.a_initiate_chat(coder, message="Create a timer for 1 second.")
