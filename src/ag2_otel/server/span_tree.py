"""The attribution rules over a trace's span tree, shared by the stored summaries and
usage roll-up (`store.summaries`) and the trace API's derived facts (`attribution`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class Node(Protocol):
    """What the attribution rules read of a span (stored rows and API spans alike)."""

    @property
    def span_id(self) -> str: ...
    @property
    def parent_span_id(self) -> str | None: ...
    @property
    def span_type(self) -> str: ...
    @property
    def agent(self) -> str | None: ...


def owning_agents(spans: Sequence[Node], of: Iterable[Node] | None = None) -> dict[str, str]:
    """Each span's agent: its own agent name, else that of its nearest ancestor with one,
    never past an `agent` span ("" when none has). AG2 and most frameworks nest a `chat`
    span under `invoke_agent`; a span that names its agent itself (an LLM call AG2 made
    for an agent, an A2A server span) is that agent's, whatever agent span encloses it;
    and an agent span without a name is an agent of its own, not the one that called it
    (so its LLM calls are charged to "" rather than to its caller). Parent cycles end the
    walk. `of`: only these spans' agents are needed (and those of the spans walked through).
    """
    by_id = {s.span_id: s for s in spans}
    owner: dict[str, str] = {}
    for span in spans if of is None else of:
        path: list[str] = []
        node: Node | None = span
        found = ""
        while node is not None:
            if node.span_id in owner:
                found = owner[node.span_id]
                break
            if node.agent or node.span_type == "agent":
                found = node.agent or ""
                owner[node.span_id] = found
                break
            if node.span_id in path:  # a cycle without an agent
                break
            path.append(node.span_id)
            node = by_id.get(node.parent_span_id or "")
        for span_id in path:
            owner[span_id] = found
    return owner


def inside_speaker_selection(spans: Sequence[Node]) -> set[str]:
    """Spans of the helper agents AG2 creates to pick the next speaker (beneath a
    `speaker_selection` span): real work, but not participants of the conversation."""
    children: dict[str, list[Node]] = {}
    for span in spans:
        if span.parent_span_id:
            children.setdefault(span.parent_span_id, []).append(span)
    inside: set[str] = set()
    stack = [s for s in spans if s.span_type == "speaker_selection"]
    while stack:
        for child in children.get(stack.pop().span_id, []):
            if child.span_id not in inside:
                inside.add(child.span_id)
                stack.append(child)
    return inside
