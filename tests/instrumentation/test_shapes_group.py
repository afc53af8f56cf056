"""Every classic speaker-selection method and every group pattern: each
selection visible (method, candidates, selected, auto attempts and the
selecting LLM call), one tree, nothing orphaned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ag2_otel.demo.brain import demo_reply
from ag2_otel.testing import Reply, ScriptedOpenAIServer
from tests.instrumentation.conftest import llm_config_for
from tests.instrumentation.spans import FinishedSpan, InMemorySpanExporter
from tests.instrumentation.trees import assert_one_tree, by_name, children_of, is_descendant, parent_id, the

NAMES = ("alice", "bob", "carol")


class ScriptedConsole:
    """An AG2 IOStream whose `input()` answers from a list (a person typing)."""

    def __init__(self, answers: list[str]) -> None:
        from autogen.io import IOConsole

        self._console = IOConsole()
        self._answers = answers

    def print(self, *args: Any, **kwargs: Any) -> None:
        """Quiet."""

    def send(self, message: Any) -> None:
        """Quiet."""

    def input(self, prompt: str = "", *, password: bool = False) -> str:
        return self._answers.pop(0) if self._answers else ""


def _members(llm_config: Any) -> list[Any]:
    from autogen import ConversableAgent

    return [
        ConversableAgent(
            name, system_message=f"You are {name}.", llm_config=llm_config, human_input_mode="NEVER"
        )
        for name in NAMES
    ]


def _selections(spans: tuple[FinishedSpan, ...]) -> list[FinishedSpan]:
    return sorted(by_name(spans, "speaker_selection"), key=lambda s: s.start_time or 0)


@pytest.mark.usefixtures("traced")
@pytest.mark.parametrize("method", ["round_robin", "random", "auto", "manual", "custom"])
def test_classic_group_chat_selection_methods(
    method: str, llm_config: Any, exporter: InMemorySpanExporter
) -> None:
    from autogen import ConversableAgent, GroupChat, GroupChatManager
    from autogen.io import IOStream

    members = _members(llm_config)

    def pick_carol(last_speaker: Any, groupchat: Any) -> Any:
        return members[2]

    selection: Any = pick_carol if method == "custom" else method
    groupchat = GroupChat(agents=members, messages=[], max_round=3, speaker_selection_method=selection)
    manager = GroupChatManager(groupchat=groupchat, llm_config=llm_config)
    user = ConversableAgent("user", llm_config=False, human_input_mode="NEVER")
    with IOStream.set_default(ScriptedConsole(["2", "3"])):  # manual: pick bob, then carol
        user.initiate_chat(manager, message="Write a haiku about coding.", max_turns=1)

    spans = exporter.get_finished_spans()
    root = assert_one_tree(spans)
    assert root.name == "conversation user -> chat_manager"
    workflow = the(spans, "invoke_workflow GroupChat")
    assert workflow.attributes["ag2.group_chat.agents"] == NAMES
    assert workflow.attributes["ag2.group_chat.rounds"] == 2
    selections = _selections(spans)
    assert len(selections) == 2
    expected_method = "custom:pick_carol" if method == "custom" else method
    for span in selections:
        assert parent_id(span) == workflow.context.span_id
        assert span.attributes["ag2.speaker_selection.method"] == expected_method
        assert span.attributes["ag2.speaker_selection.selected"] in NAMES
        if method != "custom":
            assert set(span.attributes["ag2.speaker_selection.candidates"]) <= set(NAMES)
    selected = [s.attributes["ag2.speaker_selection.selected"] for s in selections]
    turns = [s.name for s in children_of(spans, workflow) if s.name.startswith("invoke_agent")]
    assert turns == [f"invoke_agent {name}" for name in selected]
    if method == "round_robin":
        assert selected == ["alice", "bob"]
    if method == "manual":
        assert selected == ["bob", "carol"]
    if method == "custom":
        assert selected == ["carol", "carol"]
    if method == "auto":
        for span in selections:
            assert span.attributes["ag2.speaker_selection.attempts"] == 1
            (inner,) = children_of(spans, span)
            assert inner.name == "conversation checking_agent -> speaker_selection_agent"


def _selector_with_one_bad_answer() -> Any:
    state = {"bad_answers_left": 1}

    def respond(request: Mapping[str, Any]) -> Reply:
        reply = demo_reply(request)
        if reply.content in NAMES and state["bad_answers_left"]:
            state["bad_answers_left"] -= 1
            return Reply(content="Nobody in particular.")
        return reply

    return respond


@pytest.mark.usefixtures("traced")
def test_auto_selection_retries_are_counted(exporter: InMemorySpanExporter) -> None:
    from autogen import ConversableAgent, GroupChat, GroupChatManager

    with ScriptedOpenAIServer(_selector_with_one_bad_answer()) as server:
        config = llm_config_for(server.base_url)
        groupchat = GroupChat(
            agents=_members(config), messages=[], max_round=2, speaker_selection_method="auto"
        )
        manager = GroupChatManager(groupchat=groupchat, llm_config=config)
        user = ConversableAgent("user", llm_config=False, human_input_mode="NEVER")
        user.initiate_chat(manager, message="Write a haiku about coding.", max_turns=1)
    spans = exporter.get_finished_spans()
    assert_one_tree(spans)
    (selection,) = _selections(spans)
    assert selection.attributes["ag2.speaker_selection.attempts"] == 2
    (inner,) = children_of(spans, selection)
    assert len([s for s in by_name(spans, "chat gpt-4o-mini") if is_descendant(spans, s, inner)]) == 2


@pytest.mark.usefixtures("traced")
@pytest.mark.parametrize(
    "pattern_name", ["AutoPattern", "RoundRobinPattern", "RandomPattern", "DefaultPattern"]
)
def test_patterns(pattern_name: str, llm_config: Any, exporter: InMemorySpanExporter) -> None:
    from autogen import ConversableAgent
    from autogen.agentchat import initiate_group_chat
    from autogen.agentchat.group import AgentTarget
    from autogen.agentchat.group import patterns as pattern_module
    from autogen.io import IOStream

    members = _members(llm_config)
    user = ConversableAgent("user", llm_config=False, human_input_mode="NEVER")
    options: dict[str, Any] = {"initial_agent": members[0], "agents": members, "user_agent": user}
    if pattern_name == "AutoPattern":
        options["group_manager_args"] = {"llm_config": llm_config}
    if pattern_name == "DefaultPattern":
        options["group_after_work"] = AgentTarget(members[1])
    pattern = getattr(pattern_module, pattern_name)(**options)
    with IOStream.set_default(ScriptedConsole(["3"])):  # ManualPattern: a person picks carol
        initiate_group_chat(pattern=pattern, messages="Write a haiku about coding.", max_rounds=3)

    spans = exporter.get_finished_spans()
    root = assert_one_tree(spans)
    assert root.name == "conversation user -> chat_manager"
    workflow = the(spans, f"invoke_workflow {pattern_name}")
    assert workflow.attributes["ag2.group_chat.pattern"] == pattern_name
    assert workflow.attributes["ag2.group_chat.rounds"] == 2
    selections = _selections(spans)
    assert len(selections) == 2
    assert selections[0].attributes["ag2.speaker_selection.selected"] == "alice"
    assert all(s.attributes["ag2.speaker_selection.method"] in ("pattern", "auto") for s in selections)
    if pattern_name == "RoundRobinPattern":
        assert selections[1].attributes["ag2.speaker_selection.selected"] == "bob"
    if pattern_name == "ManualPattern":
        assert selections[1].attributes["ag2.speaker_selection.selected"] == "carol"
