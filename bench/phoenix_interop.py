"""What Phoenix makes of ag2-otel's spans: the demo's scenarios into a real Phoenix, read back.

Builds `.venv-phoenix` (arize-phoenix, pinned below; ~1 GB, minutes the first time), starts
Phoenix on 127.0.0.1 with everything that calls out switched off, runs the demo's three
scenarios (content recorded, scripted model on 127.0.0.1) twice, exported over OTLP/HTTP:
as ag2-otel emits them (project `ag2-otel`) and through `OpenInferenceSpanExporter`
(project `ag2-otel-openinference`). Then reads back through Phoenix's GraphQL API what
kind, model, tokens, cost and input/output each span got, prints a Markdown table, and
takes screenshots of Phoenix's UI in headless Chromium (every request to anything but
127.0.0.1 is refused and counted). Not in CI (the install is large):

    ./dev phoenix        # from a fresh clone (makes .venv first)
    .venv/bin/python -m bench.phoenix_interop [--shots docs/screenshots]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from bench.backend_ingest import free_port

from ag2_otel.testing.venvs import venv_python

ROOT = Path(__file__).resolve().parents[1]
PHOENIX = ["arize-phoenix==20.26.1"]
PROJECTS = {"ag2-otel": False, "ag2-otel-openinference": True}  # project -> OpenInference wrapper
# Phoenix's own switches for whatever calls out: telemetry pixels, web fonts and downloads,
# the agent assistant (and its web/GitHub/bash tools)
QUIET_ENV = {
    "PHOENIX_TELEMETRY_ENABLED": "false",
    "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
    "PHOENIX_DISABLE_AGENT_ASSISTANT": "true",
    "PHOENIX_AGENTS_DISABLE_WEB_ACCESS": "true",
    "PHOENIX_AGENTS_DISABLE_GITHUB": "true",
    "PHOENIX_AGENTS_DISABLE_BASH": "true",
}
SPANS_QUERY = """query ($id: ID!) { node(id: $id) { ... on Project { spans(first: 1000) { edges { node {
  name spanKind startTime context { traceId spanId } parentId
  tokenCountPrompt tokenCountCompletion costSummary { total { cost } }
  input { value } output { value } attributes
} } } } } }"""


@contextlib.contextmanager
def phoenix_server(workdir: Path) -> Iterator[str]:
    """A Phoenix server on 127.0.0.1 (its base URL), stopped on exit."""
    python = venv_python(ROOT / ".venv-phoenix", PHOENIX)
    port, grpc_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PHOENIX_", "OTEL_"))},
        **QUIET_ENV,
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        "PHOENIX_GRPC_PORT": str(grpc_port),
        "PHOENIX_WORKING_DIR": str(workdir),
    }
    log = (workdir / "phoenix.log").open("w")
    process = subprocess.Popen(
        [str(python), "-m", "phoenix.server.main", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not _healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Phoenix did not start:\n" + (workdir / "phoenix.log").read_text()[-3000:])
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(base_url + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def send_demo(endpoint: str, project: str, openinference: bool) -> None:
    """The demo's scenarios into `project` (run in a child process: instrumentation is global)."""
    from autogen import LLMConfig
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter

    from ag2_otel.demo.runner import CAPTURE_CONTENT, SCENARIOS, ModelChoice, model_endpoint
    from ag2_otel.exporters.openinference import OpenInferenceSpanExporter

    exporter: SpanExporter = OTLPSpanExporter(endpoint=endpoint + "/v1/traces")
    if openinference:
        exporter = OpenInferenceSpanExporter(exporter)
    resource = Resource.create({"service.name": "ag2-otel-demo", "openinference.project.name": project})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with model_endpoint(ModelChoice(None, "gpt-4o-mini", None), io.StringIO()) as config:
        for _title, scenario in SCENARIOS:
            with contextlib.redirect_stdout(io.StringIO()):  # AG2 prints every message
                scenario(LLMConfig(config), provider, capture_content=CAPTURE_CONTENT)
    provider.shutdown()


def project_ids(base_url: str) -> dict[str, str]:
    listing = httpx.get(base_url + "/v1/projects", timeout=10).json()["data"]
    return {p["name"]: p["id"] for p in listing}


def read_spans(base_url: str, project_id: str) -> list[dict[str, Any]]:
    """Every span of the project as Phoenix serves it, oldest first."""
    response = httpx.post(
        base_url + "/graphql", json={"query": SPANS_QUERY, "variables": {"id": project_id}}, timeout=30
    )
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"Phoenix GraphQL: {body['errors']}")
    spans = [edge["node"] for edge in body["data"]["node"]["spans"]["edges"]]
    return sorted(spans, key=lambda s: s["startTime"])


