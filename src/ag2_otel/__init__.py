"""OpenTelemetry tracing and metrics for classic AG2 (the `autogen` namespace)."""

from ag2_otel.version import __version__

__all__ = ["__version__"]
