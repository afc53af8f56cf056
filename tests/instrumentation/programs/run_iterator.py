"""`agent.run()` runs the chat in a thread; the caller iterates its events and answers input."""

from typing import Any

SOURCE = "website/docs/user-guide/advanced-concepts/iterating-runs.mdx"
SPANS = (
    "conversation user -> assistant",
    "human_input user",
)


def main(llm_config: Any) -> Any:
    from autogen import ConversableAgent

    assistant = ConversableAgent(
        name="assistant", system_message="You are a helpful assistant.", llm_config=llm_config
    )
    response = assistant.run(message="Tell me a fun fact about octopuses.", max_turns=2, user_input=True)
    seen = []
    event: Any  # typed BaseEvent by AG2; each event it yields has `type` and `content`
    for event in response.events:
        seen.append(event.type)
        if event.type == "input_request":
            event.content.respond("Tell me another one.")
    return {"events": seen, "messages": list(response.messages), "summary": response.summary}