def facts(span: dict[str, Any]) -> dict[str, Any]:
    """What Phoenix shows of one span."""
    attributes = json.loads(span["attributes"] or "{}")
    llm = attributes.get("llm") or {}
    cost = (span.get("costSummary") or {}).get("total", {}).get("cost")
    return {
        "name": span["name"],
        "kind": span["spanKind"],
        "model": llm.get("model_name") or "",
        "tokens": (
            f"{span['tokenCountPrompt']}/{span['tokenCountCompletion']}"
            if span["tokenCountPrompt"] is not None
            else ""
        ),
        "cost": f"${cost:.6f}" if cost else "",
        "input": _side(span.get("input"), llm.get("input_messages")),
        "output": _side(span.get("output"), llm.get("output_messages")),
    }


def _side(value: dict[str, Any] | None, messages: list[Any] | None) -> str:
    shown = []
    if messages:
        shown.append(f"{len(messages)} msg")
    if value and value.get("value"):
        shown.append("value")
    return " + ".join(shown) or "—"


def table(by_project: dict[str, list[dict[str, Any]]]) -> str:
    """One row per span (the two runs have the same shape: scripted model, same scenarios)."""
    plain, wrapped = (by_project[name] for name in PROJECTS)
    if [s["name"] for s in plain] != [s["name"] for s in wrapped]:
        raise RuntimeError("the two runs' spans differ: compare them by hand")
    lines = [
        "| span | kind | kind, OpenInference on | model | tokens in/out | cost (Phoenix's) "
        "| input | input, OI on | output | output, OI on |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for a, b in zip(plain, wrapped, strict=True):
        fa, fb = facts(a), facts(b)
        lines.append(
            f"| `{fa['name']}` | {fa['kind']} | {fb['kind']} | {fa['model']} | {fa['tokens']} | {fa['cost']} "
            f"| {fa['input']} | {fb['input']} | {fa['output']} | {fb['output']} |"
        )
    return "\n".join(lines)


def screenshots(
    base_url: str, ids: dict[str, str], by_project: dict[str, list[dict[str, Any]]], out: Path
) -> int:
    """The group chat's trace in Phoenix: its conversation span as sent, then with the
    OpenInference wrapper, then an LLM span; returns how many requests to anything but
    127.0.0.1 the pages tried (each was refused)."""
    from playwright.sync_api import Route, sync_playwright

    from ag2_otel.testing.chromium import CHROMIUM, CHROMIUM_ARGS

    refused: list[str] = []

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    def trace_url(project: str) -> str:
        group = next(s for s in by_project[project] if s["name"].startswith("conversation group_user"))
        return f"{base_url}/projects/{ids[project]}/traces/{group['context']['traceId']}"

    plain, wrapped = PROJECTS
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.route("**/*", loopback_only)
        for name, url, click in (
            ("phoenix-conversation-as-sent", trace_url(plain), None),
            ("phoenix-conversation-openinference", trace_url(wrapped), None),
            ("phoenix-llm-span", trace_url(wrapped), "chat gpt-4o-mini"),
        ):
            page.goto(url)
            page.wait_for_load_state("networkidle")
            page.get_by_text("invoke_agent executor").first.wait_for()
            if click:
                page.get_by_text(click).last.click()
                page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"))
        browser.close()
    return len(refused)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--send", nargs=3, metavar=("ENDPOINT", "PROJECT", "OPENINFERENCE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.send:
        endpoint, project, openinference = args.send
        send_demo(endpoint, project, openinference == "1")
        return 0
    with tempfile.TemporaryDirectory() as tmp, phoenix_server(Path(tmp)) as base_url:
        print(f"Phoenix {PHOENIX[0]} at {base_url}", flush=True)
        for project, openinference in PROJECTS.items():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.phoenix_interop",
                    "--send",
                    base_url,
                    project,
                    str(int(openinference)),
                ],
                cwd=ROOT,
                check=True,
            )
        ids = project_ids(base_url)
        by_project = {name: read_spans(base_url, ids[name]) for name in PROJECTS}
        print(table(by_project))
        refused = screenshots(base_url, ids, by_project, args.shots)
        print(f"\nscreenshots in {args.shots}; requests beyond 127.0.0.1 refused: {refused}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
