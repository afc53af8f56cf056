"""Run an AG2 program untraced and traced, each in a fresh process, and record everything
the program could observe, so a test can require the two runs to be indistinguishable.

A program is a Python file with `main(llm_config)` (sync or async) in a folder of them (a
suite: the project's own is tests/instrumentation/programs; files starting with `_` are not
programs), loaded from its file in the run's process. It talks to
`ScriptedOpenAIServer(ScriptedModel())` on 127.0.0.1, started in the same process, so the
model's answers depend only on the requests. The tests and `bench.fidelity_suite` both run
the suite through this module.

Each run records its stdout and stderr, its result (or exception), every agent's attributes
and chat histories, the model requests, warnings, logging configuration, the global `random`
sequence afterwards and the AG2 modules imported; a traced run also its spans, the spans never
ended, and what `uninstrument()` left behind.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import inspect
import json
import logging
import multiprocessing
import os
import random
import re
import resource
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

SEED = 20260
PROGRAM_MODULE = "ag2_otel_fidelity_program_"
"""Prefix of the module name a program is loaded under (its name follows)."""
_UUID = re.compile(r"\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b")
_ADDRESS = re.compile(r"0x[0-9a-f]{6,}")
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_FILE_DESCRIPTOR = re.compile(r"\bfd=\d+")


@dataclass(frozen=True)
class Observation:
    program: str
    traced: bool
    returncode: int
    stdout: str
    stderr: str
    data: dict[str, Any]
    cpu_s: float
    """CPU time the run took (its process and the processes it started), for the suite's budget."""


def programs(suite: Path) -> list[str]:
    """Every program in the suite folder, by name (its file's stem)."""
    return sorted(p.stem for p in suite.glob("*.py") if not p.stem.startswith("_"))


def observe(suite: Path, program: str, *, traced: bool) -> Observation:
    """Run `program` once in a fresh process and collect what it observed."""
    return observe_runs(suite, [(program, traced)])[(program, traced)]


@cache
def observe_all(suite: Path) -> dict[tuple[str, bool], Observation]:
    """Every program of the suite untraced and traced."""
    return observe_runs(suite, [(program, traced) for program in programs(suite) for traced in (False, True)])


