"""Async chats with prerequisites (`a_initiate_chats`, `chat_id`, `prerequisites`)."""

from typing import Any

SOURCE = "notebook/agentchat_multi_task_async_chats.ipynb"
SPANS = (
    "sequential_chats User",
    "conversation User -> writer",
    "summary Researcher",
)


async def main(llm_config: Any) -> Any:
    from autogen import AssistantAgent, UserProxyAgent

    financial_assistant = AssistantAgent(name="Financial_assistant", llm_config=llm_config)
    research_assistant = AssistantAgent(name="Researcher", llm_config=llm_config)
    writer = AssistantAgent(
        name="writer",
        llm_config=llm_config,
        system_message="You are a professional writer. Reply TERMINATE in the end when everything is done.",
    )
    user = UserProxyAgent(
        name="User",
        human_input_mode="NEVER",
        is_termination_msg=lambda x: x.get("content", "") and x.get("content", "").find("TERMINATE") >= 0,
        code_execution_config={"last_n_messages": 1, "work_dir": "tasks", "use_docker": False},
        max_consecutive_auto_reply=0,
    )
    return await user.a_initiate_chats(
        [
            {
                "chat_id": 1,
                "recipient": financial_assistant,
                "message": "What are the current stock prices of NVDA and TESLA?",
                "silent": False,
                "summary_method": "reflection_with_llm",
            },
            {
                "chat_id": 2,
                "prerequisites": [1],
                "recipient": research_assistant,
                "message": "Investigate possible reasons of the stock performance.",
                "silent": False,
                "summary_method": "reflection_with_llm",
            },
            {
                "chat_id": 3,
                "prerequisites": [1, 2],
                "recipient": writer,
                "silent": False,
                "message": "Develop an engaging blog post using any information provided.",
            },
        ]
    )
