"""The static conversation report: what `show()` displays and `traces show --html` writes.

Every text is escaped (checked by parsing, as a browser would), and the size stays bounded."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ag2_otel.report.html import MAX_TEXT_CHARS, MAX_TREE_LINES, document
from ag2_otel.testing import viewer_traces as fixtures
from ag2_otel.testing.serve import FedServer, run_cli

from .htmlparse import parse

XSS = "<script>alert('xss')</script><img src=x onerror=alert(1)>&amp; \"quoted\" 'single'"
NAME = "<b>bold</b><script>x</script>"  # AG2 refuses whitespace in agent names

PROGRAM = """
import ag2_otel
from ag2_otel.report.show import conversation
from ag2_otel.testing import ScriptedOpenAIServer
from ag2_otel.testing.scripted_endpoint import Reply
from autogen import ConversableAgent, LLMConfig

XSS = {xss!r}
NAME = {name!r}
ag2_otel.setup(console=False, capture_content="span_only")
with ScriptedOpenAIServer(lambda request: Reply(content="reply " + XSS)) as model:
    config = LLMConfig({{"api_type": "openai", "model": "gpt-4o-mini", "base_url": model.base_url,
                         "api_key": "scripted"}})
    assistant = ConversableAgent("assistant" + NAME, llm_config=config, human_input_mode="NEVER")
    user = ConversableAgent("user", llm_config=False, human_input_mode="NEVER", max_consecutive_auto_reply=0)
    user.initiate_chat(assistant, message="ask " + XSS, max_turns=1, silent=True)
print(conversation()._repr_html_())
"""


def test_show_output_keeps_hostile_message_text_as_text(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROGRAM.format(xss=XSS, name=NAME))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "AG2_OTEL_LOCAL_ENDPOINT": "http://127.0.0.1:9", "HOME": str(tmp_path)},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    html = completed.stdout[completed.stdout.index("<div class='ag2otel-report'>") :]
    parsed = parse(html)
    assert set(parsed.tags) <= {
        "div",
        "style",
        "h2",
        "span",
        "ul",
        "li",
        "b",
        "section",
        "details",
        "summary",
        "pre",
    }
    assert not {a for a in parsed.attributes if a.startswith("on") or a in ("src", "href", "style")}
    text = "".join(parsed.text)
    assert "ask " + XSS in text  # the opening message, verbatim as text
    assert "reply " + XSS in text  # the assistant's reply
    assert "assistant" + NAME in text  # the agent's name


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FedServer]:
    server = FedServer(tmp_path_factory.mktemp("report") / "traces.db")
    yield server
    server.stop()


def _with_content(builder: fixtures.TraceBuilder, chars: int) -> fixtures.TraceBuilder:
    """Give every agent turn a reply of `chars` characters (a realistic, chatty trace)."""
    for span in builder.spans:
        if span["span_type"] == "agent":
            reply = fixtures.text("assistant", ("lorem ipsum " * chars)[:chars])
            span["attributes"]["gen_ai.output.messages"] = fixtures.messages(reply)
    return builder


def _html_of(server: FedServer, builder: fixtures.TraceBuilder, db: Path) -> str:
    server.add(builder.spans)
    completed = run_cli(db, "traces", "show", builder.trace_id, "--html", "--db", str(db))
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


@pytest.mark.parametrize(
    ("reply_chars", "bound_bytes"), [(0, 350_000), (1_000, 800_000), (40_000, 1_500_000)]
)
def test_a_2000_span_trace_gives_a_bounded_file(
    store: FedServer, tmp_path: Path, reply_chars: int, bound_bytes: int
) -> None:
    builder = fixtures.big_trace(time.time_ns(), span_count=2_000)
    if reply_chars:
        _with_content(builder, reply_chars)
    html = _html_of(store, builder, store._server.db_path)
    size = len(html.encode())
    print(f"2,000 spans, {reply_chars}-char replies: {size:,} bytes")
    assert size < bound_bytes
    parsed = parse(html)
    text = "".join(parsed.text)
    assert "Span tree (2000 spans)" in text
    if reply_chars > MAX_TEXT_CHARS:
        assert "more characters" in text
    assert len(text.splitlines()) >= min(2_000, MAX_TREE_LINES)


def test_the_document_loads_nothing_and_names_the_trace() -> None:
    builder = fixtures.xss_trace(time.time_ns())
    trace = {
        "summary": {"trace_id": builder.trace_id, "root_name": builder.spans[0]["name"]},
        "spans": builder.spans,
    }
    page = document(trace)
    head = page[: page.index("</head>")]
    assert "default-src 'none'" in head  # the browser refuses every load, even if something slipped in
    parsed = parse(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "link" not in parsed.tags
    assert fixtures.XSS_SCRIPT in "".join(parsed.text)


def test_the_report_shows_the_servers_turns_and_speakers() -> None:
    """The report renders the server's derived facts (ag2_otel.server.attribution), as the
    viewer does: one turn per server turn, named after its owning agent, with its usage."""
    from ag2_otel.server.attribution import attribute_trace

    builder = fixtures.drift_trace(time.time_ns())
    trace = {"summary": {"trace_id": builder.trace_id}, "spans": builder.spans}
    expected = attribute_trace({**trace, "spans": [dict(s) for s in builder.spans]})["derived"]["turns"]
    html = document(trace)  # a store document without `derived`: the report adds it
    speakers = re.findall(r"<div class='turn [^']*'><span class='who'>([^<]*)</span>", html)
    assert speakers == [t["agent"] or "invoke_agent" for t in expected] == ["alice", "invoke_agent", "bob"]
    # alice's turn holds her call and the remote agent's beneath it (charged to carol)
    assert "2 LLM calls · 50 in / 12 out tokens" in html
