"""Trace and span ids drawn from a private random source.

The OpenTelemetry SDK's default ``RandomIdGenerator`` draws from the global ``random`` module,
so merely tracing a program that seeds ``random`` changes the numbers it gets afterwards
(random speaker selection, ``RandomPattern``, tools that roll dice). ag2-otel draws every id it
makes from its own ``random.Random`` instead, and ``PrivateRandomIdGenerator`` gives the SDK
the same independence::

    TracerProvider(id_generator=PrivateRandomIdGenerator())
"""

from __future__ import annotations

import os
import random

from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import INVALID_SPAN_ID, INVALID_TRACE_ID

_source = random.Random()  # seeded from os.urandom; never the program's global `random`

if hasattr(os, "register_at_fork"):  # a forked child must not repeat its parent's ids
    os.register_at_fork(after_in_child=_source.seed)


def random_bits(bits: int) -> int:
    """`bits` random bits from ag2-otel's private source (never the global `random`)."""
    return _source.getrandbits(bits)


class PrivateRandomIdGenerator(IdGenerator):
    """The SDK's random id generator, without touching the global `random` sequence."""

    def generate_span_id(self) -> int:
        span_id = _source.getrandbits(64)
        while span_id == INVALID_SPAN_ID:
            span_id = _source.getrandbits(64)
        return span_id

    def generate_trace_id(self) -> int:
        trace_id = _source.getrandbits(128)
        while trace_id == INVALID_TRACE_ID:
            trace_id = _source.getrandbits(128)
        return trace_id
