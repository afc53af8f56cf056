"""`register_function` wires a tool between a caller and an executor agent."""

from datetime import datetime
from typing import Annotated, Any

SOURCE = "website/docs/user-guide/basic-concepts/introducing-tools.mdx"
SPANS = ("execute_tool get_weekday",)


def get_weekday(date_string: Annotated[str, "Format: YYYY-MM-DD"]) -> str:
    try:
        date = datetime.strptime(date_string, "%Y-%m-%d")
    except ValueError:
        return "Please give the date as YYYY-MM-DD."
    return date.strftime("%A")


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent, register_function

    date_agent = ConversableAgent(
        name="date_agent",
        system_message="You get the day of the week for a given date.",
        llm_config=llm_config,
    )
    executor_agent = ConversableAgent(name="executor_agent", human_input_mode="NEVER", llm_config=False)
    register_function(
        get_weekday,
        caller=date_agent,
        executor=executor_agent,
        description="Get the day of the week for a given date",
    )
    return executor_agent.initiate_chat(
        recipient=date_agent, message="I was born on the 25th of March 1995, what day was it?", max_turns=2
    )
