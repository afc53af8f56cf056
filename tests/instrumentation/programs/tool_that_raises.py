"""A tool that fails: AG2 hands the error back to the model and the chat goes on."""

from typing import Annotated, Any

SOURCE = "test/agentchat/test_function_call.py"
SPANS = ("execute_tool get_forecast",)
EXPECTED_ERRORS = ("execute_tool get_forecast",)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent

    assistant = ConversableAgent("assistant", system_message="Use your tools.", llm_config=llm_config)
    user = ConversableAgent("user", llm_config=False, human_input_mode="NEVER", max_consecutive_auto_reply=2)

    @user.register_for_execution()
    @assistant.register_for_llm(description="Weather forecast for a city.")
    def get_forecast(city: Annotated[str, "city"]) -> str:
        raise ValueError(f"no forecast for {city}")

    return user.initiate_chat(assistant, message="Will it rain in Paris?", max_turns=2)
