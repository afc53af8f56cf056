"""Whether the work under an unsampled span can be skipped outright.

With the SDK's default `ParentBased` sampler (or `ALWAYS_OFF`), every span
started under an unsampled one is dropped too; if no meter records either,
nothing ag2-otel would do inside that step can be observed, so its wrappers
pass calls straight through. Anything else (a custom sampler that may sample
children of an unsampled parent, a live meter) keeps the full path.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.trace import NoOpTracer

try:  # the SDK is a dependency, but an API-only setup must still import us
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
except ImportError:  # pragma: no cover
    ALWAYS_OFF = ParentBased = None  # type: ignore[assignment,misc]

QUIET_KEY = otel_context.create_key("ag2_otel.quiet")
"""Set under an unsampled step whose inner work nobody would observe."""


def drops_unsampled_children(tracer: Any) -> bool:
    """True when `tracer` never records a span whose (local) parent is unsampled."""
    tracer = getattr(tracer, "_tracer", tracer)  # the API's ProxyTracer: the tracer it delegates to
    if isinstance(tracer, NoOpTracer):
        return True
    sampler = getattr(tracer, "sampler", None)
    if sampler is None or ALWAYS_OFF is None:
        return False
    if sampler is ALWAYS_OFF:
        return True
    # `ParentBased` keeps its per-case samplers in private attributes; if they move,
    # this answers False and the full path runs.
    return (
        isinstance(sampler, ParentBased) and getattr(sampler, "_local_parent_not_sampled", None) is ALWAYS_OFF
    )