def observe_runs(suite: Path, runs: list[tuple[str, bool]]) -> dict[tuple[str, bool], Observation]:
    """Each run in its own process, as many at a time as there are cores.

    Every process is forked from one server that has imported AG2 and nothing else the
    program could see (`forkserver`, preloaded): it starts as fresh as a new interpreter
    that ran `import autogen`, without paying ~1.5 s of CPU for that import per run.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autogen", "ag2_otel.testing", __name__])
    with context.Pool(processes=max(2, os.cpu_count() or 2), maxtasksperchild=1) as pool:
        observed = pool.map(_observe_here, [(suite.resolve(), *run) for run in runs], chunksize=1)
    return {(o.program, o.traced): o for o in observed}


def _observe_here(run: tuple[Path, str, bool]) -> Observation:
    """In the forked process: run the program in an empty working directory, its stdout
    and stderr going to files."""
    suite, program, traced = run
    for name in [n for n in os.environ if n.startswith("OTEL_")]:
        del os.environ[name]
    with tempfile.TemporaryDirectory(prefix="ag2-otel-fidelity-") as folder:
        os.chdir(folder)
        out = Path(folder) / "observed.json"
        streams = [Path(folder) / "stdout.txt", Path(folder) / "stderr.txt"]
        returncode = 0
        with streams[0].open("w") as stdout, streams[1].open("w") as stderr:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(stdout.fileno(), 1)
            os.dup2(stderr.fileno(), 2)
            try:
                _run_child(suite / f"{program}.py", traced, out)
            except BaseException:
                traceback.print_exc()
                returncode = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
        # The working directory's name differs per run: the program may print or raise it.
        data = json.loads(out.read_text().replace(folder, "WORKDIR")) if out.exists() else {}
        stdout_text, stderr_text = (p.read_text().replace(folder, "WORKDIR") for p in streams)
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu_s = sum(u.ru_utime + u.ru_stime for u in usage)
    return Observation(program, traced, returncode, stdout_text, stderr_text, data, cpu_s)


def differences(untraced: Observation, traced: Observation) -> list[str]:
    """What the program could tell apart between its two runs (empty: nothing)."""
    found = []
    if untraced.returncode != traced.returncode:
        found.append(f"exit code {untraced.returncode} != {traced.returncode}")
    for stream in ("stdout", "stderr"):
        plain, with_tracing = (_normalized(getattr(o, stream)) for o in (untraced, traced))
        if plain != with_tracing:
            found.append(
                f"{stream} differs:\n--- untraced\n{plain[-1500:]}\n--- traced\n{with_tracing[-1500:]}"
            )
    found += _logging_differences(untraced.data.get("logging") or {}, traced.data.get("logging") or {})
    for key in OBSERVED:
        plain, with_tracing = (
            _normalized(json.dumps(o.data.get(key), sort_keys=True)) for o in (untraced, traced)
        )
        if plain != with_tracing:
            found.append(f"{key} differs:\n--- untraced\n{plain[:1500]}\n--- traced\n{with_tracing[:1500]}")
    return found


OBSERVED = (
    "outcome",
    "result",
    "agents",
    "requests",
    "warnings",
    "random_after",
    "ag2_modules",
)
"""What both runs record and must agree on."""


_UNCONFIGURED_LOGGER = [logging.NOTSET, [], True, False]


def _logging_differences(untraced: dict[str, Any], traced: dict[str, Any]) -> list[str]:
    """Every logger the program has is configured alike; a library imported only for tracing
    may create its own logger (`packaging.tags`), but never configure it."""
    found = [
        f"logger {name!r}: {config} != {traced.get(name)}"
        for name, config in untraced.items()
        if traced.get(name) != config
    ]
    found += [
        f"logger {name!r} configured: {config}"
        for name, config in traced.items()
        if name not in untraced and config != _UNCONFIGURED_LOGGER
    ]
    return found


def _normalized(text: str) -> str:
    """Ids AG2 draws from `uuid4` / `os.urandom` and object addresses differ on every run,
    traced or not; so do the scripted server's port and file descriptor numbers (the SDK
    opens files too: "ResourceWarning: unclosed <socket fd=15 ...>")."""
    text = _PORT.sub("127.0.0.1:PORT", _ADDRESS.sub("0xADDR", _UUID.sub("UUID", text)))
    return _FILE_DESCRIPTOR.sub("fd=N", text)


# --- the child: one program, one mode ------------------------------------------


def _run_child(program: Path, traced: bool, out: Path) -> None:
    random.seed(SEED)
    observed: dict[str, Any] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _tracing(traced, observed) as caller:
            from ag2_otel.testing import ScriptedModel, ScriptedOpenAIServer

            with ScriptedOpenAIServer(ScriptedModel()) as server:
                module = _load(program)
                llm_config = {
                    "config_list": [
                        {
                            "api_type": "openai",
                            "model": "gpt-4o-mini",
                            "base_url": server.base_url,
                            "api_key": "x",
                        }
                    ]
                }
                with caller():
                    observed["outcome"], observed["result"] = _call(module.main, llm_config)
                observed["requests"] = server.requests
        # What the program leaked (e.g. docker-py's sockets) warns when it is collected: collect
        # now, in both runs, so the warnings do not depend on when the collector happened to run.
        gc.collect()
    observed["random_after"] = [random.random() for _ in range(3)]
    observed["warnings"] = sorted(f"{w.category.__name__}: {w.message}" for w in caught)
    observed["logging"] = _logging_configuration()
    observed["agents"] = _agents()
    observed["ag2_modules"] = sorted(name for name in sys.modules if name.split(".")[0] == "autogen")
    out.write_text(json.dumps(observed, default=repr, sort_keys=True))


def _load(program: Path) -> ModuleType:
    """The program's module, loaded from its file (registered first: dataclasses and
    pickling look a class's module up by name)."""
    name = PROGRAM_MODULE + program.stem
    spec = importlib.util.spec_from_file_location(name, program)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {program}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _call(main: Any, llm_config: Any) -> tuple[str, Any]:
    """Run the program; its exception is part of what it observes (type and message)."""
    try:
        result = asyncio.run(main(llm_config)) if inspect.iscoroutinefunction(main) else main(llm_config)
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}", None
    return "returned", plain(result)


@contextmanager
def _tracing(traced: bool, observed: dict[str, Any]) -> Iterator[Any]:
    """Traced: `AG2Instrumentor` on before the program is imported (as `opentelemetry-instrument`
    does), the program run under a `caller` span; afterwards the spans, and what
    `uninstrument()` left behind."""
    if not traced:
        yield _untraced_caller
        return
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from ag2_otel import AG2Instrumentor, PrivateRandomIdGenerator

    exporter = InMemorySpanExporter()
    provider = TracerProvider(id_generator=PrivateRandomIdGenerator())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    started = _started_spans()
    provider.add_span_processor(started)
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=provider)

    @contextmanager
    def caller() -> Iterator[None]:
        with provider.get_tracer("fidelity").start_as_current_span("caller"):
            yield

    try:
        yield caller
    finally:
        instrumentor.uninstrument()
        observed["uninstrument_left"] = _left_by_uninstrument()
        spans = exporter.get_finished_spans()
        observed["spans"] = [_span_record(s) for s in spans]
        ended = {s.context.span_id for s in spans}
        observed["never_ended"] = [name for span_id, name in started.names.items() if span_id not in ended]


@contextmanager
def _untraced_caller() -> Iterator[None]:
    yield


def _started_spans() -> Any:
    """A span processor that notes every span started (to find the ones never ended)."""
    from opentelemetry.sdk.trace import SpanProcessor

    class StartedSpans(SpanProcessor):  # type: ignore[misc]
        def __init__(self) -> None:
            self.names: dict[int, str] = {}

        def on_start(self, span: Any, parent_context: Any = None) -> None:
            self.names[span.context.span_id] = span.name

    return StartedSpans()


def _span_record(span: Any) -> dict[str, Any]:
    return {
        "name": span.name,
        "id": span.context.span_id,
        "trace_id": span.context.trace_id,
        "parent_id": span.parent.span_id if span.parent is not None else None,
        "status": span.status.status_code.name,
        "attributes": {k: list(v) if isinstance(v, tuple) else v for k, v in (span.attributes or {}).items()},
        "start": span.start_time,
        "end": span.end_time,
        "events": [e.name for e in span.events],
    }


def _left_by_uninstrument() -> list[str]:
    """Anything of ours still in AG2 or the import system after `uninstrument()`."""
    from ag2_otel.instrumentation import _carriers, _patches

    left = [f"wrapped {owner.__name__}.{method}" for owner, method, _, _ in _patches._applied]
    left += [f"context carrier in {m.__name__}.{a}" for m, a, _ in _carriers._installed]
    for module_name, class_name, method, _ in _patches.PATCHES:
        module = sys.modules.get(module_name)
        owner = _patches._resolve(module, class_name) if module is not None else None
        code = getattr(vars(owner).get(method), "__code__", None) if owner is not None else None
        if code is not None and code.co_filename == _patches.__file__:
            left.append(f"{class_name}.{method} still ours")
    for module_name, carriers in _carriers.CARRIERS.items():
        module = sys.modules.get(module_name)
        for attribute, _ in carriers:
            value = vars(module).get(attribute) if module is not None else None
            if value is not None and not inspect.ismodule(value):
                left.append(f"{module_name}.{attribute} not a module")
    left += [f"import hook {f!r}" for f in sys.meta_path if type(f).__module__.startswith("ag2_otel")]
    return left


def _logging_configuration() -> dict[str, Any]:
    """Levels, handlers and flags of the root logger and every logger not ours or the SDK's."""
    loggers: dict[str, Any] = {"": logging.getLogger()}
    for name, item in logging.Logger.manager.loggerDict.items():
        if isinstance(item, logging.Logger) and not name.startswith(("ag2_otel", "opentelemetry")):
            loggers[name] = item
    return {
        name: [lg.level, [type(h).__name__ for h in lg.handlers], lg.propagate, lg.disabled]
        for name, lg in sorted(loggers.items())
    }


def _agents() -> list[Any]:
    """Every AG2 agent and group chat still alive: attributes, histories, messages."""
    try:
        from autogen import ConversableAgent, GroupChat
    except ImportError:
        return []
    records = []
    gc.collect()  # agents AG2 made for a moment (speaker selection) are gone in both runs
    for obj in gc.get_objects():
        module = type(obj).__dict__.get("__module__")
        if not (isinstance(module, str) and module.startswith(("autogen", PROGRAM_MODULE))):
            continue  # a cheap first filter: most objects are not AG2's
        if isinstance(obj, ConversableAgent):
            records.append(
                {
                    "agent": obj.name,
                    "attributes": sorted(vars(obj)),
                    "chat_messages": {
                        getattr(k, "name", "?"): plain(v) for k, v in obj.chat_messages.items()
                    },
                }
            )
        elif isinstance(obj, GroupChat):
            records.append({"groupchat": [a.name for a in obj.agents], "messages": plain(obj.messages)})
    return sorted(records, key=lambda r: json.dumps(r, sort_keys=True, default=repr))


def plain(value: Any) -> Any:
    """A JSON-able copy of what a program returns (ChatResults, run responses, lists)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    fields = (
        "chat_history",
        "summary",
        "cost",
        "human_input",
        "messages",
        "last_speaker",
        "context_variables",
    )
    found = {f: plain(getattr(value, f)) for f in fields if _readable(value, f)}
    return {"type": type(value).__name__, **found} if found else repr(value)


def _readable(value: Any, field: str) -> bool:
    try:
        getattr(value, field)
    except Exception:
        return False
    return True
